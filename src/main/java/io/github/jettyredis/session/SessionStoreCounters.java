// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.concurrent.atomic.LongAdder;

import io.github.jettyredis.session.internal.Histogram;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;

/**
 * What one context's {@link RedisSessionDataStore} did since it started: loads by outcome, saves by kind,
 * deletions, expiries claimed, bytes read and written, Redis failures by kind, and the distributions of
 * load and save latencies and of loaded sessions' sizes (percentiles). A bean of the store, so Jetty's
 * {@code jmx} module shows it next to the store; counting costs a {@link LongAdder} or array increment.
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
    private final LongAdder redisUnreachable = new LongAdder();
    private final LongAdder redisFull = new LongAdder();
    private final Histogram loadMicros = new Histogram();
    private final Histogram saveMicros = new Histogram();
    private final Histogram sessionBytes = new Histogram();

    void loadFound(long bytes)
    {
        loadsFound.increment();
        bytesRead.add(bytes);
        sessionBytes.record(bytes);
    }

    /** @param nanos how long a load took, its Redis round trip and decoding included */
    void loadTook(long nanos)
    {
        loadMicros.record(nanos / 1000);
    }

    /** @param nanos how long a save took, its Redis round trip and encoding included */
    void saveTook(long nanos)
    {
        saveMicros.record(nanos / 1000);
    }

    void loadMissing()
    {
        loadsMissing.increment();
    }

    void loadUnreadable()
    {
        loadsUnreadable.increment();
    }

    void loadUnreachable()
    {
        loadsUnreachable.increment();
    }

    void saved(boolean whole, long bytes)
    {
        (whole ? savesWhole : savesDelta).increment();
        bytesWritten.add(bytes);
    }

    void saveSkipped()
    {
        savesSkipped.increment();
    }

    void saveKept(boolean full)
    {
        savesKept.increment();
        (full ? redisFull : redisUnreachable).increment();
    }

    void deleted()
    {
        deletions.increment();
    }

    void claimed(int sessions)
    {
        expiriesClaimed.add(sessions);
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

    /** @return saves kept in memory for later because Redis could not be reached or was full */
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

    /** @return saves that could not reach Redis */
    @ManagedAttribute(value = "saves that could not reach Redis", readonly = true)
    public long getRedisUnreachable()
    {
        return redisUnreachable.sum();
    }

    /** @return saves that a full Redis refused */
    @ManagedAttribute(value = "saves a full Redis refused (maxmemory)", readonly = true)
    public long getRedisFull()
    {
        return redisFull.sum();
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
            savesKept, deletions, expiriesClaimed, bytesRead, bytesWritten, redisUnreachable, redisFull})
            counter.reset();
        loadMicros.reset();
        saveMicros.reset();
        sessionBytes.reset();
    }

    @Override
    public String toString()
    {
        return String.format("%s[loads=%d/%d/%d, saves=%d/%d/%d/%d, deletions=%d, claimed=%d, bytesRead=%d, bytesWritten=%d]",
            getClass().getSimpleName(), getLoadsFound(), getLoadsMissing(), getLoadsUnreadable(), getSavesWhole(), getSavesDelta(),
            getSavesSkipped(), getSavesKept(), getDeletions(), getExpiriesClaimed(), getBytesRead(), getBytesWritten());
    }
}
