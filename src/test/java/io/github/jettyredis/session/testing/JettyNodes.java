package io.github.jettyredis.session.testing;

import io.github.jettyredis.session.internal.SessionKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Jetty nodes of one test on one Redis (a class's {@link PrivateRedis}, the shared cluster, ...), with
 * an HTTP client to call them and a Redis client to check what they stored; all started before each test
 * and closed after it (after the class's own {@code @AfterEach} methods):
 * {@code @RegisterExtension final JettyNodes cluster = new JettyNodes(REDIS);}
 */
public final class JettyNodes implements BeforeEachCallback, AfterEachCallback
{
    /** The key prefix every node of the test shares. */
    private final String prefix = RedisTestServer.uniquePrefix();
    /** Session id to the number of {@code sessionDestroyed} calls, across the nodes. */
    private final Map<String, AtomicInteger> destroyed = JettyNode.newCounter();
    private final TestRedis redisServer;
    private final Consumer<HttpClient> clientSetup;
    private final List<JettyNode> nodes = new ArrayList<>();
    private HttpClient client;
    private UnifiedJedis redis;

    /**
     * @param redisServer the Redis the nodes share
     */
    public JettyNodes(TestRedis redisServer)
    {
        this(redisServer, client -> {});
    }

    /**
     * @param redisServer the Redis the nodes share
     * @param clientSetup configures the HTTP client before it starts
     */
    public JettyNodes(TestRedis redisServer, Consumer<HttpClient> clientSetup)
    {
        this.redisServer = redisServer;
        this.clientSetup = clientSetup;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception
    {
        client = new HttpClient();
        clientSetup.accept(client);
        client.start();
        redis = redisServer.newClient();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception
    {
        for (JettyNode node : nodes)
            node.close();
        nodes.clear();
        client.stop();
        redis.close();
    }

    /** @return the key prefix every node of the test shares */
    public String prefix()
    {
        return prefix;
    }

    /** @return the HTTP client of the test (it keeps cookies unless the setup given to the constructor changed that) */
    public HttpClient client()
    {
        return client;
    }

    /** @return a client of the nodes' Redis, for assertions */
    public UnifiedJedis redis()
    {
        return redis;
    }

    /** @return the body of the answer to a GET */
    public String get(String url) throws Exception
    {
        return client.GET(url).getContentAsString();
    }

    /** @return the body of the answer to a GET; for conditions, which cannot throw checked exceptions */
    public String getUnchecked(String url)
    {
        try
        {
            return get(url);
        }
        catch (Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** @return how many times {@code sessionDestroyed} fired for a session, across the nodes */
    public int destroyedCount(String id)
    {
        AtomicInteger count = destroyed.get(id);
        return count == null ? 0 : count.get();
    }

    /** @return the key layout of the nodes' webapp, {@code /app} on any virtual host */
    public SessionKeys keys()
    {
        return new SessionKeys(prefix, "_app", "0.0.0.0");
    }

    /** Waits until every node of the test has finished every request it received, session saves included. */
    public void awaitIdle() throws InterruptedException
    {
        for (JettyNode node : nodes)
            node.awaitIdle();
    }

    /** @return a started node of the test */
    public JettyNode start(String name, JettyNode.Cache cache) throws Exception
    {
        return start(name, cache, node -> {});
    }

    /** @return a node of the test, configured before it starts */
    public JettyNode start(String name, JettyNode.Cache cache, Consumer<JettyNode> configure) throws Exception
    {
        JettyNode node = new JettyNode(name, redisServer.uri(), prefix, cache, destroyed);
        configure.accept(node);
        nodes.add(node.start());
        return node;
    }
}
