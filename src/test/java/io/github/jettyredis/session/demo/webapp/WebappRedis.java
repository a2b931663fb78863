// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.demo.webapp;

import java.net.URI;

import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * The demo webapp's own Redis client (the server's is hidden from webapps), for showing a session's TTL
 * and counting destroyed sessions. Configured by the system properties {@code jetty.session.redis.uri} and
 * {@code jetty.session.redis.prefix}; without the URI there is none.
 */
final class WebappRedis
{
    private static UnifiedJedis client;

    private WebappRedis()
    {
    }

    /** @return whether the node was started with a Redis URI the webapp can use */
    static boolean configured()
    {
        String uri = System.getProperty("jetty.session.redis.uri");
        return uri != null && !uri.isBlank();
    }

    /** @return the key prefix of the store, as the node was started with */
    static String prefix()
    {
        return System.getProperty("jetty.session.redis.prefix", "jetty-session:");
    }

    /** @return the shared client, made on first use */
    static synchronized UnifiedJedis client()
    {
        if (client == null)
            client = RedisClient.create(URI.create(System.getProperty("jetty.session.redis.uri")));
        return client;
    }

    static synchronized void close()
    {
        if (client != null)
            client.close();
        client = null;
    }
}
