package io.github.jettyredis.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.SafeEncoder;

/**
 * The Lua script that writes a whole session hash atomically on its one key: it replaces the fields,
 * sets the TTL (or none), and refuses to re-create a session that was saved before but has since been
 * deleted, so a save in flight on one node never resurrects a session invalidated on another.
 */
final class SessionWriteScript
{
    // KEYS[1] session hash; ARGV[1] "1" if the session must already exist; ARGV[2] TTL in ms, or -1 for
    // none; ARGV[3..] field, value pairs. Returns 1 when written, 0 when refused.
    private static final String SCRIPT = """
        if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then
          return 0
        end
        redis.call('DEL', KEYS[1])
        for i = 3, #ARGV, 2 do
          redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
        end
        if tonumber(ARGV[2]) > 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 1
        """;
    private static final byte[] SCRIPT_BYTES = SCRIPT.getBytes(StandardCharsets.UTF_8);
    private static final byte[] SCRIPT_SHA1 = SafeEncoder.encode(sha1Hex(SCRIPT_BYTES));

    /**
     * @param key the session hash
     * @param mustExist whether the session was saved before (and so must still be there)
     * @param ttlMs the TTL to set, or -1 for none
     * @param fields every field of the session
     * @return the call, ready to queue
     */
    Call replace(byte[] key, boolean mustExist, long ttlMs, Map<byte[], byte[]> fields)
    {
        byte[][] args = new byte[3 + 2 * fields.size()][];
        args[0] = key;
        args[1] = mustExist ? new byte[]{'1'} : new byte[]{'0'};
        args[2] = SafeEncoder.encode(Long.toString(ttlMs));
        int i = 3;
        for (Map.Entry<byte[], byte[]> field : fields.entrySet())
        {
            args[i++] = field.getKey();
            args[i++] = field.getValue();
        }
        return new Call(args);
    }

    /**
     * @param result what the script returned
     * @return whether it wrote the session
     */
    static boolean wasWritten(Object result)
    {
        return result instanceof Long written && written == 1L;
    }

    /** One invocation: the key followed by the arguments. */
    record Call(byte[][] keyAndArgs)
    {
        /** Queues the call by SHA1; the reply fails with NOSCRIPT if Redis does not have the script yet. */
        Response<Object> queue(AbstractPipeline pipeline)
        {
            return pipeline.evalsha(SCRIPT_SHA1, 1, keyAndArgs);
        }

        /** Runs the call sending the script itself, which also loads it for the next EVALSHA. */
        Object evalLoadingScript(UnifiedJedis redis)
        {
            return redis.eval(SCRIPT_BYTES, 1, keyAndArgs);
        }
    }

    private static String sha1Hex(byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        }
        catch (NoSuchAlgorithmException e)
        {
            throw new IllegalStateException("Every Java runtime has SHA-1", e);
        }
    }
}
