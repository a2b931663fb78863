// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.demo;

import java.net.URI;

import io.github.jettyredis.session.testing.RedisTestServer;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Redis the demo uses, in this order: the one given ({@code -Djetty.session.redis.uri} or
 * {@code REDIS_URL}); else whatever answers PING on 127.0.0.1:6379; else a {@code redis-server} the demo
 * starts itself on a free port, the way the tests do ({@link RedisTestServer#startPrivate(String...)}: the
 * binary on the PATH, else the one inside embedded-redis), stopped by {@link #close()}.
 */
final class DemoRedis implements AutoCloseable
{
    private static final String LOCAL = "redis://127.0.0.1:6379";

    private final String uri;
    private final String origin;
    private final RedisTestServer started;

    private DemoRedis(String uri, String origin, RedisTestServer started)
    {
        this.uri = uri;
        this.origin = origin;
        this.started = started;
    }

    static DemoRedis resolve()
    {
        String given = blankToNull(System.getProperty("jetty.session.redis.uri"));
        String from = "-Djetty.session.redis.uri";
        if (given == null)
        {
            given = blankToNull(System.getenv("REDIS_URL"));
            from = "REDIS_URL";
        }
        if (given != null)
        {
            if (!answers(given))
                throw new IllegalStateException("The Redis given by " + from + " does not answer PING: " + mask(given));
            return new DemoRedis(given, "given by " + from, null);
        }
        if (answers(LOCAL))
            return new DemoRedis(LOCAL, "the one answering on 127.0.0.1:6379", null);
        // Stopped by the demo's shutdown hook after the nodes that use it, not by RedisTestServer's at once.
        RedisTestServer server = RedisTestServer.startPrivate().stoppedByOwnerOnly();
        return new DemoRedis(server.uri(), "nothing answered on 127.0.0.1:6379, so the demo started its own " +
            RedisTestServer.binaryDescription() + " on a free port; it stops with the demo", server);
    }

    /** @return the Redis URI */
    String uri()
    {
        return uri;
    }

    /** @return where it came from, for the banner */
    String origin()
    {
        return origin;
    }

    /** @return the URI with any password masked, for printing */
    String maskedUri()
    {
        return mask(uri);
    }

    /** @return the port, for a redis-cli hint */
    int port()
    {
        int port = URI.create(uri).getPort();
        return port > 0 ? port : 6379;
    }

    @Override
    public void close()
    {
        if (started != null)
            started.close();
    }

    private static boolean answers(String uri)
    {
        try (UnifiedJedis client = RedisClient.create(URI.create(uri)))
        {
            return "PONG".equals(client.ping());
        }
        catch (RuntimeException e)
        {
            return false;
        }
    }

    private static String blankToNull(String value)
    {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static String mask(String uri)
    {
        return uri.replaceFirst("//([^:@/]*):[^@/]*@", "//$1:****@");
    }
}
