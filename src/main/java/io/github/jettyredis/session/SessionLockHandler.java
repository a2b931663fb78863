// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.internal.LuaScript;
import io.github.jettyredis.session.internal.RedisAvailability;
import io.github.jettyredis.session.internal.RedisCalls;
import io.github.jettyredis.session.internal.RedisFailure;
import io.github.jettyredis.session.internal.SharedPipelines;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.session.SessionIdManager;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Opt-in: runs the requests of one session one at a time across the whole cluster, holding a lock in
 * Redis from before the session is loaded until after it is saved. With it, a read-modify-write of the
 * same attribute from two nodes (a counter) loses nothing; without it, the store keeps every update of
 * different attributes but the last write of the same attribute wins.
 *
 * <p>Install it as the outermost handler ({@code server.setHandler(new SessionLockHandler(...,
 * contexts))} or {@code Server.insertHandler}). Costs one lookup (with {@code NullSessionCache}, one
 * {@code HGET}) and two to three lock commands per request with a session, and requests of one session
 * wait for each other. What it does with a request:</p>
 * <ul>
 *   <li>Without a session cookie, or with one that names no session in use (asked of the server's
 *   {@link SessionIdManager}, i.e. of every context's cache and store): it runs at once and takes no lock.
 *   Anyone can send a made-up cookie, and such a request loads no session: locking it would only let
 *   strangers make each other, or a real user, wait.</li>
 *   <li>If the lock is free: it is taken and the request runs on its own thread.</li>
 *   <li>Otherwise the request waits without a thread ({@code handle} returns and the request finishes
 *   later), in a first-come queue of its session on this node. Only the first of each queue asks Redis for
 *   the lock, every {@code 5} ms, from the server's {@link Scheduler} and thread pool; once it has it, the
 *   request runs on a pool thread. A flood of requests for one locked session therefore costs this node
 *   memory and one poll per session, never its threads.</li>
 *   <li>At most {@link #getMaxWaitingPerSession() maxWaitingPerSession} requests of one session wait on a
 *   node; the next is refused with 503 Service Unavailable at once, so one client cannot queue without
 *   bound.</li>
 *   <li>A request that has not had the lock after {@link #getWaitMs() waitMs} is refused with 503. It does
 *   not run without the lock: that would bring back, under exactly the load where requests overlap, the
 *   lost updates this handler was installed to prevent (and when a whole queue timed out, all of it would
 *   run at once). A 503 is the same answer as for a full queue: not now, try again.</li>
 *   <li>A waiting request whose connection fails (idle timeout, HTTP/2 reset) leaves its queue.</li>
 *   <li>While Redis cannot be asked for the lock (not reached, not serving for now, full), a request that needs
 *   one is refused with 503, as for a lock not had in time; any other failure of Redis (an error reply, such as
 *   an ACL that does not grant the lock's commands) is a server error, 500.</li>
 * </ul>
 *
 * <p>A lock whose holder died expires after {@link #getLeaseMs() leaseMs}; one whose release Redis could not be
 * asked for (not reached, not serving for now) is released as soon as it answers again. Session ids are not logged:
 * they are bearer credentials.</p>
 */
@ManagedObject("Serializes the requests of each session across the cluster")
public class SessionLockHandler extends Handler.Wrapper
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionLockHandler.class);
    private static final RedisAvailability.Consequences LOCKS_WHILE_REDIS_FAILS = new RedisAvailability.Consequences(
        "requests of sessions in use are refused (503) until it answers again",
        "requests of sessions in use are refused (503) until it serves again");
    /**
     * Takes the lock (KEYS[1]) for a token (ARGV[1]) for ARGV[2] ms, unless another holds it. The token's own lock
     * counts as taken: a call whose reply was lost (a stall past the socket timeout) is made again on a new
     * connection, and must not find its own lock in the way. Replies 1 if the token holds the lock, else 0. The
     * write comes first, so that a Redis that cannot take it (a replica, full) says so at once, whoever holds it.
     */
    static final LuaScript LOCK = new LuaScript(1, """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return 1
        end
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """);
    private static final LuaScript UNLOCK = new LuaScript(1, """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """);

    // Far more than the requests a node runs at once, whose locks an outage can leave behind.
    private static final int MAX_UNRELEASED = 10_000;

    private final String prefix;
    private final Queues<Waiter> queues = new Queues<>();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    /**
     * Locks whose release Redis could not be asked for (not reached, not serving for now), released when it answers
     * again: otherwise their sessions' next requests would wait for the rest of the lease, and be refused if it is
     * longer than their wait. Bounded: a lock left out expires with its lease all the same.
     */
    private final Set<Lock> unreleased = ConcurrentHashMap.newKeySet();
    private UnifiedJedis redis;
    /**
     * The lock's calls, as the store's are made: a call that meets a connection a restart broke, or a Redis a
     * failover demoted, drops the pool's idle connections and runs once more on a new one; and while Redis is
     * down, calls fail at once until a probe finds it back.
     */
    private RedisCalls calls;
    private RedisAvailability availability;
    private RedisClientSettings settings;
    private String cookieName = "JSESSIONID";
    private long leaseMs = TimeUnit.SECONDS.toMillis(30);
    private long waitMs = TimeUnit.SECONDS.toMillis(10);
    private long pollMs = 5;
    private int maxWaitingPerSession = 16;

    /**
     * @param redis the client for the locks (the application's; not closed here)
     * @param prefix the key prefix, usually the session store's
     * @param handler the handler to wrap
     */
    public SessionLockHandler(UnifiedJedis redis, String prefix, Handler handler)
    {
        super(handler);
        this.redis = redis;
        this.prefix = prefix;
    }

    /**
     * @param settings how to connect; a pooled client is made at start and closed at stop
     * @param prefix the key prefix, usually the session store's
     * @param handler the handler to wrap
     */
    public SessionLockHandler(RedisClientSettings settings, String prefix, Handler handler)
    {
        super(handler);
        this.settings = settings;
        this.prefix = prefix;
    }

    @Override
    protected void doStart() throws Exception
    {
        if (settings != null)
            redis = PooledRedisClientFactory.createPooledClient(settings);
        availability = new RedisAvailability(redis, settings != null ? settings.address() : "(the application's client)",
            LOCKS_WHILE_REDIS_FAILS);
        calls = new RedisCalls(redis, availability, failure -> { }, new SharedPipelines(0), prefix);
        availability.onRecovery(this::releaseMissedLocks);
        try
        {
            super.doStart();
        }
        catch (Exception e)
        {
            // Jetty stops only what started: the availability's thread and the handler's own client go now.
            closeRedis();
            throw e;
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        // Requests still waiting would never be answered: the scheduler that polls for them stops too.
        for (Waiter waiter : queues.drain())
            waiter.refuse();
        unreleased.clear();
        super.doStop();
        closeRedis();
    }

    private void closeRedis()
    {
        if (availability != null)
            availability.close();
        availability = null;
        if (settings != null && redis != null)
        {
            redis.close();
            redis = null;
        }
    }

    /** Blocking: it asks Redis whether the session exists and for its lock on the calling thread. */
    @Override
    public InvocationType getInvocationType()
    {
        return InvocationType.BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        String id = sessionInUse(request);
        if (id == null)
            return super.handle(request, response, callback);
        Lock lock = new Lock(id);
        boolean locked;
        try
        {
            // Behind requests already waiting here, a newcomer queues rather than jumping the line.
            locked = !queues.isWaiting(id) && lock.tryAcquire();
        }
        catch (JedisException e)
        {
            refuseForRedis(request, response, callback, e);
            return true;
        }
        if (locked)
            return handleLocked(lock, request, response, callback);
        Waiter waiter = new Waiter(lock, request, response, callback, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs));
        switch (queues.add(id, waiter, maxWaitingPerSession))
        {
            case FULL ->
            {
                refused.increment();
                LOG.debug("{} requests of one session wait already; refusing another", maxWaitingPerSession);
                Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
                return true;
            }
            case FIRST -> schedulePoll(id);
            case QUEUED ->
            {
            }
        }
        request.addFailureListener(failure ->
        {
            if (queues.remove(id, waiter))
                callback.failed(failure);
        });
        return true;
    }

    /**
     * @return the id (without the worker suffix) of the first session cookie that names a session in use,
     *     as Jetty's session layer picks it; null if none does
     */
    private String sessionInUse(Request request)
    {
        Set<String> ids = null;
        for (HttpCookie cookie : Request.getCookies(request))
        {
            if (cookieName.equals(cookie.getName()))
            {
                if (ids == null)
                    ids = new LinkedHashSet<>();
                ids.add(cookie.getValue());
            }
        }
        if (ids == null)
            return null;
        // No id manager means no context has sessions, so no cookie can name one.
        SessionIdManager manager = getServer().getBean(SessionIdManager.class);
        if (manager == null)
            return null;
        for (String extendedId : ids)
        {
            String id = manager.getId(extendedId);
            if (manager.isIdInUse(id))
                return id;
        }
        return null;
    }

    /**
     * Runs the request holding the lock.
     *
     * @return what the wrapped handler returned
     */
    private boolean handleLocked(Lock lock, Request request, Response response, Callback callback) throws Exception
    {
        try
        {
            // Added before the session layer adds its own, so this wrapper is inner to it: the session is
            // saved before completion reaches here.
            request.addHttpStreamWrapper(stream -> new HttpStream.Wrapper(stream)
            {
                @Override
                public void succeeded()
                {
                    lock.release();
                    super.succeeded();
                }

                @Override
                public void failed(Throwable x)
                {
                    lock.release();
                    super.failed(x);
                }
            });
        }
        catch (RuntimeException e)
        {
            // The request already ended (its connection failed): nothing would release the lock.
            lock.release();
            throw e;
        }
        return super.handle(request, response, callback);
    }

    private void schedulePoll(String id)
    {
        Scheduler scheduler = getServer().getScheduler();
        Executor executor = getServer().getThreadPool();
        // The scheduler's single thread only hands over: the poll talks to Redis, so it runs in the pool.
        scheduler.schedule(() ->
        {
            try
            {
                executor.execute(() -> poll(id));
            }
            catch (RejectedExecutionException e)
            {
                // Stopping: doStop answers the waiting requests. Running, the pool is full for now: nothing else
                // would poll this queue, and its requests would wait for ever.
                if (isRunning())
                    schedulePoll(id);
                else
                    LOG.debug("Cannot poll for a session lock", e);
            }
        }, pollMs, TimeUnit.MILLISECONDS);
    }

    /** The poller of a session's queue: one attempt for the request first in line, then again later. */
    private void poll(String id)
    {
        List<Waiter> late = new ArrayList<>();
        long now = System.nanoTime();
        Waiter head = queues.head(id, waiter -> now - waiter.deadline > 0, late);
        for (Waiter waiter : late)
            waiter.timeOut();
        if (head == null)
            return;
        boolean locked;
        try
        {
            locked = head.lock.tryAcquire();
        }
        catch (RuntimeException e)
        {
            // Redis fails: answer as a request that takes the lock on its own thread would be answered. The next
            // in line is polled all the same: nothing else would, and its wait would never end.
            if (queues.remove(id, head))
            {
                if (e instanceof JedisException failure)
                    refuseForRedis(head.request, head.response, head.callback, failure);
                else
                {
                    LOG.warn("Cannot take a session's lock", e);
                    Response.writeError(head.request, head.response, head.callback, e);
                }
            }
            schedulePoll(id);
            return;
        }
        if (!locked)
        {
            schedulePoll(id);
            return;
        }
        boolean stillWaiting = queues.remove(id, head);
        // The next in line, or the end of the queue.
        schedulePoll(id);
        if (stillWaiting)
            head.resume();
        else
            head.lock.release(); // it failed or was refused meanwhile
    }

    /**
     * Answers a request whose lock Redis could not be asked for. While Redis cannot be reached or cannot serve
     * for now (a failover under way, full), 503, as for a lock not had in time: the request does not run without
     * the lock, and Redis will answer again. Any other failure (an error reply, such as an ACL that does not grant
     * the lock's commands) is the server's error, 500.
     */
    private void refuseForRedis(Request request, Response response, Callback callback, JedisException e)
    {
        if (!RedisAvailability.isUnreachable(e) && !RedisAvailability.isFull(e))
        {
            Response.writeError(request, response, callback, e);
            return;
        }
        unavailable.increment();
        // Redis not reached or not serving is logged by the availability, which the calls told; a full Redis here,
        // as the store's refused writes are.
        RedisAvailability current = availability;
        if (current != null && RedisAvailability.isFull(e))
            current.refusedForMemory("a session's lock not taken: its request refused with 503");
        else
            LOG.debug("Cannot take a session's lock: refusing with 503", e);
        Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
    }

    private void releaseMissedLocksSoon()
    {
        try
        {
            getServer().getThreadPool().execute(this::releaseMissedLocks);
        }
        catch (RejectedExecutionException e)
        {
            // Stopping, or the pool is full: the lock expires with its lease, or goes at the next recovery.
            LOG.debug("Cannot release the session locks Redis missed now", e);
        }
    }

    /** Releases, once Redis answers again, the locks whose release it missed and whose lease is not over. */
    private void releaseMissedLocks()
    {
        // A copy: a release that fails again puts its lock back, for the next time Redis answers.
        for (Lock lock : List.copyOf(unreleased))
        {
            if (unreleased.remove(lock) && !lock.isExpired())
                lock.release();
        }
    }

    /** The lock of one session, with the token that proves a release is its holder's. */
    private final class Lock
    {
        private final byte[] key;
        private final byte[] token = SafeEncoder.encode(UUID.randomUUID().toString());
        // When the lock expires on its own, as System.nanoTime(): the lease from the last try that took it, at the earliest.
        private long expiresAt;

        Lock(String id)
        {
            key = SafeEncoder.encode(prefix + "lock:{" + id + "}");
        }

        boolean tryAcquire()
        {
            byte[][] args = {key, token, SafeEncoder.encode(Long.toString(leaseMs))};
            long asked = System.nanoTime();
            boolean taken = Long.valueOf(1).equals(calls.run(client -> LOCK.run(client, args)));
            if (taken)
                expiresAt = asked + TimeUnit.MILLISECONDS.toNanos(leaseMs);
            return taken;
        }

        void release()
        {
            try
            {
                // The script deletes the lock only if it still holds this token: a late release never frees another's lock.
                calls.run(client -> UNLOCK.run(client, new byte[][]{key, token}));
            }
            catch (RuntimeException e)
            {
                if (isExpired())
                    LOG.debug("Cannot release a session lock whose lease ended", e);
                else if (keepForLater(e))
                    LOG.debug("Cannot release a session lock now: released when Redis answers again, or it expires after {} ms", leaseMs, e);
                else
                    LOG.warn("Cannot release a session lock; it expires after {} ms", leaseMs, e);
            }
        }

        /** @return whether a release that failed so is kept until Redis answers again (it could not be asked) */
        boolean keepForLater(RuntimeException e)
        {
            if (!(e instanceof JedisException failure && RedisAvailability.isUnreachable(failure)) || isExpired())
                return false;
            unreleased.removeIf(Lock::isExpired);
            if (unreleased.size() >= MAX_UNRELEASED || !unreleased.add(this))
                return false;
            // Redis found back between the failure and now: the release of the kept ones is under way or done, and
            // would not see this one. (A Redis that refuses for now, not down, tries again itself a second later.)
            RedisAvailability current = availability;
            if (current != null && RedisFailure.of(failure).isDown() && !current.isDown())
                releaseMissedLocksSoon();
            return true;
        }

        boolean isExpired()
        {
            return System.nanoTime() - expiresAt >= 0;
        }
    }

    /** A request waiting for its session's lock, holding no thread. */
    private final class Waiter
    {
        final Lock lock;
        final Request request;
        final Response response;
        final Callback callback;
        final long deadline;

        Waiter(Lock lock, Request request, Response response, Callback callback, long deadline)
        {
            this.lock = lock;
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.deadline = deadline;
        }

        /** Runs the request, which now holds the lock, as Jetty would have run it. */
        void resume()
        {
            try
            {
                if (!handleLocked(lock, request, response, callback))
                    Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
            catch (Throwable x)
            {
                Response.writeError(request, response, callback, x);
            }
        }

        void timeOut()
        {
            timedOut.increment();
            LOG.debug("A request waited {} ms for its session's lock; refusing it", waitMs);
            Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
        }

        void refuse()
        {
            Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
        }
    }

    /** @return the name of the session cookie */
    @ManagedAttribute("session cookie name")
    public String getCookieName()
    {
        return cookieName;
    }

    /** @param cookieName the name of the session cookie, default {@code JSESSIONID} */
    public void setCookieName(String cookieName)
    {
        this.cookieName = cookieName;
    }

    /** @return how long a lock lives if its holder never releases it, in ms */
    @ManagedAttribute("lock lease in ms")
    public long getLeaseMs()
    {
        return leaseMs;
    }

    /** @param leaseMs how long a lock lives if its holder never releases it, default 30000 */
    public void setLeaseMs(long leaseMs)
    {
        this.leaseMs = leaseMs;
    }

    /** @return how long a request waits for the lock before it is refused with 503, in ms */
    @ManagedAttribute("longest wait for a lock in ms")
    public long getWaitMs()
    {
        return waitMs;
    }

    /**
     * @param waitMs how long a request waits for the lock (without a thread) before it is refused with 503
     *     Service Unavailable, default 10000
     */
    public void setWaitMs(long waitMs)
    {
        this.waitMs = waitMs;
    }

    /** @return how many requests of one session may wait for its lock on this node at once */
    @ManagedAttribute("most requests of one session waiting on this node")
    public int getMaxWaitingPerSession()
    {
        return maxWaitingPerSession;
    }

    /**
     * @param maxWaitingPerSession how many requests of one session may wait for its lock on this node at
     *     once; one more is refused with 503 Service Unavailable at once. Default 16: more than a browser
     *     sends in parallel over HTTP/1.1 (6 connections) and room for a page's burst over HTTP/2, while a
     *     client replaying one session's cookie queues no more than that. A waiting request costs memory,
     *     not a thread.
     */
    public void setMaxWaitingPerSession(int maxWaitingPerSession)
    {
        this.maxWaitingPerSession = maxWaitingPerSession;
    }

    /** @return how many requests wait for a session's lock on this node now */
    @ManagedAttribute("requests waiting for a session lock now")
    public int getWaiting()
    {
        return queues.size();
    }

    /** @return how many requests were refused since start for waiting longer than {@link #getWaitMs()} */
    @ManagedAttribute("requests refused for waiting too long")
    public long getTimedOut()
    {
        return timedOut.sum();
    }

    /** @return how many requests were refused since start because their session's queue was full */
    @ManagedAttribute("requests refused because their session had too many waiting")
    public long getRefused()
    {
        return refused.sum();
    }

    /**
     * @return how many requests were refused since start because Redis could not be asked for their session's
     * lock (not reached, or not serving for now)
     */
    @ManagedAttribute("requests refused because Redis could not be asked for their session's lock")
    public long getUnavailable()
    {
        return unavailable.sum();
    }

    /**
     * The requests of each session that wait on this node for the session's lock, first come first
     * served, at most a given number per session. Holds no threads and talks to no one: the handler polls
     * Redis for the head of each queue.
     *
     * <p>Each queue has exactly one poller: {@link #add} says when a queue is new (start its poller), and
     * only {@link #head} ends a queue, when it finds it empty (its poller stops). Everyone else only removes
     * waiters, so a queue emptied by a failed request is still there for its poller to end, and a new queue
     * never gets a second poller. One monitor guards all queues: each operation is a few steps on a small
     * deque, and only sessions with requests waiting are here at all.</p>
     *
     * @param <W> a waiting request
     */
    static final class Queues<W>
    {
        /** What {@link #add} did with a request. */
        enum Admission
        {
            /** Queued in a new queue: start its poller. */
            FIRST,
            /** Queued behind others. */
            QUEUED,
            /** Not queued: the session has as many requests waiting as allowed. */
            FULL
        }

        private final Map<String, ArrayDeque<W>> queues = new HashMap<>();
        private int waiting;

        /**
         * @param id the session id
         * @param waiter the request
         * @param max how many requests of one session may wait at once
         * @return whether it was queued, and whether its queue is new
         */
        synchronized Admission add(String id, W waiter, int max)
        {
            ArrayDeque<W> queue = queues.get(id);
            boolean first = queue == null;
            if (first)
                queues.put(id, queue = new ArrayDeque<>());
            else if (queue.size() >= max)
                return Admission.FULL;
            queue.addLast(waiter);
            waiting++;
            return first ? Admission.FIRST : Admission.QUEUED;
        }

        /**
         * For the poller of a session's queue: takes out the requests at its head that waited too long,
         * and ends the queue if it is empty.
         *
         * @param id the session id
         * @param expired whether a request waited too long
         * @param timedOut receives the requests taken out for waiting too long
         * @return the request now first in line, still queued; null if the queue was empty and has ended
         */
        synchronized W head(String id, Predicate<W> expired, List<W> timedOut)
        {
            ArrayDeque<W> queue = queues.get(id);
            if (queue == null)
                return null;
            W head;
            while ((head = queue.peekFirst()) != null && expired.test(head))
            {
                timedOut.add(queue.pollFirst());
                waiting--;
            }
            if (head == null)
                queues.remove(id);
            return head;
        }

        /**
         * @param id the session id
         * @param waiter the request
         * @return whether it was still waiting (false: someone else took it out first)
         */
        synchronized boolean remove(String id, W waiter)
        {
            ArrayDeque<W> queue = queues.get(id);
            if (queue == null || !queue.remove(waiter))
                return false;
            waiting--;
            return true;
        }

        /** @return every waiting request, now taken out; the queues stay for their pollers to end */
        synchronized List<W> drain()
        {
            List<W> all = new ArrayList<>(waiting);
            for (ArrayDeque<W> queue : queues.values())
            {
                all.addAll(queue);
                queue.clear();
            }
            waiting = 0;
            return all;
        }

        /** @return how many requests wait, over all sessions */
        synchronized int size()
        {
            return waiting;
        }

        /**
         * @param id the session id
         * @return whether requests of the session wait
         */
        synchronized boolean isWaiting(String id)
        {
            ArrayDeque<W> queue = queues.get(id);
            return queue != null && !queue.isEmpty();
        }
    }
}
