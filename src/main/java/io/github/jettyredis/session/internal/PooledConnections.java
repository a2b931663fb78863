// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.Collection;
import java.util.List;

import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.Pool;

/**
 * The pooled connections of the clients this project builds (standalone, Sentinel, Cluster), reached past
 * the client's commands: to drop the idle ones, and to take one out for good.
 */
final class PooledConnections
{
    private PooledConnections()
    {
    }

    /**
     * Closes the client's idle connections, so that its next command opens a fresh one; the connections in use
     * are left to their users. When Redis restarts or fails over, every idle connection is dead at once, and
     * Jedis only finds out as it uses them, one command at a time. Does nothing for a client built on a
     * connection provider of its own.
     *
     * @param redis the client
     */
    static void discardIdle(UnifiedJedis redis)
    {
        try
        {
            pools(redis).forEach(Pool::clear);
        }
        catch (RuntimeException e)
        {
            // A provider of its own: its next command will have to find a live connection itself.
        }
    }

    /**
     * @param redis the client
     * @return how many connections its pools have made so far (0 for a client built on a connection provider of
     * its own)
     */
    static long created(UnifiedJedis redis)
    {
        try
        {
            return pools(redis).stream().mapToLong(Pool::getCreatedCount).sum();
        }
        catch (RuntimeException e)
        {
            return 0;
        }
    }

    /**
     * Takes a connection out of the client's pool (of the master, or of any node of a cluster), for a use
     * that keeps it: give it back broken ({@link Connection#setBroken()}, then {@link Connection#close()}),
     * so that the pool closes it rather than lend it again.
     *
     * @param redis the client
     * @return a connection of its pool, or null for a client built on a connection provider of its own
     */
    static Connection borrow(UnifiedJedis redis)
    {
        Pool<Connection> pool = pools(redis).stream().findFirst().orElse(null);
        return pool == null ? null : pool.getResource();
    }

    private static Collection<? extends Pool<Connection>> pools(UnifiedJedis redis)
    {
        if (redis instanceof RedisClient client)
            return List.of(client.getPool());
        if (redis instanceof RedisSentinelClient client)
            return client.getPrimaryNodesConnectionMap().values();
        if (redis instanceof RedisClusterClient client)
            return client.getClusterNodes().values();
        return List.of();
    }
}
