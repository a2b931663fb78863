// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.Tuple;
import redis.clients.jedis.util.SafeEncoder;

/**
 * The index of a context's sessions by user ({@link SessionKeys#user(String)}): per user, a sorted set of
 * session ids scored by expiry. Every change to a user's set also drops the entries that expired more than
 * the TTL margin ago and moves the set's own expiry to its latest entry's plus the margin, so that nothing in
 * it outlives its sessions by more than the margin, even when no node was there to take an entry out.
 * Each call touches one user's key alone (its own hash slot): never the session's.
 */
public final class UserIndex
{
    /**
     * Changes one user's set and keeps it bounded. KEYS[1] the user's set; ARGV[1] {@code add}, {@code remove}
     * or {@code trim}; ARGV[2] the session id; ARGV[3] its score (expiry ms, or {@code +inf}); ARGV[4] the
     * oldest score kept (now minus the margin); ARGV[5] the margin in ms. Replies the number of entries left.
     * Scores come back from ZRANGE as strings, {@code inf} for an immortal session (then the set has no TTL).
     */
    static final LuaScript CHANGE = new LuaScript(1, """
        if ARGV[1] == 'add' then
          redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
        elseif ARGV[1] == 'remove' then
          redis.call('ZREM', KEYS[1], ARGV[2])
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if #last == 0 then
          return 0
        end
        if last[2] == 'inf' then
          redis.call('PERSIST', KEYS[1])
        else
          redis.call('PEXPIREAT', KEYS[1], string.format('%d', tonumber(last[2]) + tonumber(ARGV[5])))
        end
        return redis.call('ZCARD', KEYS[1])
        """);

    private final SessionKeys keys;
    private final LongSupplier marginMs;

    /**
     * @param keys the context's key layout
     * @param marginMs how long after its expiry a session's key lives (the store's TTL margin)
     */
    public UserIndex(SessionKeys keys, LongSupplier marginMs)
    {
        this.keys = keys;
        this.marginMs = marginMs;
    }

    /** A queued change of one user's set, to read once the pipeline is synced. */
    public final class Change
    {
        private final byte[][] args;
        private final Response<Object> reply;

        private Change(byte[][] args, Response<Object> reply)
        {
            this.args = args;
            this.reply = reply;
        }

        /**
         * @param redis the client of the call, to run the change again if Redis lacked the script
         * @return how many entries the user's set holds after it
         */
        public long entries(UnifiedJedis redis)
        {
            return (Long)CHANGE.result(reply, redis, args);
        }
    }

    /**
     * Queues a session's entry in its user's set, at its expiry.
     *
     * @param pipeline the pipeline of the session's write
     * @param userToken the user's token
     * @param id the session id
     * @param expiry its expiry; 0 or less for never
     * @return the queued change
     */
    public Change queueAdd(AbstractPipeline pipeline, String userToken, String id, long expiry)
    {
        byte[][] args = args(userToken, "add", id, expiry);
        return new Change(args, CHANGE.queue(pipeline, args));
    }

    /**
     * Queues taking a session out of its user's set.
     *
     * @param pipeline a pipeline of the session's
     * @param userToken the user's token
     * @param id the session id
     * @return the queued change
     */
    public Change queueRemove(AbstractPipeline pipeline, String userToken, String id)
    {
        byte[][] args = args(userToken, "remove", id, 0);
        return new Change(args, CHANGE.queue(pipeline, args));
    }

    /**
     * Takes a session out of its user's set at once.
     *
     * @param redis the client of a call under way
     * @param userToken the user's token
     * @param id the session id
     */
    public void remove(UnifiedJedis redis, String userToken, String id)
    {
        CHANGE.run(redis, args(userToken, "remove", id, 0));
    }

    /**
     * @param redis the client of a call under way
     * @param userToken the user's token
     * @return the user's session ids to their indexed expiry ({@code +Infinity} for never), oldest expiry first;
     * entries older than the margin are left out
     */
    public Map<String, Double> entries(UnifiedJedis redis, String userToken)
    {
        long oldest = System.currentTimeMillis() - marginMs.getAsLong();
        List<Tuple> tuples = redis.zrangeByScoreWithScores(keys.user(userToken), oldest, Double.POSITIVE_INFINITY);
        Map<String, Double> entries = new LinkedHashMap<>();
        for (Tuple tuple : tuples)
            entries.put(new String(tuple.getBinaryElement(), StandardCharsets.UTF_8), tuple.getScore());
        return entries;
    }

    private byte[][] args(String userToken, String operation, String id, long expiry)
    {
        long margin = marginMs.getAsLong();
        return new byte[][]{keys.user(userToken), SafeEncoder.encode(operation), SessionKeys.bytes(id),
            SafeEncoder.encode(expiry > 0 ? Long.toString(expiry) : "+inf"),
            SafeEncoder.encode(Long.toString(System.currentTimeMillis() - margin)), SafeEncoder.encode(Long.toString(margin))};
    }
}
