// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import io.github.jettyredis.session.RedisSessionCache;
import io.github.jettyredis.session.internal.SessionKeys;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpStatus;
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

    /**
     * @param node a node of the test's
     * @return the id of a new session of the node's, holding {@code user=alice}, once its saves are done
     * @throws Exception if a request fails or answers otherwise
     */
    public String aliceLoggedIn(JettyNode node) throws Exception
    {
        String id = get(node.url("op=create"));
        String set = get(node.url("op=set&name=user&value=alice"));
        if (!"ok".equals(set))
            throw new IllegalStateException("op=set answered " + set);
        node.awaitIdle();
        return id;
    }

    /**
     * @return the body of a 200 answer to a GET, or null for any other answer or a failure; for conditions polled
     * while Redis comes back
     */
    public String getQuietly(String url)
    {
        try
        {
            ContentResponse response = client.GET(url);
            return response.getStatus() == HttpStatus.OK_200 ? response.getContentAsString() : null;
        }
        catch (Exception e)
        {
            return null;
        }
    }

    /** @return the session cookie's value in the test's client, null if it has none */
    public String sessionCookie()
    {
        return client.getHttpCookieStore().all().stream().filter(c -> c.getName().equals("JSESSIONID"))
            .map(c -> c.getValue()).findFirst().orElse(null);
    }

    /** @return how many times {@code sessionDestroyed} fired for a session, across the nodes */
    public int destroyedCount(String id)
    {
        AtomicInteger count = destroyed.get(id);
        return count == null ? 0 : count.get();
    }

    /**
     * Puts another node's lease on a session in its hash, as that node's save would: a default lease from
     * Redis's clock now, not marked wanted.
     *
     * @param id the session id
     * @param holder the other node's name
     */
    public void leaseOfAnotherNode(String id, String holder)
    {
        long now = (Long)redis.eval("local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000)");
        redis.hset(keys().session(id), SessionKeys.bytes("#lease"), SessionKeys.bytes(holder + "@" + (now + RedisSessionCache.DEFAULT_LEASE_MS)));
    }

    /**
     * Another node's lease on a session, taken now and renewed every 100 ms whether wanted or not (as a node of a
     * build without the wanted mark would), for at most 30 s.
     *
     * @param id the session id
     * @param holder the other node's name
     * @return stops the renewals when closed, and waits for the last
     */
    public AutoCloseable leaseRenewedByAnotherNode(String id, String holder)
    {
        leaseOfAnotherNode(id, holder);
        AtomicBoolean renewing = new AtomicBoolean(true);
        CompletableFuture<Void> otherNode = CompletableFuture.runAsync(() ->
        {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (renewing.get() && System.nanoTime() < deadline)
            {
                leaseOfAnotherNode(id, holder);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        });
        return () ->
        {
            renewing.set(false);
            otherNode.get(10, TimeUnit.SECONDS);
        };
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
