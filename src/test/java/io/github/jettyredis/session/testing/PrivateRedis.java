// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.UnifiedJedis;

/**
 * A {@code redis-server} of a test's own ({@link RedisTestServer#startPrivate(String...)}), for tests that
 * read Redis's server-wide counters, flush it, or stop, pause and restart it. Registered on a static field
 * it serves the whole class (started before its first test, stopped after its last):
 * {@code @RegisterExtension static final PrivateRedis REDIS = new PrivateRedis();}
 * registered on an instance field, each test gets a fresh one, so that a test that leaves Redis killed or
 * paused cannot take the next one down with it:
 * {@code @RegisterExtension @Order(1) final PrivateRedis redis = new PrivateRedis();}
 * (with {@code @Order}, so that extensions using it, such as {@link JettyNodes}, start after it and stop
 * before it).
 */
public final class PrivateRedis implements TestRedis, BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback
{
    private final String[] extraArgs;
    private RedisTestServer server;
    /** Whether the server was started for the current test only (instance-field registration). */
    private boolean perTest;

    /**
     * @param extraArgs more {@code redis-server} arguments, as {@link RedisTestServer#startPrivate(String...)} takes
     */
    public PrivateRedis(String... extraArgs)
    {
        this.extraArgs = extraArgs;
    }

    @Override
    public void beforeAll(ExtensionContext context)
    {
        server = RedisTestServer.startPrivate(extraArgs);
    }

    @Override
    public void afterAll(ExtensionContext context)
    {
        stop();
    }

    // JUnit calls beforeAll only for static-field registrations: a server not started by then is per test.
    @Override
    public void beforeEach(ExtensionContext context)
    {
        if (server == null)
        {
            server = RedisTestServer.startPrivate(extraArgs);
            perTest = true;
        }
    }

    @Override
    public void afterEach(ExtensionContext context)
    {
        if (perTest)
            stop();
    }

    private void stop()
    {
        if (server != null)
            server.close();
        server = null;
    }

    /** @return the URI of the server, {@code redis://127.0.0.1:port} */
    @Override
    public String uri()
    {
        return server().uri();
    }

    /** @return the server itself, to stop, pause or restart it */
    public RedisTestServer server()
    {
        if (server == null)
            throw new IllegalStateException("PrivateRedis is not started: register it with @RegisterExtension");
        return server;
    }

    /** @return a new client for assertions; close it when done */
    @Override
    public UnifiedJedis newClient()
    {
        return server().newClient();
    }
}
