// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.Pool;

/**
 * Drops the idle pooled connections of a client. When Redis restarts or fails over, every idle connection is
 * dead at once, and Jedis only finds out as it uses them, one command at a time.
 */
final class IdleConnections
{
    private IdleConnections()
    {
    }

    /**
     * Closes the client's idle connections, so that its next command opens a fresh one; the connections in use
     * are left to their users. Does nothing for a client built on a connection provider of its own.
     *
     * @param redis the client
     */
    static void discard(UnifiedJedis redis)
    {
        try
        {
            if (redis instanceof RedisClient client)
                client.getPool().clear();
            else if (redis instanceof RedisSentinelClient client)
                client.getPrimaryNodesConnectionMap().values().forEach(Pool::clear);
            else if (redis instanceof RedisClusterClient client)
                client.getClusterNodes().values().forEach(ConnectionPool::clear);
        }
        catch (RuntimeException e)
        {
            // A provider of its own: its next command will have to find a live connection itself.
        }
    }
}
