// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Whether the Redis behind one client answers, as the stores that share the client see it: down from the
 * first command that could not reach it, up again at the first that did. While it is down, a probe pings
 * it every {@value #PROBE_INTERVAL_MS} ms, so that recovery is noticed without waiting for a request, and
 * the stores are told ({@link #onRecovery}) so that they write what they could not. Each change is logged
 * once, naming the address.
 */
public final class RedisAvailability implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RedisAvailability.class);
    static final long PROBE_INTERVAL_MS = 1000;
    static final long RECHECK_INTERVAL_MS = 100;

    private final UnifiedJedis redis;
    private final String address;
    private final List<Runnable> recoveryListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor;
    private ScheduledFuture<?> probe;
    private final Object recheck = new Object();
    private long lastRecheck = System.nanoTime();
    private volatile long downSince;

    /**
     * @param redis the client to probe with
     * @param address where it connects, for the log (no password)
     */
    RedisAvailability(UnifiedJedis redis, String address)
    {
        this.redis = redis;
        this.address = address;
        this.executor = SessionThreads.scheduler("redis-session-availability");
    }

    /**
     * @param e what a command threw
     * @return whether it says Redis could not be reached (no connection, no reply in time) or is not
     * serving yet (still loading its data after a restart), rather than that Redis answered with an error
     */
    public static boolean isUnreachable(Throwable e)
    {
        for (Throwable t = e; t != null; t = t.getCause())
        {
            if (t instanceof JedisConnectionException)
                return true;
            // Redis restarted with its data answers LOADING to every command until it has read it all back:
            // it is not there yet, and what it holds cannot be told (a session is not missing, nor unreadable).
            if (t instanceof JedisDataException && t.getMessage() != null && t.getMessage().startsWith("LOADING"))
                return true;
            // Jedis' retrying executors give up with a bare exception once their time budget is spent.
            if (t instanceof JedisException && t.getMessage() != null && t.getMessage().contains("deadline exceeded"))
                return true;
            // Jedis' retrying executor reports its last connection failure as a suppressed exception.
            for (Throwable suppressed : t.getSuppressed())
                if (suppressed instanceof JedisConnectionException)
                    return true;
        }
        return false;
    }

    /** @param listener run (on this class's own thread) each time Redis answers again after being down */
    public void onRecovery(Runnable listener)
    {
        recoveryListeners.add(listener);
    }

    /** @param listener a listener given to {@link #onRecovery}, no longer to be run */
    public void removeRecoveryListener(Runnable listener)
    {
        recoveryListeners.remove(listener);
    }

    /** @return whether the last command failed to reach Redis and none has succeeded since */
    public boolean isDown()
    {
        return downSince != 0;
    }

    /**
     * Like {@link #isDown()}, but while Redis is down, asks it again (a PING on the caller's thread) if
     * nobody did in the last {@value #RECHECK_INTERVAL_MS} ms, so that a caller about to refuse something
     * does not wait for the background probe to notice that Redis is back. Callers meanwhile wait for that
     * answer rather than guess; after a failed one, they are answered at once until the interval passed.
     *
     * @return whether Redis is still down
     */
    public boolean isStillDown()
    {
        if (downSince == 0)
            return false;
        synchronized (recheck)
        {
            long now = System.nanoTime();
            if (downSince != 0 && now - lastRecheck > TimeUnit.MILLISECONDS.toNanos(RECHECK_INTERVAL_MS))
            {
                lastRecheck = now;
                probe();
            }
            return downSince != 0;
        }
    }

    /** Records that a command reached Redis. */
    void succeeded()
    {
        if (downSince != 0)
            markUp();
    }

    /**
     * Records that a command failed.
     *
     * @param e what it threw
     * @return whether Redis could not be reached (see {@link #isUnreachable}); Redis is then down
     */
    boolean failed(Throwable e)
    {
        if (!isUnreachable(e))
            return false;
        if (downSince == 0)
            markDown(e);
        return true;
    }

    private synchronized void markDown(Throwable e)
    {
        if (downSince != 0 || executor.isShutdown())
            return;
        downSince = System.currentTimeMillis();
        LOG.warn("Redis at {} cannot be reached ({}): sessions held in memory are served and their changes are kept " +
            "until it answers again; requests for other sessions run without them and new sessions are refused (503)",
            address, e.toString());
        probe = executor.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL_MS, PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private synchronized void markUp()
    {
        if (downSince == 0)
            return;
        LOG.info("Redis at {} answers again after {} ms", address, System.currentTimeMillis() - downSince);
        downSince = 0;
        if (probe != null)
            probe.cancel(false);
        probe = null;
        if (!executor.isShutdown())
            executor.execute(() -> recoveryListeners.forEach(RedisAvailability::runQuietly));
    }

    private void probe()
    {
        try
        {
            redis.ping();
            markUp();
        }
        catch (RuntimeException e)
        {
            LOG.debug("Redis at {} still cannot be reached: {}", address, e.toString());
        }
    }

    private static void runQuietly(Runnable listener)
    {
        try
        {
            listener.run();
        }
        catch (RuntimeException e)
        {
            LOG.warn("Failed to catch up after Redis came back", e);
        }
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
    }
}
