// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.client;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jetty.session.SessionContext;
import redis.clients.jedis.Connection;
import redis.clients.jedis.UnifiedJedis;

/**
 * A {@link RedisClientFactory} that sends each webapp to its own Redis server or database, by context
 * path; contexts without a route use the configured URI. Contexts routed to the same URI share one pooled
 * client. Also an example of writing a client factory.
 *
 * <p>Routes are set with {@link #route(String, String)} (code or Jetty XML), or, when the factory is named
 * by class name, given as client options whose key is a context path:
 * {@code jetty.session.redis.clientOptions=/shop=redis://10.0.0.5:6379/0,/admin=redis://127.0.0.1:6379/3}.
 * A route set with {@link #route} wins over an option for the same path. Any URI of {@link RedisUri} fits,
 * but client options are separated by {@code ,}, so a cluster or sentinel URI listing several nodes can
 * only be routed with {@link #route} (as an option, list one node).</p>
 */
public class ContextRoutingClientFactory implements RedisClientFactory
{
    private final Map<String, String> routes = new LinkedHashMap<>();
    private final Map<String, PooledRedisClientFactory> poolsByUri = new LinkedHashMap<>();
    private final Map<UnifiedJedis, PooledRedisClientFactory> poolsByClient = new IdentityHashMap<>();
    private final Map<UnifiedJedis, RedisClientSettings> settingsByClient = new IdentityHashMap<>();

    /**
     * @param contextPath a context path as the webapp declares it, e.g. {@code /shop} or {@code /}
     * @param uri the Redis URI for that context's sessions
     * @return this factory
     */
    public synchronized ContextRoutingClientFactory route(String contextPath, String uri)
    {
        routes.put(contextPath, uri);
        return this;
    }

    /** @return the routes set with {@link #route}, context path to URI */
    public synchronized Map<String, String> getRoutes()
    {
        return Map.copyOf(routes);
    }

    @Override
    public synchronized UnifiedJedis getClient(SessionContext context, RedisClientSettings settings)
    {
        String path = context.getContext().getContextPath();
        String uri = routes.getOrDefault(path, settings.getOptions().get(path));
        RedisClientSettings routed = uri == null ? settings : settings.withUri(uri);
        PooledRedisClientFactory pool = poolsByUri.computeIfAbsent(routed.getUri().toString(), u -> new PooledRedisClientFactory());
        UnifiedJedis client = pool.getClient(context, routed);
        poolsByClient.put(client, pool);
        settingsByClient.put(client, routed);
        return client;
    }

    @Override
    public synchronized void releaseClient(SessionContext context, UnifiedJedis client)
    {
        PooledRedisClientFactory pool = poolsByClient.get(client);
        if (pool == null)
            throw new IllegalArgumentException("Not a client of this factory: " + client);
        pool.releaseClient(context, client);
    }

    /** Opens the listener's connection as the route's pooled client factory does, to the routed Redis. */
    @Override
    public synchronized Connection openSubscriberConnection(UnifiedJedis client, RedisClientSettings settings)
    {
        PooledRedisClientFactory pool = poolsByClient.get(client);
        return pool == null ? null : pool.openSubscriberConnection(client, settingsByClient.get(client));
    }
}
