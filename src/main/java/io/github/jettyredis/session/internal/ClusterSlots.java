// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Lets a Redis Cluster client learn that a hash slot moved to another master (resharding, a failover). Jedis
 * follows {@code MOVED} and renews its map of the slots only for a plain command; a pipeline's command gets the
 * {@code MOVED} as its reply, and every pipeline after it goes to the old master again, for as long as nothing else
 * renews the map. So when a call meets a {@code MOVED}, a plain read of a key of that slot (under the store's
 * prefix, which its ACL user may read) makes Jedis follow it, and renew the map, before the call is made again.
 * The key is {@code <prefix>slot:{<tag>}}, with a hash tag that Redis puts in that slot; it is never written.
 */
final class ClusterSlots
{
    /** A hash tag per slot, found once: a key {@code <prefix>slot:{<tag>}} is in that slot. */
    private static final Map<Integer, String> TAGS = new ConcurrentHashMap<>();

    private ClusterSlots()
    {
    }

    /**
     * @param redis the client whose call failed
     * @param keyPrefix the store's key prefix
     * @param failure why the call failed
     * @return whether the failure was a {@code MOVED}, and the client asked again where its slot is
     */
    static boolean learnMoved(UnifiedJedis redis, String keyPrefix, Throwable failure)
    {
        JedisMovedDataException moved = cause(failure, JedisMovedDataException.class);
        if (moved == null || !isCluster(redis) || moved.getSlot() < 0 || moved.getSlot() >= Protocol.CLUSTER_HASHSLOTS)
            return false;
        // One thread at a time: Jedis renews its map only if no renewal is under way, and does not wait for one, so a
        // thread that did not wait would make its call again on the old map.
        synchronized (ClusterSlots.class)
        {
            try
            {
                redis.exists(keyPrefix + "slot:{" + TAGS.computeIfAbsent(moved.getSlot(), ClusterSlots::tagOf) + "}");
            }
            catch (JedisException e)
            {
                // The call made again says what is wrong, if anything still is.
            }
        }
        return true;
    }

    /**
     * @param redis a client
     * @return whether it is one of Jedis's Redis Cluster clients, which follow {@code MOVED} for a plain command
     */
    static boolean isCluster(UnifiedJedis redis)
    {
        return redis instanceof RedisClusterClient;
    }

    /**
     * @param failure why a call failed
     * @return whether Redis answered it {@code MOVED} or {@code ASK}: a Cluster slot moved, or is moving
     */
    static boolean isRedirection(Throwable failure)
    {
        return cause(failure, JedisRedirectionException.class) != null;
    }

    private static <E extends Throwable> E cause(Throwable failure, Class<E> type)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
            if (type.isInstance(t))
                return type.cast(t);
        return null;
    }

    /** @return a hash tag of the slot: the first decimal number that hashes to it (about 19,000 tries on average, 110,000 at most) */
    static String tagOf(int slot)
    {
        for (int n = 0; ; n++)
        {
            String tag = Integer.toString(n);
            if (JedisClusterCRC16.getSlot(tag) == slot)
                return tag;
        }
    }
}
