// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.TcpProxy;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Redis that stops answering without closing anything (SIGSTOP: connections stay open, new ones are
 * accepted by the kernel and never served; or busy with one long command), as a stalled server or a silent
 * network does, or that answers slowly (a proxy that delays its replies): within the timeouts it is used as
 * usual; beyond them, once a node knows, its requests no longer wait for Redis; the scavenger goes on and
 * catches up when Redis is back.
 */
public class RedisStallIT
{
    private static final int TIMEOUT_MS = 1000;

    @RegisterExtension
    @Order(1)
    final PrivateRedis redis = new PrivateRedis("--enable-debug-command", "local");

    @RegisterExtension
    @Order(2)
    final JettyNodes cluster = new JettyNodes(redis);

    private JettyNode start(JettyNode.Cache cache) throws Exception
    {
        return cluster.start("node", cache, node ->
        {
            node.sessions().setConnectTimeoutMs(TIMEOUT_MS);
            node.sessions().setSocketTimeoutMs(TIMEOUT_MS);
        });
    }

    /** A browser of its own: its own cookie, so its own session. */
    private static HttpClient user() throws Exception
    {
        HttpClient user = new HttpClient();
        user.setHttpCookieStore(new HttpCookieStore.Default());
        user.start();
        return user;
    }

    /** Ways a Redis stops answering without closing its connections. */
    public enum Stall
    {
        /** The process is stopped (SIGSTOP), as a frozen VM or a paused container. */
        PAUSED,
        /** Redis is busy with one long command ({@code DEBUG SLEEP}), as with a slow script or a huge key. */
        BUSY
    }

    @ParameterizedTest
    @EnumSource(Stall.class)
    public void onceRedisIsKnownToBeStalledRequestsNoLongerWaitForIt(Stall stall) throws Exception
    {
        JettyNode node = start(JettyNode.Cache.NULL);
        RedisTestServer server = redis.server();
        ExecutorService busy = Executors.newSingleThreadExecutor();
        List<HttpClient> users = new ArrayList<>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                HttpClient user = user();
                users.add(user);
                user.GET(node.url("op=create"));
                assertEquals("ok", user.GET(node.url("op=set&name=user&value=u" + i)).getContentAsString());
            }
            node.awaitIdle();

            Future<?> busyFor = null;
            if (stall == Stall.PAUSED)
                server.pause();
            else
                busyFor = sleepRedis(busy, 6);
            try
            {
                // The first request finds out, within the timeouts (the call and its one retry).
                long first = timed(users.get(0), node);
                assertTrue(first < 4 * TIMEOUT_MS, "the first request took " + first + " ms");
                // The ones after it are answered without Redis: not one of them waits for a timeout.
                long slowest = 0;
                for (int i = 0; i < 20; i++)
                    slowest = Math.max(slowest, timed(users.get(i % users.size()), node));
                assertTrue(slowest < TIMEOUT_MS / 2, "a request took " + slowest + " ms while Redis was known to be stalled");
                // Each of those requests' loads is counted as one that could not reach Redis.
                assertTrue(node.store().getCounters().getLoadsUnreachable() >= 21, node.store().getCounters().toString());
                // By kind: the first timed out; the others were not sent, Redis being known down.
                assertTrue(node.store().getCounters().getRedisTimeouts() >= 1, node.store().getCounters().toString());
                assertTrue(node.store().getCounters().getRedisUnreachable() >= 20, node.store().getCounters().toString());
            }
            finally
            {
                if (stall == Stall.PAUSED)
                    server.resume();
                else
                    busyFor.get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < users.size(); i++)
            {
                HttpClient user = users.get(i);
                String expected = "u" + i;
                Await.until("user " + i + " has its session again", Duration.ofSeconds(5),
                    () -> expected.equals(userAttribute(user, node)));
            }
        }
        finally
        {
            busy.shutdownNow();
            for (HttpClient user : users)
                user.stop();
        }
    }

    /** Keeps Redis busy with one command for the given seconds, from a client of the test's own. */
    private Future<?> sleepRedis(ExecutorService executor, int seconds) throws Exception
    {
        CountDownLatch sent = new CountDownLatch(1);
        Future<?> done = executor.submit(() ->
        {
            // A timeout longer than the sleep: this client waits it out.
            try (Jedis admin = new Jedis("127.0.0.1", redis.server().port(), 1000 * (seconds + 10)))
            {
                admin.ping();
                sent.countDown();
                return admin.sendCommand(() -> SafeEncoder.encode("DEBUG"), "SLEEP", Integer.toString(seconds));
            }
        });
        assertTrue(sent.await(10, TimeUnit.SECONDS));
        Await.until("Redis busy with DEBUG SLEEP", Duration.ofSeconds(5), () -> !answersWithin(200));
        return done;
    }

    private boolean answersWithin(int timeoutMs)
    {
        try (Jedis probe = new Jedis("127.0.0.1", redis.server().port(), timeoutMs))
        {
            return "PONG".equals(probe.ping());
        }
        catch (JedisException e)
        {
            return false;
        }
    }

    private static String userAttribute(HttpClient user, JettyNode node)
    {
        try
        {
            return user.GET(node.url("op=get&name=user")).getContentAsString();
        }
        catch (Exception e)
        {
            return null;
        }
    }

    /** @return how long a request for the user's session took, in ms; it must not fail with a 5xx */
    private static long timed(HttpClient user, JettyNode node) throws Exception
    {
        long start = System.nanoTime();
        ContentResponse response = user.GET(node.url("op=get&name=user"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(response.getStatus() == HttpStatus.OK_200, "status " + response.getStatus() + ": " + response.getContentAsString());
        return ms;
    }

    @Test
    public void aSlowRedisIsUsedWithinTheTimeoutsAndTakenForDownBeyondThem() throws Exception
    {
        try (TcpProxy proxy = new TcpProxy(redis.server().port()))
        {
            JettyNode node = cluster.start("node", JettyNode.Cache.NULL, n ->
            {
                n.sessions().setUri(proxy.uri());
                n.sessions().setConnectTimeoutMs(TIMEOUT_MS);
                n.sessions().setSocketTimeoutMs(TIMEOUT_MS);
            });
            HttpClient user = user();
            try
            {
                user.GET(node.url("op=create"));
                assertEquals("ok", user.GET(node.url("op=set&name=user&value=alice")).getContentAsString());
                node.awaitIdle();

                // Slow, but within the timeouts: every request is served as usual.
                proxy.delayReplies(Duration.ofMillis(TIMEOUT_MS / 5));
                for (int i = 0; i < 3; i++)
                    assertEquals("alice", userAttribute(user, node));

                // Slower than the timeouts: Redis is taken for down after one request, and the ones after it
                // do not wait.
                proxy.delayReplies(Duration.ofMillis(3 * TIMEOUT_MS));
                long first = timed(user, node);
                assertTrue(first >= TIMEOUT_MS && first < 4 * TIMEOUT_MS, "the first request took " + first + " ms");
                long slowest = 0;
                for (int i = 0; i < 10; i++)
                    slowest = Math.max(slowest, timed(user, node));
                assertTrue(slowest < TIMEOUT_MS / 2, "a request took " + slowest + " ms while Redis was known to be too slow");

                proxy.delayReplies(Duration.ZERO);
                Await.until("the session is served again", Duration.ofSeconds(10), () -> "alice".equals(userAttribute(user, node)));
            }
            finally
            {
                user.stop();
            }
        }
    }

    @Test
    public void requestsThatFindThePoolBusyWaitWithinTheTimeoutAndNeverFailWith500() throws Exception
    {
        try (TcpProxy proxy = new TcpProxy(redis.server().port()))
        {
            JettyNode node = cluster.start("node", JettyNode.Cache.NULL, n ->
            {
                n.sessions().setUri(proxy.uri());
                n.sessions().setConnectTimeoutMs(TIMEOUT_MS);
                n.sessions().setSocketTimeoutMs(TIMEOUT_MS);
                n.sessions().setMaxConnections(2);
            });
            List<HttpClient> users = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(12);
            try
            {
                for (int i = 0; i < 12; i++)
                {
                    HttpClient user = user();
                    users.add(user);
                    user.GET(node.url("op=create"));
                    user.GET(node.url("op=set&name=user&value=u" + i));
                }
                node.awaitIdle();
                // Each command takes a third of the timeout: 12 requests at once queue for 2 connections.
                proxy.delayReplies(Duration.ofMillis(TIMEOUT_MS / 3));
                List<Future<Long>> timings = new ArrayList<>();
                for (HttpClient user : users)
                    timings.add(clients.submit(() -> timed(user, node)));
                long slowest = 0;
                for (Future<Long> timing : timings)
                    slowest = Math.max(slowest, timing.get(30, TimeUnit.SECONDS));
                // A request waits for a connection at most a timeout, then for its commands: never longer.
                assertTrue(slowest < 6 * TIMEOUT_MS, "a request took " + slowest + " ms");
            }
            finally
            {
                clients.shutdownNow();
                for (HttpClient user : users)
                    user.stop();
            }
        }
    }

    @Test
    public void theScavengerGoesOnThroughAStallAndExpiresWhatExpiredMeanwhile() throws Exception
    {
        JettyNode node = start(JettyNode.Cache.DEFAULT);
        String id = cluster.get(node.url("op=create&ttl=2"));
        node.awaitIdle();

        redis.server().pause();
        try
        {
            // Cycles that cannot reach Redis, while the session expires.
            node.awaitScavenges(3);
        }
        finally
        {
            redis.server().resume();
        }
        Await.until("the session expired once Redis is back", Duration.ofSeconds(20), () -> cluster.destroyedCount(id) == 1);
        Await.until("its key deleted", Duration.ofSeconds(10), () -> !cluster.redis().exists(cluster.keys().session(id)));
    }
}
