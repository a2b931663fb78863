// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.util.SafeEncoder;

/**
 * A Lua script on a fixed number of keys of one hash slot, sent by SHA1 ({@code EVALSHA}) and by source
 * only when Redis does not have it yet (after a restart or on a new cluster node), so that a call costs a
 * few bytes of script.
 */
public final class LuaScript
{
    private final byte[] source;
    private final byte[] sha1;
    private final int keys;

    /**
     * @param keys how many of a call's first arguments are keys; -1 for scripts whose calls say it (see the
     * methods that take a key count)
     * @param source the script
     */
    public LuaScript(int keys, String source)
    {
        this.keys = keys;
        this.source = source.getBytes(StandardCharsets.UTF_8);
        this.sha1 = SafeEncoder.encode(sha1Hex(this.source));
    }

    /**
     * Queues a call; its reply fails with NOSCRIPT if Redis lacks the script: pass it to {@link #result}.
     *
     * @param pipeline where to queue it
     * @param keysAndArgs the keys, then the arguments
     * @return the reply
     */
    public Response<Object> queue(AbstractPipeline pipeline, byte[][] keysAndArgs)
    {
        return pipeline.evalsha(sha1, keys, keysAndArgs);
    }

    /**
     * @param reply a reply of {@link #queue}, after the pipeline was synced
     * @param redis the client, to run the call again with the source if Redis lacked the script
     * @param keysAndArgs the same keys and arguments
     * @return what the script returned
     */
    public Object result(Response<Object> reply, UnifiedJedis redis, byte[][] keysAndArgs)
    {
        try
        {
            return reply.get();
        }
        catch (JedisNoScriptException e)
        {
            return redis.eval(source, keys, keysAndArgs);
        }
    }

    /**
     * Runs a call on its own.
     *
     * @param redis the client
     * @param keysAndArgs the keys, then the arguments
     * @return what the script returned
     */
    public Object run(UnifiedJedis redis, byte[][] keysAndArgs)
    {
        try
        {
            return redis.evalsha(sha1, keys, keysAndArgs);
        }
        catch (JedisNoScriptException e)
        {
            return redis.eval(source, keys, keysAndArgs);
        }
    }

    /**
     * Queues a call of a script whose number of keys varies from call to call.
     *
     * @param pipeline where to queue it
     * @param keyCount how many of the first arguments are keys
     * @param keysAndArgs the keys, then the arguments
     * @return the reply
     */
    public Response<Object> queue(AbstractPipeline pipeline, int keyCount, byte[][] keysAndArgs)
    {
        return pipeline.evalsha(sha1, keyCount, keysAndArgs);
    }

    /**
     * @param reply a reply of {@link #queue(AbstractPipeline, int, byte[][])}, after the pipeline was synced
     * @param redis the client, to run the call again with the source if Redis lacked the script
     * @param keyCount how many of the first arguments are keys
     * @param keysAndArgs the same keys and arguments
     * @return what the script returned
     */
    public Object result(Response<Object> reply, UnifiedJedis redis, int keyCount, byte[][] keysAndArgs)
    {
        try
        {
            return reply.get();
        }
        catch (JedisNoScriptException e)
        {
            return redis.eval(source, keyCount, keysAndArgs);
        }
    }

    /** @return the SHA1 that Redis knows the script by, in hex */
    public String sha1()
    {
        return SafeEncoder.encode(sha1);
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
