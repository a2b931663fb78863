package io.github.jettyredis.session;

import java.util.Map;

import io.github.jettyredis.session.codec.SessionDelta;
import io.github.jettyredis.session.codec.SessionHashCodec;

import redis.clients.jedis.util.SafeEncoder;

/**
 * The Lua scripts the store runs on a session's hash, and their arguments. Each touches only that key, so
 * each is atomic on Redis Cluster too.
 */
final class SessionScripts
{
    /** The hash field where a node records that it is expiring the session. */
    static final String EXPIRY_CLAIM_FIELD = SessionHashCodec.RESERVED + "claim";

    /**
     * Writes a session: the whole hash on a first save (replacing anything under the key), otherwise only
     * the changed fields, and only if the session is still there: if another node deleted it (invalidated
     * or expired), a save in flight must not resurrect it, whole or partial. Then sets the TTL, or none.
     * KEYS[1] hash; ARGV[1] "whole" or "update"; ARGV[2] TTL ms or -1; ARGV[3] n, the number of fields to
     * delete; ARGV[4..3+n] those fields; then field, value pairs to set.
     * Returns 1 when written, 0 when refused.
     */
    static final LuaScript WRITE = new LuaScript("""
        if ARGV[1] == 'whole' then
          redis.call('DEL', KEYS[1])
        elseif redis.call('EXISTS', KEYS[1]) == 0 then
          return 0
        end
        -- One command per 1000 arguments (an even number: field-value pairs stay together), within Lua's stack.
        local function each(command, first, last)
          for i = first, last, 1000 do
            redis.call(command, KEYS[1], unpack(ARGV, i, math.min(i + 999, last)))
          end
        end
        local deletes = tonumber(ARGV[3])
        each('HDEL', 4, 3 + deletes)
        each('HSET', 4 + deletes, #ARGV)
        if tonumber(ARGV[2]) > 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        else
          redis.call('PERSIST', KEYS[1])
        end
        return 1
        """);

    /**
     * Deletes the hash and, if there was one, announces it on the context's deletion channel.
     * KEYS[1] hash; ARGV[1] channel; ARGV[2] message. Returns the number of keys deleted.
     */
    static final LuaScript DELETE = new LuaScript("""
        local deleted = redis.call('DEL', KEYS[1])
        if deleted > 0 then
          redis.call('PUBLISH', ARGV[1], ARGV[2])
        end
        return deleted
        """);

    /**
     * Claims an expired session for one node, so that only that node expires it and fires its listeners.
     * A claim older than the hold time (its node died mid-way) can be taken over.
     * KEYS[1] hash; ARGV[1] claimant; ARGV[2] now ms; ARGV[3] hold ms.
     * Returns 1 when claimed, 0 when another claimant holds it, -1 when the session is gone.
     */
    static final LuaScript CLAIM_EXPIRY = new LuaScript("""
        if redis.call('EXISTS', KEYS[1]) == 0 then
          return -1
        end
        local claim = redis.call('HGET', KEYS[1], '%s')
        if claim then
          local claimant, at = string.match(claim, '^(.*)@(%%d+)$')
          if claimant ~= ARGV[1] and at and tonumber(at) + tonumber(ARGV[3]) > tonumber(ARGV[2]) then
            return 0
          end
        end
        redis.call('HSET', KEYS[1], '%s', ARGV[1] .. '@' .. ARGV[2])
        return 1
        """.formatted(EXPIRY_CLAIM_FIELD, EXPIRY_CLAIM_FIELD));

    private SessionScripts()
    {
    }

    static byte[][] writeArgs(byte[] key, SessionDelta delta, long ttlMs)
    {
        byte[][] args = new byte[4 + delta.deleted().size() + 2 * delta.set().size()][];
        args[0] = key;
        args[1] = SafeEncoder.encode(delta.whole() ? "whole" : "update");
        args[2] = SafeEncoder.encode(Long.toString(ttlMs));
        args[3] = SafeEncoder.encode(Integer.toString(delta.deleted().size()));
        int i = 4;
        for (byte[] field : delta.deleted())
            args[i++] = field;
        for (Map.Entry<byte[], byte[]> field : delta.set().entrySet())
        {
            args[i++] = field.getKey();
            args[i++] = field.getValue();
        }
        return args;
    }

    static byte[][] claimArgs(byte[] key, String claimant, long now, long holdMs)
    {
        return new byte[][]{key, SafeEncoder.encode(claimant), SafeEncoder.encode(Long.toString(now)),
            SafeEncoder.encode(Long.toString(holdMs))};
    }

    /** @return whether a script replied with the integer 1 */
    static boolean isOne(Object reply)
    {
        return reply instanceof Long value && value == 1L;
    }
}
