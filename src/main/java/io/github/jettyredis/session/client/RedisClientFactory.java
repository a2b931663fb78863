// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.client;

import org.eclipse.jetty.session.SessionContext;
import redis.clients.jedis.Connection;
import redis.clients.jedis.UnifiedJedis;

/**
 * Supplies the Jedis client that a context's session store talks to.
 *
 * <p>The store of each context calls {@link #getClient} once when it starts and {@link #releaseClient}
 * once when it stops. Because the context (its canonical path and virtual host) is passed in, one factory
 * can send different webapps to different Redis servers or databases. Any {@link UnifiedJedis} fits:
 * a standalone {@code RedisClient}, a {@code RedisSentinelClient} or a {@code RedisClusterClient}.</p>
 *
 * <p>Implementations need a public no-argument constructor to be named by class name in the module's
 * {@code jetty.session.redis.clientFactory} property; they can also be set as an object from Jetty XML or
 * code with {@code RedisSessionDataStoreFactory.setClientFactory}.</p>
 */
public interface RedisClientFactory
{
    /**
     * @param context the session context of the webapp whose store is starting
     * @param settings the connection settings configured on the store factory
     * @return the client for that context's sessions; never null
     * @throws Exception if no client can be made; the context then fails to start
     */
    UnifiedJedis getClient(SessionContext context, RedisClientSettings settings) throws Exception;

    /**
     * Gives back a client obtained from {@link #getClient}; called when the context's store stops.
     * The default closes it. Override to keep a client that the application owns and closes itself.
     *
     * @param context the session context that used the client
     * @param client the client returned by {@link #getClient} for that context
     */
    default void releaseClient(SessionContext context, UnifiedJedis client)
    {
        client.close();
    }

    /**
     * Opens a connection of its own, outside any pool, to the Redis of a client this factory made, on which
     * the server hears the session deletions of other nodes (one per client, however many webapps share it:
     * a subscribed connection can do nothing else). Called when the listener starts and each time it
     * connects again. The connection should time out a blocking read after a few heartbeats (the listener
     * checks it every {@link RedisClientSettings#getSocketTimeoutMs()} ms), so that a connection that silently
     * died is noticed: see {@link PooledRedisClientFactory#subscriberClientConfig}.
     *
     * <p>The default returns null: the listener then takes one of the client's pooled connections for good
     * (for the clients this project builds; through the client's own subscribe for any other), gives it back
     * to be closed when it is done with it, and a silently dropped connection is noticed only when the operating
     * system gives up on it.</p>
     *
     * @param client a client returned by {@link #getClient}
     * @param settings the settings it was made from
     * @return a new connection, not yet connected or connected, that the caller closes; or null
     */
    default Connection openSubscriberConnection(UnifiedJedis client, RedisClientSettings settings)
    {
        return null;
    }
}
