// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * A context's expiry index: a sorted set of the ids of its mortal sessions scored by their stored expiry
 * ({@link SessionKeys#expiryIndex()}), so that expired sessions are found by a range read whose cost
 * follows the number of expired sessions, not of live ones. Kept by each write and deletion of a session,
 * corrected by the expiry claims (which check each session's own stored expiry), and trimmed of long
 * expired sessions of every context under the prefix (their orphans), so that it never grows without bound.
 */
public final class ExpiryIndex
{
    private static final int ORPHAN_BATCH = 500;

    private final String prefix;
    private final SessionKeys keys;
    private final RedisCalls calls;

    /**
     * @param prefix the key prefix, under which the context registry lists every context
     * @param keys the context's key layout
     * @param calls how to reach Redis
     */
    public ExpiryIndex(String prefix, SessionKeys keys, RedisCalls calls)
    {
        this.prefix = prefix;
        this.keys = keys;
        this.calls = calls;
    }

    /** Records the context in the registry of contexts under the prefix, where orphans are looked for. */
    public void register()
    {
        calls.run(redis -> redis.sadd(SessionKeys.contextRegistry(prefix), SessionKeys.bytes(keys.context())));
    }

    /**
     * Queues, with a session's write, the entry the index must have for it.
     *
     * @param pipeline the write's pipeline
     * @param id the session id
     * @param expiry its expiry; 0 or less (immortal) takes it out
     */
    public void queueUpdate(AbstractPipeline pipeline, String id, long expiry)
    {
        if (expiry > 0)
            pipeline.zadd(keys.expiryIndex(), expiry, SessionKeys.bytes(id));
        else
            queueRemove(pipeline, id);
    }

    /**
     * @param pipeline a pipeline of the session's
     * @param id the session id, to take out
     */
    public void queueRemove(AbstractPipeline pipeline, String id)
    {
        pipeline.zrem(keys.expiryIndex(), SessionKeys.bytes(id));
    }

    /**
     * @param redis the client of a call under way
     * @param id the session id, to take out
     */
    public void remove(UnifiedJedis redis, String id)
    {
        redis.zrem(keys.expiryIndex(), SessionKeys.bytes(id));
    }

    /**
     * @param before a time
     * @return the ids whose indexed expiry is at or before it
     */
    public Set<String> expiredBefore(long before)
    {
        Set<String> expired = new HashSet<>();
        for (byte[] member : calls.run(redis -> redis.zrangeByScore(keys.expiryIndex(), Double.NEGATIVE_INFINITY, before)))
            expired.add(new String(member, StandardCharsets.UTF_8));
        return expired;
    }

    /**
     * Sets entries to the expiries the sessions have in Redis.
     *
     * @param expiries session id to its stored expiry; 0 takes it out (deleted, immortal, not a session)
     */
    public void correct(Map<String, Long> expiries)
    {
        if (expiries.isEmpty())
            return;
        calls.run(redis ->
        {
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                expiries.forEach((id, expiry) -> queueUpdate(pipeline, id, expiry));
                pipeline.sync();
            }
            return null;
        });
    }

    /**
     * Deletes the sessions of every context under the prefix that expired long ago (no node claimed them:
     * their nodes are gone), and their index entries.
     *
     * @param time sessions whose indexed expiry is at or before it are deleted
     * @return how many sessions were deleted
     */
    public int deleteExpiredOfEveryContext(long time)
    {
        int deleted = 0;
        for (byte[] context : calls.run(redis -> redis.smembers(SessionKeys.contextRegistry(prefix))))
        {
            SessionKeys contextKeys = SessionKeys.ofRegisteredContext(prefix, new String(context, StandardCharsets.UTF_8));
            List<byte[]> ids;
            do
            {
                ids = calls.run(redis -> redis.zrangeByScore(contextKeys.expiryIndex(), Double.NEGATIVE_INFINITY, time, 0, ORPHAN_BATCH));
                if (!ids.isEmpty())
                    deleted += deleteAll(contextKeys, ids);
            }
            while (ids.size() == ORPHAN_BATCH);
        }
        return deleted;
    }

    private int deleteAll(SessionKeys contextKeys, List<byte[]> ids)
    {
        return calls.run(redis ->
        {
            List<Response<Long>> deletions = new ArrayList<>(ids.size());
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (byte[] id : ids)
                    deletions.add(pipeline.del(contextKeys.session(new String(id, StandardCharsets.UTF_8))));
                pipeline.zrem(contextKeys.expiryIndex(), ids.toArray(new byte[0][]));
                pipeline.sync();
            }
            return (int)deletions.stream().mapToLong(Response::get).sum();
        });
    }
}
