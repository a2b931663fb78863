package io.github.jettyredis.session;

import java.io.IOException;

import redis.clients.jedis.UnifiedJedis;

/**
 * A bridge to {@link io.github.jettyredis.session.testing.RedisTestServer}, which moved to the test-support
 * package: the distribution and ids tests, which are being changed elsewhere, still import this name. It
 * offers only what they use and starts nothing of its own.
 *
 * @deprecated import {@link io.github.jettyredis.session.testing.RedisTestServer}; delete this class once
 * nothing imports it
 */
@Deprecated
public final class RedisTestServer
{
    private final io.github.jettyredis.session.testing.RedisTestServer server;

    private RedisTestServer(io.github.jettyredis.session.testing.RedisTestServer server)
    {
        this.server = server;
    }

    /** @return the server shared by all tests of this JVM; see the moved class */
    public static RedisTestServer shared()
    {
        return new RedisTestServer(io.github.jettyredis.session.testing.RedisTestServer.shared());
    }

    /** @return a key prefix no other test uses */
    public static String uniquePrefix()
    {
        return io.github.jettyredis.session.testing.RedisTestServer.uniquePrefix();
    }

    /**
     * @return a free TCP port on the loopback interface
     * @throws IOException if none could be had
     */
    public static int freePort() throws IOException
    {
        return io.github.jettyredis.session.testing.RedisTestServer.freePort();
    }

    /** @return the URI of the server */
    public String uri()
    {
        return server.uri();
    }

    /** @return a new client for test assertions; close it when done */
    public UnifiedJedis newClient()
    {
        return server.newClient();
    }
}
