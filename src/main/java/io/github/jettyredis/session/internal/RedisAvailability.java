// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Whether the Redis behind one client answers, as the stores that share the client see it: down from the
 * first command that could not reach it, up again at the first that did. While it is down, commands are not
 * sent ({@link #admits}: a circuit breaker), so that requests do not each wait out the timeouts of a Redis
 * that stalls; a probe pings it in the background every {@value #PROBE_INTERVAL_MS} ms, and sooner when a
 * caller wants it, so that recovery is noticed without waiting for a request, and the stores are told
 * ({@link #onRecovery}) so that they write what they could not. Each change is logged once, naming the
 * address; an outage that begins within {@value #LOG_INTERVAL_MS} ms of the last one logged is logged at
 * DEBUG and counted in the next WARN, so that a flapping Redis does not flood the log.
 */
public final class RedisAvailability implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RedisAvailability.class);
    static final long PROBE_INTERVAL_MS = 1000;
    static final long RECHECK_INTERVAL_MS = 100;
    /** How long the caller that starts a probe waits for its answer: a Redis that is back answers in far less. */
    static final long RECHECK_WAIT_MS = 50;
    static final long LOG_INTERVAL_MS = 10_000;
    /** The longest wait between two tries of what Redis refused for now. */
    static final long RETRY_MAX_DELAY_MS = 30_000;

    private final UnifiedJedis redis;
    private final String address;
    private final List<Runnable> recoveryListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> notTheMasterListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor;
    private ScheduledFuture<?> probe;
    private final Object recheck = new Object();
    private long lastRecheck = System.nanoTime();
    /** The probe under way, if any (guarded by {@link #recheck}). */
    private CompletableFuture<Void> probing;
    private volatile long downSince;
    private long lastOutageLogged;
    private boolean outageLogged;
    private int outagesNotLogged;
    private final Object fullLog = new Object();
    private long lastFullLogged;
    private int writesRefusedNotLogged;
    /** Guards the log of refusals for now ({@link RedisFailure#NOT_THE_MASTER}, {@link RedisFailure#UNAVAILABLE}) and their retry. */
    private final Object refusedLog = new Object();
    private long lastRefusedLogged;
    private int refusalsNotLogged;
    private ScheduledFuture<?> retryOfRefused;
    private long retryDelayMs = PROBE_INTERVAL_MS;

    /**
     * What Redis not there means to the users of an availability, for its log.
     *
     * @param whileDown what happens while Redis cannot be reached
     * @param whileRefusing what happens while Redis answers but cannot serve for now
     */
    public record Consequences(String whileDown, String whileRefusing)
    {
        /** The session stores'. */
        static final Consequences SESSIONS = new Consequences("sessions held in memory are served and their changes are kept " +
            "until it answers again; requests for other sessions run without them and new sessions are refused (503)",
            "sessions held in memory are served and their changes kept, tried again (a second later, then less often) until it " +
            "takes them");
    }

    private final Consequences consequences;

    /**
     * @param redis the client to probe with
     * @param address where it connects, for the log (no password)
     */
    RedisAvailability(UnifiedJedis redis, String address)
    {
        this(redis, address, Consequences.SESSIONS);
    }

    /**
     * @param redis the client to probe with
     * @param address where it connects, for the log (no password)
     * @param consequences what Redis not there means to the callers, for the log
     */
    public RedisAvailability(UnifiedJedis redis, String address, Consequences consequences)
    {
        this.redis = redis;
        this.address = address;
        this.consequences = consequences;
        this.executor = SessionThreads.scheduler("redis-session-availability");
    }

    /**
     * @param e what a command threw
     * @return whether it says Redis could not be reached (no connection, no reply in time) or is not
     * serving yet (still loading its data after a restart), rather than that Redis answered with an error
     * (see {@link RedisFailure})
     */
    public static boolean isUnreachable(Throwable e)
    {
        return RedisFailure.of(e).isUnreachable();
    }

    /**
     * @param e what a command threw
     * @return whether Redis refused it to every client alike for now (see {@link RedisFailure#refusesEveryone})
     */
    public static boolean refusesEveryone(Throwable e)
    {
        return RedisFailure.of(e).refusesEveryone();
    }

    /**
     * @param e what a command threw
     * @return whether Redis refused a write for want of memory ({@code maxmemory} reached, with
     * {@code noeviction} or nothing left to evict): a script refused so wrote nothing
     */
    public static boolean isFull(Throwable e)
    {
        return RedisFailure.of(e) == RedisFailure.FULL;
    }

    /**
     * Records that Redis refused a write for want of memory: logged at WARN at most once every
     * {@value #LOG_INTERVAL_MS} ms (the others are counted), as Redis stays full for a while and every save
     * meets it.
     *
     * @param what what was not written, and what becomes of it
     */
    public void refusedForMemory(String what)
    {
        long now = System.currentTimeMillis();
        synchronized (fullLog)
        {
            if (now - lastFullLogged < LOG_INTERVAL_MS)
            {
                writesRefusedNotLogged++;
                LOG.debug("Redis at {} is full: {}", address, what);
                return;
            }
            LOG.warn("Redis at {} is full (used memory over maxmemory, and nothing it may evict): {}{}", address, what,
                writesRefusedNotLogged == 0 ? "" : " (" + writesRefusedNotLogged + " more writes refused since the last one logged)");
            lastFullLogged = now;
            writesRefusedNotLogged = 0;
        }
    }

    /**
     * @param listener run (on this class's own thread) each time Redis answers again after being down, and after
     * Redis refused a command for now ({@link RedisFailure#NOT_THE_MASTER}, {@link RedisFailure#UNAVAILABLE}), so that
     * what could not be written is written
     */
    public void onRecovery(Runnable listener)
    {
        recoveryListeners.add(listener);
    }

    /**
     * Records that a Redis answered as one that is not, or may no longer be, the master the other nodes write to
     * ({@link RedisFailure#NOT_THE_MASTER}), even if the call then went through on a new connection: the listeners
     * given to {@link #onAnswerNotFromTheMaster} are run.
     */
    void answeredNotByTheMaster()
    {
        notTheMasterListeners.forEach(RedisAvailability::runQuietly);
    }

    /**
     * @param listener run (on the thread of the call, so keep it short) each time Redis answers as one that is not
     * the master the other nodes write to ({@link RedisFailure#NOT_THE_MASTER})
     */
    public void onAnswerNotFromTheMaster(Runnable listener)
    {
        notTheMasterListeners.add(listener);
    }

    /** @param listener a listener given to {@link #onAnswerNotFromTheMaster}, no longer to be run */
    public void removeAnswerNotFromTheMasterListener(Runnable listener)
    {
        notTheMasterListeners.remove(listener);
    }

    /** @param listener a listener given to {@link #onRecovery}, no longer to be run */
    public void removeRecoveryListener(Runnable listener)
    {
        recoveryListeners.remove(listener);
    }

    /** @return where the client connects (no password) */
    public String address()
    {
        return address;
    }

    /** @return whether the last command failed to reach Redis and none has succeeded since */
    public boolean isDown()
    {
        return downSince != 0;
    }

    /**
     * Like {@link #isDown()}, but while Redis is down, has it asked again (a PING, see {@link #admits}), so
     * that a caller about to refuse something does not wait for the periodic probe to notice that Redis is
     * back.
     *
     * @return whether Redis is still down
     */
    public boolean isStillDown()
    {
        return !admits();
    }

    /**
     * Whether a command may be sent: always while Redis answers; while it is known to be down, only once a
     * probe found it back. A caller while it is down starts a probe if none ran in the last
     * {@value #RECHECK_INTERVAL_MS} ms, and waits at most {@value #RECHECK_WAIT_MS} ms for the probe under
     * way, if any; otherwise it is answered at once. So a Redis that stalls costs its timeouts to the requests
     * that found it out and to the probes, not to every request after them, and a Redis that is back (or
     * that was only taken for down, after a restart broke every pooled connection) is found at once.
     *
     * @return whether Redis is taken to answer
     */
    public boolean admits()
    {
        if (downSince == 0)
            return true;
        CompletableFuture<Void> probe = probeSoon(false);
        if (probe != null)
        {
            try
            {
                probe.get(RECHECK_WAIT_MS, TimeUnit.MILLISECONDS);
            }
            catch (TimeoutException | ExecutionException e)
            {
                // Still asking, or it failed: down, as far as this caller knows.
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
        return downSince == 0;
    }

    /**
     * @param periodic whether the periodic probe asks, which does not wait for the recheck interval
     * @return the probe under way (started now if none ran lately), or null if none is
     */
    private CompletableFuture<Void> probeSoon(boolean periodic)
    {
        synchronized (recheck)
        {
            if (probing != null && !probing.isDone())
                return probing;
            long now = System.nanoTime();
            if (!periodic && now - lastRecheck <= TimeUnit.MILLISECONDS.toNanos(RECHECK_INTERVAL_MS))
                return null;
            lastRecheck = now;
            try
            {
                return probing = CompletableFuture.runAsync(this::probe, executor);
            }
            catch (RejectedExecutionException e)
            {
                // Closed.
                return null;
            }
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
     * @param failure why, as {@link RedisFailure#of} tells it: Redis is down if it could not be reached
     */
    void failed(Throwable e, RedisFailure failure)
    {
        if (failure.isDown() && downSince == 0)
            markDown(e);
        else if (failure == RedisFailure.NOT_THE_MASTER || failure == RedisFailure.UNAVAILABLE)
            refusedForNow(e);
    }

    /**
     * Redis answered that it cannot serve a command for now (a failover under way): it is not taken for down,
     * as it answers at once, and a PING would not tell when it serves again. Instead, what it refused is tried
     * again ({@link #onRecovery}'s listeners) a second later, and after each try it refuses again, twice as long
     * after as the last time, up to {@value #RETRY_MAX_DELAY_MS} ms (a second again after a try it refused
     * nothing of). Logged at WARN at most once every {@value #LOG_INTERVAL_MS} ms.
     */
    private void refusedForNow(Throwable e)
    {
        long now = System.currentTimeMillis();
        synchronized (refusedLog)
        {
            if (now - lastRefusedLogged < LOG_INTERVAL_MS)
            {
                refusalsNotLogged++;
                LOG.debug("Redis at {} cannot serve a command for now: {}", address, e.toString());
            }
            else
            {
                LOG.warn("Redis at {} cannot serve a command for now ({}): a failover under way, or a replica where a master " +
                    "is expected; {}{}", address, e.toString(), consequences.whileRefusing(),
                    refusalsNotLogged == 0 ? "" : " (" + refusalsNotLogged + " more refusals since the last one logged)");
                lastRefusedLogged = now;
                refusalsNotLogged = 0;
            }
            if (retryOfRefused != null || executor.isShutdown())
                return;
            try
            {
                retryOfRefused = executor.schedule(this::retryRefused, retryDelayMs, TimeUnit.MILLISECONDS);
                retryDelayMs = Math.min(2 * retryDelayMs, RETRY_MAX_DELAY_MS);
            }
            catch (RejectedExecutionException closed)
            {
                // Closed meanwhile: nothing left to write to.
            }
        }
    }

    private void retryRefused()
    {
        // Cleared first: an attempt refused again schedules the next one.
        synchronized (refusedLog)
        {
            retryOfRefused = null;
        }
        if (downSince == 0)
            recoveryListeners.forEach(RedisAvailability::runQuietly);
        synchronized (refusedLog)
        {
            // Nothing refused this time: the next refusal, whenever it comes, is tried again a second after it.
            if (retryOfRefused == null)
                retryDelayMs = PROBE_INTERVAL_MS;
        }
    }

    /** @return how long after the next refusal what it refused is tried again, in ms */
    long retryDelayMs()
    {
        synchronized (refusedLog)
        {
            return retryDelayMs;
        }
    }

    private synchronized void markDown(Throwable e)
    {
        if (downSince != 0 || executor.isShutdown())
            return;
        downSince = System.currentTimeMillis();
        outageLogged = downSince - lastOutageLogged >= LOG_INTERVAL_MS;
        if (outageLogged)
        {
            lastOutageLogged = downSince;
            LOG.warn("Redis at {} cannot be reached ({}): {}; no command is sent to it until a probe finds it back{}", address,
                e.toString(), consequences.whileDown(),
                outagesNotLogged == 0 ? "" : " (" + outagesNotLogged + " shorter outages since the last one logged)");
            outagesNotLogged = 0;
        }
        else
        {
            outagesNotLogged++;
            LOG.debug("Redis at {} cannot be reached again ({})", address, e.toString());
        }
        probe = executor.scheduleWithFixedDelay(() -> probeSoon(true), PROBE_INTERVAL_MS, PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private synchronized void markUp()
    {
        if (downSince == 0)
            return;
        if (outageLogged)
            LOG.info("Redis at {} answers again after {} ms", address, System.currentTimeMillis() - downSince);
        else
            LOG.debug("Redis at {} answers again after {} ms", address, System.currentTimeMillis() - downSince);
        downSince = 0;
        if (probe != null)
            probe.cancel(false);
        probe = null;
        if (!executor.isShutdown())
            executor.execute(() -> recoveryListeners.forEach(RedisAvailability::runQuietly));
    }

    /**
     * Probes on the calling thread, as the background probe does.
     *
     * @return whether Redis is taken to answer afterwards
     */
    boolean probeNow()
    {
        probe();
        return downSince == 0;
    }

    private void probe()
    {
        try
        {
            // While Redis is down, nothing but probes opens connections: an idle one predates the outage or a
            // probe that failed, and a restart left it dead. Pinging on it would fail, once per probe and idle
            // connection, long after Redis is back.
            PooledConnections.discardIdle(redis);
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
