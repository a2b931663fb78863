// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Runs the store's Redis calls, single commands and pipelines alike, so that a call is not lost to a
 * connection that broke while it sat in the pool. When Redis restarts or fails over, every idle pooled
 * connection is dead at once, and Jedis only finds out as it uses them: Jedis retries a single command once,
 * which may meet a second dead connection, and never retries a pipeline. Here a call that failed to reach
 * Redis first drops the client's idle connections (most likely all dead), then runs once more on a fresh
 * one; so does a call answered by a Redis that may not be the master ({@link RedisFailure#NOT_THE_MASTER}), as
 * a connection made before a failover may reach the demoted master ({@code READONLY}) where a new one reaches the
 * new master; but once a new connection too reached a Redis that is not the master (a failover not over yet), the
 * calls answered so in the next second are not tried again, so that each does not drop the pool and connect again
 * (a TLS handshake each). Every call the store makes can be run twice: writes are idempotent (see {@link SessionScripts}).
 * Each outcome is reported to the {@link RedisAvailability}, and why each call failed ({@link RedisFailure}) to
 * the store's counters; while Redis is known to be down, a call is not sent at all unless a probe finds Redis
 * back ({@link RedisAvailability#admits}), and is never retried. On Redis Cluster, a call whose pipelined command met
 * {@code MOVED} (its slot moved to another master) is made again once the client learned the new slot map
 * ({@link ClusterSlots}).
 */
public final class RedisCalls
{
    private final UnifiedJedis redis;
    private final RedisAvailability availability;
    private final Consumer<RedisFailure> failures;
    /** No limit: each operation a pipeline of its own, sent at once. */
    private static final SharedPipelines ALONE = new SharedPipelines(0);
    /** How long after a new connection also reached a Redis that is not the master no call tries another. */
    static final long NOT_THE_MASTER_RETRY_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How many times a call that met {@code MOVED} on Redis Cluster is made again, each after the client learned the map. */
    private static final int MOVED_RETRIES = 3;

    private final SharedPipelines shared;
    private final String keyPrefix;
    /** When ({@link System#nanoTime()}) a retry on a new connection was last answered by a Redis not the master; 0 if never. */
    private volatile long newConnectionNotTheMasterAt;

    /**
     * For calls whose keys have no prefix (tests): on Redis Cluster, the key read to learn where a slot moved has none.
     *
     * @param redis the client to run calls on
     * @param availability where to report whether Redis answered
     * @param failures told why each call that failed did (once per call, retry or not), to count them
     * @param shared where {@link #runShared} operations share pipelines
     */
    public RedisCalls(UnifiedJedis redis, RedisAvailability availability, Consumer<RedisFailure> failures, SharedPipelines shared)
    {
        this(redis, availability, failures, shared, "");
    }

    /**
     * @param redis the client to run calls on
     * @param availability where to report whether Redis answered
     * @param failures told why each call that failed did (once per call, retry or not), to count them
     * @param shared where {@link #runShared} operations share pipelines
     * @param keyPrefix the prefix of the keys the calls may read: on Redis Cluster, a read of a key under it lets the
     * client learn where a slot moved ({@link ClusterSlots})
     */
    public RedisCalls(UnifiedJedis redis, RedisAvailability availability, Consumer<RedisFailure> failures, SharedPipelines shared,
                      String keyPrefix)
    {
        this.redis = redis;
        this.availability = availability;
        this.failures = failures;
        this.shared = shared;
        this.keyPrefix = keyPrefix;
    }

    /** @return the client the calls run on */
    public UnifiedJedis client()
    {
        return redis;
    }

    /**
     * @return the failure of a call not sent because Redis is known to be down, counted as any call that could
     * not reach it
     */
    public JedisConnectionException refusedWhileDown()
    {
        failures.accept(RedisFailure.UNREACHABLE);
        return new JedisConnectionException("Redis at " + availability.address() + " is known to be down: not asked");
    }

    /** @return what the calls learned of whether Redis answers */
    public RedisAvailability availability()
    {
        return availability;
    }

    /**
     * @param call what to run on the client: one command, or a pipeline queued, synced and read
     * @param <T> what it returns
     * @return what it returned
     * @throws JedisException if it failed twice, or once for a reason other than reaching Redis (e.g. an
     * error reply), or once while Redis is known to be down, or once answered by a Redis that is not the master
     * within a second of a new connection's reaching one, or at once without being sent; on Redis Cluster, made
     * again up to {@value #MOVED_RETRIES} times after a {@code MOVED}, before any of that
     */
    public <T> T run(Function<UnifiedJedis, T> call)
    {
        return run(call, call);
    }

    /** As {@link #run(Function)}, with what to run the second time, once the idle connections are dropped. */
    private <T> T run(Function<UnifiedJedis, T> call, Function<UnifiedJedis, T> retry)
    {
        if (!availability.admits())
            throw refusedWhileDown();
        boolean wasDown = availability.isDown();
        RedisFailure firstFailure;
        try
        {
            return succeeded(call.apply(redis));
        }
        catch (JedisException e)
        {
            JedisException last = e;
            // A pipeline's command sent to a Cluster master its slot left: made again once the client knows where it
            // went (a few times: a move met by many threads at once); what fails it then is dealt with as a first failure.
            for (int tries = 0; tries < MOVED_RETRIES && ClusterSlots.learnMoved(redis, keyPrefix, last); tries++)
            {
                try
                {
                    return succeeded(retry.apply(redis));
                }
                catch (JedisException again)
                {
                    last = again;
                }
            }
            RedisFailure failure = RedisFailure.of(last);
            firstFailure = failure;
            // Told at once, whether or not the retry reaches the new master: the leases this node took from the old
            // one are void either way.
            if (failure == RedisFailure.NOT_THE_MASTER)
                availability.answeredNotByTheMaster();
            // A slot moving (ASK), or one whose move the client could not learn: a new connection meets the same.
            if (ClusterSlots.isRedirection(last) || !failure.isWorthANewConnection() || wasDown ||
                failure == RedisFailure.NOT_THE_MASTER && isNewConnectionPaused())
                throw failed(last, failure);
        }
        PooledConnections.discardIdle(redis);
        long created = PooledConnections.created(redis);
        try
        {
            T result = retry.apply(redis);
            // A master answered the retry (a replica would have refused it again as the first try).
            if (firstFailure == RedisFailure.NOT_THE_MASTER)
                newConnectionNotTheMasterAt = 0;
            return succeeded(result);
        }
        catch (JedisException e)
        {
            RedisFailure failure = RedisFailure.of(e);
            if (failure == RedisFailure.NOT_THE_MASTER)
            {
                availability.answeredNotByTheMaster();
                // Only a connection made for the retry says where new ones lead: the pool may have lent an old one
                // that another thread had just given back.
                if (PooledConnections.created(redis) > created)
                    newConnectionNotTheMasterAt = nonZero(System.nanoTime());
            }
            throw failed(e, failure);
        }
    }

    private boolean isNewConnectionPaused()
    {
        long at = newConnectionNotTheMasterAt;
        return at != 0 && System.nanoTime() - at < NOT_THE_MASTER_RETRY_PAUSE_NANOS;
    }

    private static long nonZero(long nanos)
    {
        return nanos == 0 ? 1 : nanos;
    }

    /**
     * As {@link #run}, for one operation whose commands may share a pipeline with other threads' operations
     * ({@link SharedPipelines}): its commands are queued, sent, then its replies read, all within the call, so
     * that an error reply fails the call (counted, and retried when it says Redis is not there yet) as it
     * would a command of its own.
     *
     * @param queue queues the operation's commands (again if the call is retried), and returns what to read
     * their replies from (a {@code Response}, or several)
     * @param read reads the replies once they are in; may make calls of its own on the client it is given
     * @param <Q> what {@code queue} returns
     * @param <T> what the operation returns
     * @return what {@code read} returned
     * @throws JedisException as {@link #run} throws it
     */
    public <Q, T> T runShared(Function<AbstractPipeline, Q> queue, BiFunction<UnifiedJedis, Q, T> read)
    {
        // The retry goes in a pipeline of its own, taking a connection after this call dropped the idle ones:
        // in a shared one, it could go with a pipeline whose sender took a connection that a Redis restart
        // broke before any operation of the failed pipeline had dropped it.
        return run(redis -> read.apply(redis, send(redis, shared, queue)), redis -> read.apply(redis, send(redis, ALONE, queue)));
    }

    private static <Q> Q send(UnifiedJedis redis, SharedPipelines pipelines, Function<AbstractPipeline, Q> queue)
    {
        List<Q> queued = new ArrayList<>(1);
        pipelines.run(redis, pipeline -> queued.add(queue.apply(pipeline)));
        return queued.get(0);
    }

    /**
     * Records a refusal that a call found in one of its replies and went on without (it left that command's work
     * for later): counted, and told to the availability, as a failed call's is. On Redis Cluster, a {@code MOVED}
     * has the client learn the new slot map (one read), so that the next call goes to the right master.
     *
     * @param e the refusal the reply held
     */
    public void refusedWithin(JedisException e)
    {
        ClusterSlots.learnMoved(redis, keyPrefix, e);
        RedisFailure failure = RedisFailure.of(e);
        // As for a call that failed so: the leases this node took may be void.
        if (failure == RedisFailure.NOT_THE_MASTER)
            availability.answeredNotByTheMaster();
        failed(e, failure);
    }

    private JedisException failed(JedisException e, RedisFailure failure)
    {
        availability.failed(e, failure);
        failures.accept(failure);
        return e;
    }

    private <T> T succeeded(T result)
    {
        availability.succeeded();
        return result;
    }
}
