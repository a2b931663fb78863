// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.metrics;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collection;
import java.util.List;
import java.util.function.ToDoubleFunction;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.SessionStoreCounters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.eclipse.jetty.util.component.Container;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the counters of Redis session stores ({@link SessionStoreCounters}) to a Micrometer registry, tagged
 * with each store's context: loads, saves, deletions, expiries, bytes and failed Redis calls as function
 * counters, the percentiles of load and save times and of session sizes as gauges, and the live session
 * count. Meters read the counters when the registry is scraped; requests never touch Micrometer. For an
 * embedded server, once it has started (its contexts' stores exist from then on):
 * <pre>{@code
 * server.start();
 * SessionStoreMetrics.of(server).bindTo(registry);
 * }</pre>
 * A context started again later (a redeploy) has a new store: bind it again. Stores whose {@code metrics} is
 * off are left out. A webapp in a jetty-base, which cannot see the server's classes, uses
 * {@link SessionStoreJmxMetrics} instead.
 */
public class SessionStoreMetrics implements MeterBinder
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionStoreMetrics.class);

    private final List<RedisSessionDataStore> stores;

    /** @param stores the started stores to bind */
    public SessionStoreMetrics(Collection<RedisSessionDataStore> stores)
    {
        this.stores = List.copyOf(stores);
    }

    /**
     * @param server a started server, or any container of contexts
     * @return a binder of every Redis session store of its contexts
     */
    public static SessionStoreMetrics of(Container server)
    {
        return new SessionStoreMetrics(server.getContainedBeans(RedisSessionDataStore.class));
    }

    @Override
    public void bindTo(MeterRegistry registry)
    {
        for (RedisSessionDataStore store : stores)
        {
            SessionStoreCounters counters = store.getCounters();
            if (!counters.isCounting() || store.getContextName() == null)
            {
                LOG.debug("Not bound, as it counts nothing or has not started: {}", store);
                continue;
            }
            SessionStoreMeters.register(registry, store.getContextName(), counters, SessionStoreMetrics::getter,
                store, SessionStoreMetrics::liveSessions);
        }
    }

    /** @return how to read the attribute: its getter on the counters */
    private static ToDoubleFunction<SessionStoreCounters> getter(String attribute)
    {
        MethodHandle getter;
        try
        {
            getter = MethodHandles.publicLookup().findVirtual(SessionStoreCounters.class,
                "get" + Character.toUpperCase(attribute.charAt(0)) + attribute.substring(1), MethodType.methodType(long.class));
        }
        catch (ReflectiveOperationException e)
        {
            throw new IllegalStateException("SessionStoreCounters has no attribute " + attribute, e);
        }
        return counters ->
        {
            try
            {
                return (long)getter.invokeExact(counters);
            }
            catch (Throwable e)
            {
                throw new IllegalStateException(e);
            }
        };
    }

    private static double liveSessions(RedisSessionDataStore store)
    {
        try
        {
            return store.isStarted() ? store.getLiveSessions() : Double.NaN;
        }
        catch (RuntimeException e)
        {
            // Redis cannot be asked now: no value rather than a failed scrape.
            return Double.NaN;
        }
    }
}
