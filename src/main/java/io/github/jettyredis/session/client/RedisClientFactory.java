package io.github.jettyredis.session.client;

import org.eclipse.jetty.session.SessionContext;
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
}
