// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * Each call touches one user's keys alone (their own hash slot): never the session's.
 *
 * <p>A logout everywhere reads the set and leaves a mark ({@link SessionKeys#userLogout(String)}) in one step,
 * and every change replies the mark as it finds it. A session given a new id (changeSessionId, a form login)
 * is taken out under its old id, then added under its new one, in two steps that such a listing can fall
 * between, finding neither: the mark the addition finds then differs from the one the removal found.</p>
 */
public final class UserIndex
{
    /**
     * Changes one user's set and keeps it bounded. KEYS[1] the user's set, KEYS[2] its logout mark; ARGV[1]
     * {@code add} or {@code remove}; ARGV[2] the session id; ARGV[3] its score (expiry ms, or {@code +inf}); ARGV[4]
     * the oldest score kept (now minus the margin); ARGV[5] the margin in ms. Replies the number of entries
     * left and the logout mark (nil for none). Scores come back from ZRANGE as strings, {@code inf} for an
     * immortal session (then the set has no TTL).
     */
    static final LuaScript CHANGE = new LuaScript(2, """
        if ARGV[1] == 'add' then
          redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
        elseif ARGV[1] == 'remove' then
          redis.call('ZREM', KEYS[1], ARGV[2])
        end
        local mark = redis.call('GET', KEYS[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if #last == 0 then
          return {0, mark}
        end
        if last[2] == 'inf' then
          redis.call('PERSIST', KEYS[1])
        else
          redis.call('PEXPIREAT', KEYS[1], string.format('%d', tonumber(last[2]) + tonumber(ARGV[5])))
        end
        return {redis.call('ZCARD', KEYS[1]), mark}
        """);

    /**
     * Reads one user's set for a logout everywhere, and leaves a new logout mark: Redis's clock in µs, or one
     * more than the mark before if that is not less. KEYS[1] the user's set, KEYS[2] its logout mark; ARGV[1]
     * the oldest score read; ARGV[2] how long the mark lives, in ms. Replies ids and scores, flat.
     */
    static final LuaScript LOG_OUT = new LuaScript(2, """
        local now = redis.call('TIME')
        local mark = tonumber(now[1]) * 1000000 + tonumber(now[2])
        local before = tonumber(redis.call('GET', KEYS[2]) or '0')
        if mark <= before then
          mark = before + 1
        end
        redis.call('SET', KEYS[2], string.format('%d', mark), 'PX', ARGV[2])
        return redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')
        """);

    /**
     * How long a logout mark lives: longer than any session's two steps of a new id take (they follow each other
     * on one thread; only a save kept through a day-long Redis outage could take longer).
     */
    static final long LOGOUT_MARK_MS = TimeUnit.DAYS.toMillis(1);

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
        private List<?> result;

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
            return (Long)result(redis).get(0);
        }

        /**
         * @param redis the client of the call, to run the change again if Redis lacked the script
         * @return the user's logout mark as the change found it, or null if there was none
         */
        public String logoutMark(UnifiedJedis redis)
        {
            return result(redis).get(1) instanceof byte[] mark ? new String(mark, StandardCharsets.US_ASCII) : null;
        }

        private List<?> result(UnifiedJedis redis)
        {
            if (result == null)
                result = (List<?>)CHANGE.result(reply, redis, args);
            return result;
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
     * Puts a session in its user's set at once.
     *
     * @param redis the client of a call under way
     * @param userToken the user's token
     * @param id the session id
     * @param expiry its expiry; 0 or less for never
     */
    public void add(UnifiedJedis redis, String userToken, String id, long expiry)
    {
        CHANGE.run(redis, args(userToken, "add", id, expiry));
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

    /**
     * What {@link #entries} reads, for a logout everywhere: leaves a new logout mark in the same step, so that a
     * session taken out under its old id before this read, and added under a new one after it, is told.
     *
     * @param redis the client of a call under way
     * @param userToken the user's token
     * @return the user's session ids to their indexed expiry, as {@link #entries} gives them
     */
    public Map<String, Double> entriesForLogout(UnifiedJedis redis, String userToken)
    {
        long oldest = System.currentTimeMillis() - marginMs.getAsLong();
        List<?> flat = (List<?>)LOG_OUT.run(redis, new byte[][]{keys.user(userToken), keys.userLogout(userToken),
            SafeEncoder.encode(Long.toString(oldest)), SafeEncoder.encode(Long.toString(LOGOUT_MARK_MS))});
        Map<String, Double> entries = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2)
        {
            String score = new String((byte[])flat.get(i + 1), StandardCharsets.US_ASCII);
            entries.put(new String((byte[])flat.get(i), StandardCharsets.UTF_8), score.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(score));
        }
        return entries;
    }

    private byte[][] args(String userToken, String operation, String id, long expiry)
    {
        long margin = marginMs.getAsLong();
        return new byte[][]{keys.user(userToken), keys.userLogout(userToken), SafeEncoder.encode(operation), SessionKeys.bytes(id),
            SafeEncoder.encode(expiry > 0 ? Long.toString(expiry) : "+inf"),
            SafeEncoder.encode(Long.toString(System.currentTimeMillis() - margin)), SafeEncoder.encode(Long.toString(margin))};
    }
}
