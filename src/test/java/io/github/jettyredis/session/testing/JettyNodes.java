// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.github.jettyredis.session.internal.SessionKeys;
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

    // Everything is closed even when something fails to close: the first failure is thrown, the others added to it.
    @Override
    public void afterEach(ExtensionContext context) throws Exception
    {
        List<AutoCloseable> all = new ArrayList<>(nodes);
        nodes.clear();
        if (client != null)
            all.add(client::stop);
        if (redis != null)
            all.add(redis);
        Exception failure = null;
        for (AutoCloseable closeable : all)
        {
            try
            {
                closeable.close();
            }
            catch (Exception e)
            {
                if (failure == null)
                    failure = e;
                else
                    failure.addSuppressed(e);
            }
        }
        if (failure != null)
            throw failure;
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

    /** What a test does while a request of a node waits in its session. */
    @FunctionalInterface
    public interface Meanwhile
    {
        /** @throws Exception if it fails */
        void run() throws Exception;
    }

    /**
     * Sends a node a request that takes its session and waits in it ({@code op=hold}, see {@link JettyNode#hold}),
     * runs {@code meanwhile} once the request is in the session, then lets it finish.
     *
     * @param node the node
     * @param holdQuery the request's query: {@code op=hold} and what it does once let go
     * @param meanwhile what to do while the request is in the session
     * @return the body of the held request's answer
     * @throws Exception if {@code meanwhile} fails, or the request does not reach its session or finish in time
     */
    public String whileInTheSession(JettyNode node, String holdQuery, Meanwhile meanwhile) throws Exception
    {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try
        {
            Future<String> held = thread.submit(() -> get(node.url(holdQuery)));
            if (!node.hold().awaitEntered(Duration.ofSeconds(10)))
                throw new AssertionError("The request " + holdQuery + " did not reach its session in time");
            meanwhile.run();
            node.hold().release();
            return held.get(10, TimeUnit.SECONDS);
        }
        finally
        {
            node.hold().release();
            thread.shutdownNow();
        }
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

    /**
     * Waits until every node of the test has finished every request it received, session saves included.
     *
     * @throws InterruptedException if interrupted meanwhile
     */
    public void awaitIdle() throws InterruptedException
    {
        for (JettyNode node : nodes)
            node.awaitIdle();
    }

    /**
     * Waits until the scavenger of every running node of the test has run {@code cycles} whole cycles that
     * began after the call (the nodes scavenge at the same time, so this takes as long as one node's
     * cycles): how a test sees that "nothing happens" without sleeping for a guessed time.
     *
     * @param cycles how many cycles
     * @throws InterruptedException if interrupted meanwhile
     */
    public void awaitScavenges(int cycles) throws InterruptedException
    {
        List<JettyNode.ScavengeMark> marks = nodes.stream().filter(node -> node.server().isRunning())
            .map(JettyNode::markScavenges).toList();
        Await.until(cycles + " scavenge cycles on each of " + marks.size() + " nodes", JettyNode.ScavengeMark.timeout(cycles),
            () -> marks.stream().allMatch(mark -> mark.passed(cycles)));
    }

    /**
     * @param name the node's worker name
     * @param cache which session cache
     * @return a started node of the test
     * @throws Exception if it does not start
     */
    public JettyNode start(String name, JettyNode.Cache cache) throws Exception
    {
        return start(name, cache, node -> {});
    }

    /**
     * @param name the node's worker name
     * @param cache which session cache
     * @param configure changes the node before it starts (its factory, handlers, webapp)
     * @return a started node of the test, closed after the test
     * @throws Exception if it does not start
     */
    public JettyNode start(String name, JettyNode.Cache cache, Consumer<JettyNode> configure) throws Exception
    {
        return start(name, NodeWebapp.Environment.EE10, cache, configure);
    }

    /**
     * @param name the node's worker name
     * @param environment the Jakarta EE environment of its webapp
     * @param cache which session cache
     * @param configure changes the node before it starts (its factory, handlers, webapp)
     * @return a started node of the test, closed after the test
     * @throws Exception if it does not start
     */
    public JettyNode start(String name, NodeWebapp.Environment environment, JettyNode.Cache cache, Consumer<JettyNode> configure)
        throws Exception
    {
        JettyNode node = new JettyNode(name, environment, redisServer.uri(), prefix, cache, destroyed);
        // Listed before it starts, so that it is closed (its directory removed) whatever happens next.
        nodes.add(node);
        configure.accept(node);
        return node.start();
    }
}
