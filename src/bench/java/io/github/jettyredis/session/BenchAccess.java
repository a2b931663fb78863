// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.List;
import java.util.Map;

import io.github.jettyredis.session.internal.SessionDelta;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.internal.SessionScripts;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * Gives the benchmarks the store's own write script, which is package-private, so that the "raw Lua"
 * baseline sends exactly the command the store sends (same script, same arguments) without the codec.
 */
public final class BenchAccess
{
    private BenchAccess()
    {
    }

    /**
     * @param keys the session's key layout
     * @param id the session id
     * @param metadata the metadata field
     * @param expiry the session's expiry
     * @param attributes the changed attribute fields
     * @param ttlMs the TTL the store would give
     * @return the arguments of the store's write script for an update of those fields
     */
    public static byte[][] writeArgs(SessionKeys keys, String id, byte[] metadata, long expiry, Map<byte[], byte[]> attributes, long ttlMs)
    {
        return SessionScripts.writeArgs(keys, id, "update", new SessionDelta(false, metadata, expiry, attributes, List.of(), Map.of(), Map.of()), ttlMs,
            SessionScripts.LeaseRequest.none("bench"), null);
    }

    /** Queues the store's write script, as {@code doStore} does. */
    public static Response<Object> queueWrite(AbstractPipeline pipeline, byte[][] args)
    {
        return SessionScripts.WRITE.queue(pipeline, args);
    }

    /** @return the write script's reply, loading the script if Redis lacked it */
    public static Object writeResult(Response<Object> reply, UnifiedJedis redis, byte[][] args)
    {
        return SessionScripts.WRITE.result(reply, redis, args);
    }

    /** @return the TTL in ms that the store gives a session of that expiry */
    public static long ttlMs(RedisSessionDataStore store, long expiry, long now)
    {
        return store.ttlMs(expiry, now);
    }
}
