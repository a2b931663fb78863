// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.jettyredis.session.codec.proto.SessionMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Decides, with Redis, which node expires which session, so that a session is expired by exactly one
 * node, and never while it lives. A session is due for a node when Redis says so: this node's own (it
 * served it last) once its stored expiry passed, any other a grace period later (as Jetty's JDBC store
 * does). Each due session is then claimed with {@link SessionScripts#CLAIM_EXPIRY}, which checks the
 * stored expiry again, and a node that claimed a session deletes it only if it was not used again since
 * ({@link #expiredBy}).
 */
public final class ExpiryClaims
{
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryClaims.class);
    /** How long a node's claim to expire a session stops others; after that (the node died) it is taken over. */
    public static final long CLAIM_HOLD_MS = TimeUnit.SECONDS.toMillis(60);

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
                LOG.warn("Unreadable metadata of session {} in {}", id, keys.context());
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
     * Claims each due session in Redis; one bad entry (a key that is no session hash) costs only itself.
     *
     * @param due session id to the latest expiry that counts as expired for it
     * @param now now
     * @param tombstoneMs how long the tombstone of a session Redis lost lives, once claimed
     * @return what the claims found
     */
    public Outcome claim(Map<String, Long> due, long now, long tombstoneMs)
    {
        Outcome outcome = new Outcome(new HashSet<>(), new HashSet<>(), new HashMap<>(), new HashSet<>());
        if (due.isEmpty())
            return outcome;
        Map<String, byte[][]> args = new LinkedHashMap<>();
        due.forEach((id, expiredBy) -> args.put(id, SessionScripts.claimArgs(keys, id, claimant, now, CLAIM_HOLD_MS, expiredBy, tombstoneMs)));
        Map<String, Object> replies = calls.run(redis ->
        {
            Map<String, Response<Object>> queued = new LinkedHashMap<>();
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                args.forEach((id, call) -> queued.put(id, SessionScripts.CLAIM_EXPIRY.queue(pipeline, call)));
                pipeline.sync();
            }
            Map<String, Object> results = new LinkedHashMap<>();
            queued.forEach((id, reply) -> results.put(id, replyOrError(() -> SessionScripts.CLAIM_EXPIRY.result(reply, redis, args.get(id)))));
            return results;
        });
        replies.forEach((id, reply) ->
        {
            if (reply instanceof JedisDataException error)
            {
                logNotASession(id, error);
                outcome.notSessions().add(id);
                return;
            }
            switch (SessionScripts.claim(reply))
            {
                case CLAIMED, CLAIMED_LOST ->
                {
                    outcome.claimed().add(id);
                    claimed.put(id, due.get(id));
                }
                case GONE -> outcome.gone().add(id);
                case ALIVE -> outcome.alive().put(id, SessionScripts.aliveExpiry(reply));
                case HELD_ELSEWHERE ->
                {
                    // The node that claimed it expires it.
                }
            }
        });
        return outcome;
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
            return e;
        }
    }

    private void logNotASession(String id, JedisDataException error)
    {
        LOG.warn("The key of session {} of {} holds something else ({}): left alone, and taken out of the expiry index",
            id, keys.context(), error.getMessage());
    }

    private static boolean isExpired(long expiry, long time)
    {
        return expiry > 0 && expiry <= time;
    }
}
