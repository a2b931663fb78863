// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.concurrent.atomic.LongAdder;

import io.github.jettyredis.session.internal.Histogram;
import io.github.jettyredis.session.internal.RedisFailure;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;

/**
 * What one context's {@link RedisSessionDataStore} did since it started: loads by outcome, saves by kind,
 * deletions, expiries claimed, bytes read and written, failed Redis calls by kind, and the distributions of
 * load and save latencies and of loaded sessions' sizes (percentiles). A bean of the store, so Jetty's
 * {@code jmx} module shows it next to the store; counting costs a {@link LongAdder} or array increment, and
 * nothing at all when the store's {@code metrics} is off (then this counts nothing, and is no bean).
 */
@ManagedObject("What a context's Redis session store did since it started")
public class SessionStoreCounters
{
    private final LongAdder loadsFound = new LongAdder();
    private final LongAdder loadsMissing = new LongAdder();
    private final LongAdder loadsUnreadable = new LongAdder();
    private final LongAdder loadsUnreachable = new LongAdder();
    private final LongAdder savesWhole = new LongAdder();
    private final LongAdder savesDelta = new LongAdder();
    private final LongAdder savesSkipped = new LongAdder();
    private final LongAdder savesKept = new LongAdder();
    private final LongAdder deletions = new LongAdder();
    private final LongAdder expiriesClaimed = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder expiriesGone = new LongAdder();
    private final LongAdder leasedUses = new LongAdder();
    private final LongAdder leaseWaits = new LongAdder();
    /** Failed Redis calls, by {@link RedisFailure#ordinal()}. */
    private final LongAdder[] redisFailures = new LongAdder[RedisFailure.values().length];
    private final Histogram loadMicros = new Histogram();
    private final Histogram saveMicros = new Histogram();
    private final Histogram sessionBytes = new Histogram();
    private final boolean counting;

    /** @param counting whether to count; if not, every method that counts does nothing */
    SessionStoreCounters(boolean counting)
    {
        this.counting = counting;
        for (int i = 0; i < redisFailures.length; i++)
            redisFailures[i] = new LongAdder();
    }

    /** @return whether this counts (the store's {@code metrics}) */
    public boolean isCounting()
    {
        return counting;
    }

    /** @return when a timed operation starts, for {@link #loadTook} and {@link #saveTook}; 0 when not counting */
    long started()
    {
        return counting ? System.nanoTime() : 0;
    }

    void loadFound(long bytes)
    {
        if (!counting)
            return;
        loadsFound.increment();
        bytesRead.add(bytes);
        sessionBytes.record(bytes);
    }

    /** @param start when the load started ({@link #started()}); its Redis round trip and decoding are timed */
    void loadTook(long start)
    {
        if (counting)
            loadMicros.record((System.nanoTime() - start) / 1000);
    }

    /** @param start when the save started ({@link #started()}); its Redis round trip and encoding are timed */
    void saveTook(long start)
    {
        if (counting)
            saveMicros.record((System.nanoTime() - start) / 1000);
    }

    void loadMissing()
    {
        if (counting)
            loadsMissing.increment();
    }

    void loadUnreadable()
    {
        if (counting)
            loadsUnreadable.increment();
    }

    void loadUnreachable()
    {
        if (counting)
            loadsUnreachable.increment();
    }

    void saved(boolean whole, long bytes)
    {
        if (!counting)
            return;
        (whole ? savesWhole : savesDelta).increment();
        bytesWritten.add(bytes);
    }

    void saveSkipped()
    {
        if (counting)
            savesSkipped.increment();
    }

    void saveKept()
    {
        if (counting)
            savesKept.increment();
    }

    void deleted()
    {
        if (counting)
            deletions.increment();
    }

    /**
     * @param sessions expired sessions this node claimed
     * @param gone expired sessions it found deleted by another node meanwhile
     */
    void claimed(int sessions, int gone)
    {
        if (!counting)
            return;
        expiriesClaimed.add(sessions);
        expiriesGone.add(gone);
    }

    void leasedUse()
    {
        if (counting)
            leasedUses.increment();
    }

    void leaseWait()
    {
        if (counting)
            leaseWaits.increment();
    }

    /** @param failure why a Redis call failed (once per call, as {@link RedisFailure} tells it) */
    void redisFailed(RedisFailure failure)
    {
        if (counting)
            redisFailures[failure.ordinal()].increment();
    }

    /** @return loads that found their session */
    @ManagedAttribute(value = "loads that found their session", readonly = true)
    public long getLoadsFound()
    {
        return loadsFound.sum();
    }

    /** @return loads of a session Redis does not have */
    @ManagedAttribute(value = "loads of a session Redis does not have", readonly = true)
    public long getLoadsMissing()
    {
        return loadsMissing.sum();
    }

    /** @return loads whose session could not be read (damaged metadata, a foreign key) */
    @ManagedAttribute(value = "loads whose session could not be read", readonly = true)
    public long getLoadsUnreadable()
    {
        return loadsUnreadable.sum();
    }

    /** @return loads that could not reach Redis (their requests ran without the session, or got 503) */
    @ManagedAttribute(value = "loads that could not reach Redis", readonly = true)
    public long getLoadsUnreachable()
    {
        return loadsUnreachable.sum();
    }

    /** @return saves that wrote the whole session (new, renamed, or written back after Redis lost it) */
    @ManagedAttribute(value = "saves that wrote the whole session", readonly = true)
    public long getSavesWhole()
    {
        return savesWhole.sum();
    }

    /** @return saves that wrote what changed */
    @ManagedAttribute(value = "saves that wrote what changed", readonly = true)
    public long getSavesDelta()
    {
        return savesDelta.sum();
    }

    /** @return saves not sent: Jetty's second save of a request, which only moves the expiry a little */
    @ManagedAttribute(value = "saves not sent (only the expiry moved, by less than a second)", readonly = true)
    public long getSavesSkipped()
    {
        return savesSkipped.sum();
    }

    /** @return saves kept in memory for later because Redis could not be reached or was full (see the redis* counts for why) */
    @ManagedAttribute(value = "saves kept for later: Redis unreachable or full", readonly = true)
    public long getSavesKept()
    {
        return savesKept.sum();
    }

    /** @return sessions deleted (invalidated, expired, renamed) */
    @ManagedAttribute(value = "sessions deleted", readonly = true)
    public long getDeletions()
    {
        return deletions.sum();
    }

    /** @return expired sessions this node claimed, to expire them with their listeners */
    @ManagedAttribute(value = "expired sessions this node claimed", readonly = true)
    public long getExpiriesClaimed()
    {
        return expiriesClaimed.sum();
    }

    /** @return bytes of session hashes loaded (field names and values) */
    @ManagedAttribute(value = "bytes of session hashes loaded", readonly = true)
    public long getBytesRead()
    {
        return bytesRead.sum();
    }

    /** @return bytes of fields saves wrote (field names and values) */
    @ManagedAttribute(value = "bytes of fields written by saves", readonly = true)
    public long getBytesWritten()
    {
        return bytesWritten.sum();
    }

    /** @return expired sessions this node found deleted by another node (which expired them) when it came to claim them */
    @ManagedAttribute(value = "expired sessions found already deleted by another node", readonly = true)
    public long getExpiriesGone()
    {
        return expiriesGone.sum();
    }

    /** @return requests that used a held session under this node's lease, without asking Redis ({@code RedisSessionCache}) */
    @ManagedAttribute(value = "requests that used a held session under this node's lease, without asking Redis", readonly = true)
    public long getLeasedUses()
    {
        return leasedUses.sum();
    }

    /** @return changes of this node that waited for another node to give up its lease on their session */
    @ManagedAttribute(value = "changes that waited for another node to give up its lease", readonly = true)
    public long getLeaseWaits()
    {
        return leaseWaits.sum();
    }

    /** @return Redis calls that found no connection, or were not sent while Redis was known to be down */
    @ManagedAttribute(value = "Redis calls that could not connect (or were not sent: Redis known down)", readonly = true)
    public long getRedisUnreachable()
    {
        return redisFailures[RedisFailure.UNREACHABLE.ordinal()].sum();
    }

    /** @return Redis calls that got no reply in time ({@code socketTimeoutMs}) */
    @ManagedAttribute(value = "Redis calls that got no reply in time", readonly = true)
    public long getRedisTimeouts()
    {
        return redisFailures[RedisFailure.TIMEOUT.ordinal()].sum();
    }

    /** @return Redis calls answered {@code LOADING}: Redis restarted and still reading its data */
    @ManagedAttribute(value = "Redis calls answered LOADING (Redis reading its data after a restart)", readonly = true)
    public long getRedisLoading()
    {
        return redisFailures[RedisFailure.LOADING.ordinal()].sum();
    }

    /**
     * @return Redis calls answered by a Redis that is not, or may no longer be, the master the other nodes write to
     * ({@code READONLY}, {@code MASTERDOWN}, {@code NOREPLICAS}, {@code CLUSTERDOWN}): a failover under way, or a
     * configuration that points at a replica
     */
    @ManagedAttribute(value = "Redis calls answered READONLY, MASTERDOWN, NOREPLICAS or CLUSTERDOWN (not the master: a failover under way)", readonly = true)
    public long getRedisNotTheMaster()
    {
        return redisFailures[RedisFailure.NOT_THE_MASTER.ordinal()].sum();
    }

    /**
     * @return Redis calls it refused to every client for now ({@code TRYAGAIN}, {@code BUSY}, {@code MISCONF}): a
     * slot moving, a script past its limit, or snapshots failing
     */
    @ManagedAttribute(value = "Redis calls answered TRYAGAIN, BUSY or MISCONF (refused for now)", readonly = true)
    public long getRedisUnavailable()
    {
        return redisFailures[RedisFailure.UNAVAILABLE.ordinal()].sum();
    }

    /** @return Redis calls refused with {@code OOM}: {@code maxmemory} reached, nothing to evict */
    @ManagedAttribute(value = "Redis calls refused for want of memory (OOM, maxmemory)", readonly = true)
    public long getRedisFull()
    {
        return redisFailures[RedisFailure.FULL.ordinal()].sum();
    }

    /** @return Redis calls refused by its ACL ({@code NOPERM}) or a failed authentication */
    @ManagedAttribute(value = "Redis calls refused by the ACL (NOPERM) or authentication", readonly = true)
    public long getRedisNoPermission()
    {
        return redisFailures[RedisFailure.NO_PERMISSION.ordinal()].sum();
    }

    /** @return Redis calls that failed otherwise (another error reply, e.g. {@code WRONGTYPE} on a foreign key) */
    @ManagedAttribute(value = "Redis calls that failed otherwise (other error replies)", readonly = true)
    public long getRedisOtherErrors()
    {
        return redisFailures[RedisFailure.OTHER.ordinal()].sum();
    }

    /** @return the median time of a load, in microseconds (to within a quarter of its power of two) */
    @ManagedAttribute(value = "median load time, us", readonly = true)
    public long getLoadP50Micros()
    {
        return loadMicros.percentile(0.5);
    }

    /** @return the 99th percentile of load times, in microseconds */
    @ManagedAttribute(value = "99th percentile of load times, us", readonly = true)
    public long getLoadP99Micros()
    {
        return loadMicros.percentile(0.99);
    }

    /** @return the median time of a save, in microseconds */
    @ManagedAttribute(value = "median save time, us", readonly = true)
    public long getSaveP50Micros()
    {
        return saveMicros.percentile(0.5);
    }

    /** @return the 99th percentile of save times, in microseconds */
    @ManagedAttribute(value = "99th percentile of save times, us", readonly = true)
    public long getSaveP99Micros()
    {
        return saveMicros.percentile(0.99);
    }

    /** @return the median size of a loaded session's hash, in bytes */
    @ManagedAttribute(value = "median size of a loaded session, bytes", readonly = true)
    public long getSessionBytesP50()
    {
        return sessionBytes.percentile(0.5);
    }

    /** @return the 99th percentile of loaded sessions' sizes, in bytes */
    @ManagedAttribute(value = "99th percentile of loaded sessions' sizes, bytes", readonly = true)
    public long getSessionBytesP99()
    {
        return sessionBytes.percentile(0.99);
    }

    /** Sets every counter back to zero. */
    @ManagedOperation(value = "sets every counter back to zero", impact = "ACTION")
    public void reset()
    {
        for (LongAdder counter : new LongAdder[]{loadsFound, loadsMissing, loadsUnreadable, loadsUnreachable, savesWhole, savesDelta, savesSkipped,
            savesKept, deletions, expiriesClaimed, expiriesGone, bytesRead, bytesWritten})
            counter.reset();
        for (LongAdder counter : redisFailures)
            counter.reset();
        loadMicros.reset();
        saveMicros.reset();
        sessionBytes.reset();
    }

    @Override
    public String toString()
    {
        StringBuilder failures = new StringBuilder();
        for (RedisFailure failure : RedisFailure.values())
            failures.append(failures.length() == 0 ? "" : "/").append(redisFailures[failure.ordinal()].sum());
        return String.format("%s[loads=%d/%d/%d/%d, saves=%d/%d/%d/%d, deletions=%d, claimed=%d/%d, bytesRead=%d, bytesWritten=%d, " +
                "redisFailures=%s]", getClass().getSimpleName(), getLoadsFound(), getLoadsMissing(), getLoadsUnreadable(),
            getLoadsUnreachable(), getSavesWhole(), getSavesDelta(), getSavesSkipped(), getSavesKept(), getDeletions(),
            getExpiriesClaimed(), getExpiriesGone(), getBytesRead(), getBytesWritten(), failures);
    }
}
