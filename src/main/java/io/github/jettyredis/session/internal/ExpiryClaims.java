// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.jettyredis.session.codec.proto.SessionMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Decides, with Redis, which node expires which session, so that a session is expired by exactly one
 * node, and never while it lives. A session is due for a node when Redis says so: this node's own (it
 * served it last) once its stored expiry passed, any other a grace period later (as Jetty's JDBC store
 * does). Each due session is then claimed with {@link SessionScripts#CLAIM_EXPIRY} (on a single Redis, what
 * the expiry index says expired with {@link SessionScripts#CLAIM_INDEXED}, which reads the index itself), which
 * checks the stored expiry again, and a node that claimed a session deletes it only if it was not used again
 * since ({@link #expiredBy}).
 */
public final class ExpiryClaims
{
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryClaims.class);
    /** How long a node's claim to expire a session stops others; after that (the node died) it is taken over. */
    public static final long CLAIM_HOLD_MS = TimeUnit.SECONDS.toMillis(60);
    /** The most sessions one claim script handles: large enough to spare thousands of calls, small enough to keep Redis responsive. */
    public static final int CLAIM_BATCH = 200;

    private final SessionKeys keys;
    private final RedisCalls calls;
    private final SessionHashCodec codec;
    private final String claimant;
    /** Sessions this node claimed: id to the latest expiry that counts as expired. */
    private final Map<String, Long> claimed = new ConcurrentHashMap<>();

    /**
     * What the claims found.
     *
     * @param claimed the sessions this node claimed: it expires them (with their listeners)
     * @param gone the sessions another node deleted meanwhile (and fired the listeners of)
     * @param alive the sessions used again since they were found, to their stored expiry
     * @param notSessions ids whose key holds something other than a session hash
     */
    public record Outcome(Set<String> claimed, Set<String> gone, Map<String, Long> alive, Set<String> notSessions)
    {
        /** @return an outcome that found nothing yet, to add to */
        public static Outcome empty()
        {
            return new Outcome(new HashSet<>(), new HashSet<>(), new HashMap<>(), new HashSet<>());
        }

        /** @return what the expiry index must hold for the sessions found not expired: their expiry, or 0 to take them out */
        public Map<String, Long> indexCorrections()
        {
            Map<String, Long> corrections = new HashMap<>(alive);
            gone.forEach(id -> corrections.put(id, 0L));
            notSessions.forEach(id -> corrections.put(id, 0L));
            return corrections;
        }
    }

    /**
     * @param keys the context's key layout
     * @param calls how to reach Redis
     * @param codec reads the sessions' metadata
     * @param claimant how this store signs its claims
     */
    public ExpiryClaims(SessionKeys keys, RedisCalls calls, SessionHashCodec codec, String claimant)
    {
        this.keys = keys;
        this.calls = calls;
        this.codec = codec;
        this.claimant = claimant;
    }

    /**
     * Which of the sessions this node's cache found expired are due, as Redis sees them: those gone from
     * Redis (the claim tells deleted from lost), those this node served last that expired, and those
     * another node served last that expired a grace period ago.
     *
     * @param candidates the ids this node's cache found expired
     * @param time now
     * @param graceMs the grace period
     * @param node this node's worker name
     * @return session id to the latest expiry that counts as expired for it
     */
    public Map<String, Long> dueOf(Set<String> candidates, long time, long graceMs, String node)
    {
        Map<String, Long> due = new LinkedHashMap<>();
        if (candidates.isEmpty())
            return due;
        Map<String, Object> replies = calls.run(redis ->
        {
            Map<String, Response<byte[]>> queued = new LinkedHashMap<>();
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (String id : candidates)
                    queued.put(id, pipeline.hget(keys.session(id), SessionHashCodec.METADATA_FIELD));
                pipeline.sync();
            }
            Map<String, Object> results = new LinkedHashMap<>();
            queued.forEach((id, reply) -> results.put(id, replyOrError(reply::get)));
            return results;
        });
        replies.forEach((id, reply) ->
        {
            if (reply instanceof JedisDataException error)
            {
                logNotASession(id, error);
                return;
            }
            SessionMetadata metadata = codec.decodeMetadataOrUnknown((byte[])reply);
            if (metadata != null && metadata.getFormat() == 0)
                LOG.warn("Unreadable metadata of session {} in {}", LoggedId.of(id), keys.context());
            if (metadata == null)
                due.put(id, time);
            else if (isExpired(metadata.getExpiry(), time) && metadata.hasLastNode() && metadata.getLastNode().equals(node))
                due.put(id, time);
            else if (isExpired(metadata.getExpiry(), time - graceMs))
                due.put(id, time - graceMs);
        });
        return due;
    }

    /**
     * Claims each due session in Redis, in batches of at most {@value #CLAIM_BATCH} sessions per script call
     * (of one hash slot each on Redis Cluster), all pipelined; one bad entry (a key that is no session hash)
     * costs only itself.
     *
     * @param due session id to the latest expiry that counts as expired for it
     * @param now now
     * @param tombstoneMs how long the tombstone of a session Redis lost lives, once claimed
     * @param outcome where to add what the claims found: also, when a batch failed, what every batch that went through found
     * @throws redis.clients.jedis.exceptions.JedisException if a batch failed (a full Redis)
     */
    public void claim(Map<String, Long> due, long now, long tombstoneMs, Outcome outcome)
    {
        if (due.isEmpty())
            return;
        List<Map<String, Long>> batches = batches(due);
        JedisException[] laterFailure = new JedisException[1];
        Map<String, Object> replies = calls.run(redis ->
        {
            List<byte[][]> args = new ArrayList<>();
            List<Response<Object>> queued = new ArrayList<>();
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (Map<String, Long> batch : batches)
                {
                    byte[][] call = SessionScripts.claimArgs(keys, batch, claimant, now, CLAIM_HOLD_MS, tombstoneMs);
                    args.add(call);
                    queued.add(SessionScripts.CLAIM_EXPIRY.queue(pipeline, 2 * batch.size(), call));
                }
                pipeline.sync();
            }
            List<Object> perBatch = readEach(queued.size(),
                b -> SessionScripts.CLAIM_EXPIRY.result(queued.get(b), redis, 2 * batches.get(b).size(), args.get(b)), laterFailure);
            Map<String, Object> results = new LinkedHashMap<>();
            for (int b = 0; b < batches.size(); b++)
            {
                if (perBatch.get(b) == null)
                    continue;
                List<?> perSession = (List<?>)perBatch.get(b);
                int i = 0;
                for (String id : batches.get(b).keySet())
                    results.put(id, perSession.get(i++));
            }
            return results;
        });
        replies.forEach((id, reply) ->
            record(outcome, id, SessionScripts.claim(reply), due.get(id), () -> SessionScripts.aliveExpiry(reply)));
        throwLaterFailure(laterFailure[0]);
    }

    /**
     * Whether {@link #claimIndexed} can claim what the expiry index says expired: on a single Redis, where a
     * script may reach the keys it makes from the ids it reads; not on Redis Cluster, where each session is a
     * hash slot of its own and the ids go through {@link #claim}.
     *
     * @return true on a single Redis
     */
    public boolean claimsInsideIndex()
    {
        return !ClusterSlots.isCluster(calls.client());
    }

    /**
     * Claims the sessions the expiry index says expired at or before a time, with {@link SessionScripts#CLAIM_INDEXED}:
     * the index is read by the scripts themselves, {@value #CLAIM_BATCH} entries per call, all calls pipelined.
     * An entry that comes in (or leaves) while the calls run may be claimed twice (which the claim allows its
     * own node) or not at all (the next scavenge finds it). Only on a single Redis ({@link #claimsInsideIndex}).
     *
     * @param expiredBy the latest indexed expiry to claim, and the latest expiry that counts as expired
     * @param now now
     * @param tombstoneMs how long the tombstone of a session Redis lost lives, once claimed
     * @param outcome where to add what the claims found
     */
    public void claimIndexed(long expiredBy, long now, long tombstoneMs, Outcome outcome)
    {
        JedisException[] laterFailure = new JedisException[1];
        List<Object> replies = calls.run(redis ->
        {
            long indexed = redis.zcount(keys.expiryIndex(), Double.NEGATIVE_INFINITY, expiredBy);
            List<byte[][]> args = new ArrayList<>();
            List<Response<Object>> queued = new ArrayList<>();
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (int offset = 0; offset < indexed; offset += CLAIM_BATCH)
                {
                    byte[][] call = SessionScripts.claimIndexedArgs(keys, claimant, now, CLAIM_HOLD_MS, tombstoneMs, expiredBy, offset, CLAIM_BATCH);
                    args.add(call);
                    queued.add(SessionScripts.CLAIM_INDEXED.queue(pipeline, call));
                }
                pipeline.sync();
            }
            return readEach(queued.size(), b -> SessionScripts.CLAIM_INDEXED.result(queued.get(b), redis, args.get(b)), laterFailure);
        });
        recordIndexed(replies, expiredBy, outcome);
        throwLaterFailure(laterFailure[0]);
    }

    /**
     * @return the failure of a batch as a Jedis failure: a Cluster pipeline whose connection to one master broke
     * leaves that master's replies unset, which throw {@link IllegalStateException} when read
     */
    private static JedisException batchFailure(RuntimeException e)
    {
        return e instanceof JedisException failure ? failure
            : new JedisConnectionException("The reply of a claim was not read: its connection failed (" + e.getMessage() + ")", e);
    }

    /**
     * Reads each pipelined batch's reply on its own, within the call. A batch's claims are Redis's once its script
     * ran, so one that failed while others went through (a Redis that became full meanwhile, a full master of a
     * Cluster) costs only itself: its failure is left in {@code laterFailure}, for {@link #throwLaterFailure} once the
     * others are recorded. When none went through, their failure is the call's (counted, and retried if Redis was not
     * there yet).
     *
     * @return each batch's reply, null for one that failed
     */
    private static List<Object> readEach(int batches, IntFunction<Object> read, JedisException[] laterFailure)
    {
        List<Object> replies = new ArrayList<>(batches);
        JedisException first = null;
        boolean any = false;
        for (int b = 0; b < batches; b++)
        {
            try
            {
                replies.add(read.apply(b));
                any = true;
            }
            catch (JedisException | IllegalStateException e)
            {
                replies.add(null);
                first = first == null ? batchFailure(e) : first;
            }
        }
        if (first != null && !any)
            throw first;
        laterFailure[0] = first;
        return replies;
    }

    /** Counts and throws the failure of a batch while others went through, once their claims are recorded. */
    private void throwLaterFailure(JedisException failure)
    {
        if (failure == null)
            return;
        calls.refusedWithin(failure);
        throw failure;
    }

    /** Adds what {@link SessionScripts#CLAIM_INDEXED} replied to the outcome (null: a batch that failed). */
    private void recordIndexed(List<Object> replies, long expiredBy, Outcome outcome)
    {
        for (Object batch : replies)
        {
            if (batch == null)
                continue;
            List<?> reply = (List<?>)batch;
            for (Object id : (List<?>)reply.get(0))
                record(outcome, new String((byte[])id, StandardCharsets.UTF_8), SessionScripts.Claim.CLAIMED, expiredBy, () -> 0);
            List<?> others = (List<?>)reply.get(1);
            for (int i = 0; i + 2 < others.size(); i += 3)
            {
                long expiry = (Long)others.get(i + 2);
                record(outcome, new String((byte[])others.get(i), StandardCharsets.UTF_8), SessionScripts.Claim.of((Long)others.get(i + 1)),
                    expiredBy, () -> expiry);
            }
        }
    }

    private void record(Outcome outcome, String id, SessionScripts.Claim claim, long expiredBy, LongSupplier aliveExpiry)
    {
        switch (claim)
        {
            case CLAIMED, CLAIMED_LOST ->
            {
                outcome.claimed().add(id);
                claimed.merge(id, expiredBy, Math::max);
            }
            case GONE -> outcome.gone().add(id);
            case ALIVE -> outcome.alive().put(id, aliveExpiry.getAsLong());
            case NOT_A_SESSION ->
            {
                LOG.warn("The key of session {} of {} holds something else than a session: left alone, and taken out of the expiry index",
                    LoggedId.of(id), keys.context());
                outcome.notSessions().add(id);
            }
            case HELD_ELSEWHERE ->
            {
                // The node that claimed it expires it.
            }
        }
    }

    /**
     * Splits the due sessions into batches of one script call each: of one hash slot each on Redis Cluster
     * (a script must not touch keys of several), of any sessions on a single Redis.
     */
    private List<Map<String, Long>> batches(Map<String, Long> due)
    {
        boolean cluster = ClusterSlots.isCluster(calls.client());
        Map<Integer, List<Map<String, Long>>> bySlot = new HashMap<>();
        for (Map.Entry<String, Long> session : due.entrySet())
        {
            int slot = cluster ? JedisClusterCRC16.getSlot(keys.session(session.getKey())) : 0;
            List<Map<String, Long>> slotBatches = bySlot.computeIfAbsent(slot, s -> new ArrayList<>());
            if (slotBatches.isEmpty() || slotBatches.get(slotBatches.size() - 1).size() == CLAIM_BATCH)
                slotBatches.add(new LinkedHashMap<>());
            slotBatches.get(slotBatches.size() - 1).put(session.getKey(), session.getValue());
        }
        List<Map<String, Long>> batches = new ArrayList<>();
        bySlot.values().forEach(batches::addAll);
        return batches;
    }

    /**
     * @param id a session being deleted
     * @return the latest expiry that counts as expired, if this node claimed the session (its deletion then
     * goes through only if the session was not used again), else 0
     */
    public long expiredBy(String id)
    {
        Long expiredBy = claimed.remove(id);
        return expiredBy == null ? 0 : expiredBy;
    }

    /** Forgets the claims of the previous scavenge (Jetty deletes what it expires within the scavenge). */
    public void forget()
    {
        claimed.clear();
    }

    private static Object replyOrError(Supplier<Object> reply)
    {
        try
        {
            return reply.get();
        }
        catch (JedisDataException e)
        {
            // Redis still loading answers every command so: the whole call failed, not this key.
            if (RedisAvailability.isUnreachable(e))
                throw e;
            return e;
        }
    }

    private void logNotASession(String id, JedisDataException error)
    {
        LOG.warn("The key of session {} of {} holds something else ({}): left alone, and taken out of the expiry index",
            LoggedId.of(id), keys.context(), error.getMessage());
    }

    private static boolean isExpired(long expiry, long time)
    {
        return expiry > 0 && expiry <= time;
    }
}
