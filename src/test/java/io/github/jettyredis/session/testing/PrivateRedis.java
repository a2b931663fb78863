package io.github.jettyredis.session.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.UnifiedJedis;

/**
 * A test class's own {@code redis-server}, started before its first test and stopped after its last, for
 * tests that read Redis's server-wide counters or stop and restart it:
 * {@code @RegisterExtension static final PrivateRedis REDIS = new PrivateRedis();}
 */
public final class PrivateRedis implements BeforeAllCallback, AfterAllCallback
{
    private RedisTestServer server;

    @Override
    public void beforeAll(ExtensionContext context)
    {
        server = RedisTestServer.startPrivate();
    }

    @Override
    public void afterAll(ExtensionContext context)
    {
        server.close();
    }

    /** @return the URI of the server, {@code redis://127.0.0.1:port} */
    public String uri()
    {
        return server.uri();
    }

    /** @return the server itself, to stop, pause or restart it */
    public RedisTestServer server()
    {
        return server;
    }

    /** @return a new client for assertions; close it when done */
    public UnifiedJedis newClient()
    {
        return server.newClient();
    }
}
