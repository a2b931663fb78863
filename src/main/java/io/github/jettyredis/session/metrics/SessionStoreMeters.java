// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.metrics;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Which meter shows which attribute of a store's {@code SessionStoreCounters}, by its JMX attribute name: one
 * table for both binders, so that a store bound directly and one read through JMX show the same meters.
 * Counts are function counters and percentiles gauges, read when the registry is scraped: nothing of
 * Micrometer runs on a request. Refers to no class of the store, so that it loads where those are hidden.
 */
final class SessionStoreMeters
{
    /** The tag naming the store's context (canonical path, {@code _}, virtual host), as its keys and logs do. */
    static final String CONTEXT_TAG = "context";
    /** The store attribute of the live session count (one Redis command per read). */
    static final String LIVE_SESSIONS = "liveSessions";

    private static final String PREFIX = "jetty.session.redis.";
    private static final double MICROS = 1e-6;

    /**
     * One meter.
     *
     * @param attribute the counters' JMX attribute it shows
     * @param name the meter's name
     * @param tag its tag's key and value (a kind or outcome), or null for none
     * @param counter whether it is a function counter (else a gauge)
     * @param unit its base unit
     * @param scale what a value is multiplied by (microseconds to seconds)
     * @param description what it shows
     */
    record Meter(String attribute, String name, String[] tag, boolean counter, String unit, double scale, String description)
    {
    }

    /** Every meter of a store's counters. */
    static final List<Meter> METERS = List.of(
        count("loadsFound", "loads", "outcome", "found", "loads of sessions"),
        count("loadsMissing", "loads", "outcome", "missing", "loads of sessions"),
        count("loadsUnreadable", "loads", "outcome", "unreadable", "loads of sessions"),
        count("loadsUnreachable", "loads", "outcome", "unreachable", "loads of sessions"),
        count("savesWhole", "saves", "kind", "whole", "saves of sessions"),
        count("savesDelta", "saves", "kind", "delta", "saves of sessions"),
        count("savesSkipped", "saves", "kind", "skipped", "saves of sessions"),
        count("savesKept", "saves", "kind", "kept", "saves of sessions"),
        count("deletions", "deletions", null, null, "sessions deleted"),
        count("expiriesClaimed", "expiries", "outcome", "claimed", "expired sessions this node came to claim"),
        count("expiriesGone", "expiries", "outcome", "gone", "expired sessions this node came to claim"),
        count("leasedUses", "lease.uses", null, null, "requests that used a held session under this node's lease, without asking Redis"),
        count("leaseWaits", "lease.waits", null, null, "changes that waited for another node to give up its lease"),
        new Meter("bytesRead", PREFIX + "bytes", new String[]{"direction", "read"}, true, "bytes", 1, "bytes of sessions read and written"),
        new Meter("bytesWritten", PREFIX + "bytes", new String[]{"direction", "written"}, true, "bytes", 1, "bytes of sessions read and written"),
        count("redisUnreachable", "errors", "kind", "unreachable", "failed Redis calls"),
        count("redisTimeouts", "errors", "kind", "timeout", "failed Redis calls"),
        count("redisLoading", "errors", "kind", "loading", "failed Redis calls"),
        count("redisNotTheMaster", "errors", "kind", "not_the_master", "failed Redis calls"),
        count("redisUnavailable", "errors", "kind", "unavailable", "failed Redis calls"),
        count("redisFull", "errors", "kind", "full", "failed Redis calls"),
        count("redisNoPermission", "errors", "kind", "no_permission", "failed Redis calls"),
        count("redisOtherErrors", "errors", "kind", "other", "failed Redis calls"),
        percentile("loadP50Micros", "load.duration", "0.5", "seconds", MICROS, "load time since the store started"),
        percentile("loadP99Micros", "load.duration", "0.99", "seconds", MICROS, "load time since the store started"),
        percentile("saveP50Micros", "save.duration", "0.5", "seconds", MICROS, "save time since the store started"),
        percentile("saveP99Micros", "save.duration", "0.99", "seconds", MICROS, "save time since the store started"),
        percentile("sessionBytesP50", "session.size", "0.5", "bytes", 1, "size of loaded sessions since the store started"),
        percentile("sessionBytesP99", "session.size", "0.99", "bytes", 1, "size of loaded sessions since the store started"));

    private SessionStoreMeters()
    {
    }

    private static Meter count(String attribute, String name, String tagKey, String tagValue, String description)
    {
        return new Meter(attribute, PREFIX + name, tagKey == null ? null : new String[]{tagKey, tagValue}, true, null, 1, description);
    }

    private static Meter percentile(String attribute, String name, String percentile, String unit, double scale, String description)
    {
        return new Meter(attribute, PREFIX + name, new String[]{"percentile", percentile}, false, unit, scale, description);
    }

    /**
     * Registers the meters of one store.
     *
     * @param registry where
     * @param context the store's context, for the {@value #CONTEXT_TAG} tag
     * @param counters what the counts are read from: held strongly by the store, as Micrometer holds it weakly
     * @param reader how each attribute is read from it
     * @param store what the live session count is read from, held strongly elsewhere too
     * @param liveSessions how
     * @param <C> the type of what the counts are read from
     * @param <S> the type of what the live session count is read from
     */
    static <C, S> void register(MeterRegistry registry, String context, C counters, Function<String, ToDoubleFunction<C>> reader,
                                S store, ToDoubleFunction<S> liveSessions)
    {
        Tags tags = Tags.of(CONTEXT_TAG, context);
        for (Meter meter : METERS)
        {
            Tags meterTags = meter.tag() == null ? tags : tags.and(meter.tag()[0], meter.tag()[1]);
            ToDoubleFunction<C> read = reader.apply(meter.attribute());
            double scale = meter.scale();
            if (meter.counter())
                FunctionCounter.builder(meter.name(), counters, read).tags(meterTags).baseUnit(meter.unit()).description(meter.description())
                    .register(registry);
            else
                Gauge.builder(meter.name(), counters, c -> read.applyAsDouble(c) * scale).tags(meterTags).baseUnit(meter.unit())
                    .description(meter.description()).register(registry);
        }
        Gauge.builder(PREFIX + "sessions.live", store, liveSessions).tags(tags)
            .description("sessions of the context in Redis (its expiry index; one Redis command per read)").register(registry);
    }
}
