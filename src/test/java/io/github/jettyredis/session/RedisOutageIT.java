// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.CapturedLog;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.TestExecutors;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.util.SafeEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis stalls, goes away and comes back under a running server: what a user gets meanwhile (README,
 * "When Redis fails"), and that the server recovers by itself, without a restart.
 */
public class RedisOutageIT
{
    // A Redis per test: each test kills or pauses it, and one that fails half-way must not leave the next
    // test a dead Redis.
    @RegisterExtension
    @Order(1)
    final PrivateRedis redis = new PrivateRedis();

    @RegisterExtension
    @Order(2)
    final JettyNodes cluster = new JettyNodes(redis);

    @RegisterExtension
    @Order(3)
    final TestExecutors executors = new TestExecutors();

    private RedisTestServer redisServer;
    private JettyNode node;
    private HttpClient client;

    /** A node that finds a stalled Redis within 300 ms. */
    private void startNode(JettyNode.Cache cache) throws Exception
    {
        startNode(cache, 300);
    }

    private void startNode(JettyNode.Cache cache, int timeoutMs) throws Exception
    {
        redisServer = redis.server();
        node = cluster.start("node", cache, n ->
        {
            n.sessions().setConnectTimeoutMs(timeoutMs);
            n.sessions().setSocketTimeoutMs(timeoutMs);
        });
        client = cluster.client();
    }

    private String get(String query) throws Exception
    {
        return client.GET(node.url(query)).getContentAsString();
    }

    private String sessionCookie()
    {
        return client.getHttpCookieStore().all().stream().filter(c -> c.getName().equals("JSESSIONID"))
            .map(c -> c.getValue()).findFirst().orElse(null);
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aStalledRedisNeverReplacesALogin(JettyNode.Cache cache) throws Exception
    {
        startNode(cache);
        get("op=create");
        assertEquals("ok", get("op=set&name=user&value=alice"));
        node.awaitIdle();
        String cookie = sessionCookie();

        redisServer.pause();
        try
        {
            // A page that asks for a session, as a login page does.
            ContentResponse create = client.GET(node.url("op=create"));
            if (cache.usesHeldWhileRedisDown())
            {
                // The node holds the session: it is simply used.
                assertEquals(HttpStatus.OK_200, create.getStatus());
                assertEquals("alice", get("op=get&name=user"));
            }
            else
            {
                // Nobody can tell whether the user has a session: no new one is made in its place.
                assertEquals(HttpStatus.SERVICE_UNAVAILABLE_503, create.getStatus(), create.getContentAsString());
                assertNull(create.getHeaders().get(HttpHeader.SET_COOKIE));
            }
            assertEquals(cookie, sessionCookie());
        }
        finally
        {
            redisServer.resume();
        }
        Await.until("the session is read again", Duration.ofSeconds(10), () -> "alice".equals(getQuietly("op=get&name=user")));
        assertEquals(cookie, sessionCookie());
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void withoutRedisANewVisitorGets503AndTheServerRecoversByItself(JettyNode.Cache cache) throws Exception
    {
        startNode(cache);
        get("op=create");
        assertEquals("ok", get("op=set&name=user&value=alice"));
        node.awaitIdle();
        String cookie = sessionCookie();

        redisServer.kill();
        client.getHttpCookieStore().clear();
        // The first request to find Redis gone cannot know it yet; the ones after it are refused at once.
        client.GET(node.url("op=create"));
        client.getHttpCookieStore().clear();
        ContentResponse newVisitor = client.GET(node.url("op=create"));
        assertEquals(HttpStatus.SERVICE_UNAVAILABLE_503, newVisitor.getStatus());
        assertNull(newVisitor.getHeaders().get(HttpHeader.SET_COOKIE));

        redisServer.start();
        client.getHttpCookieStore().clear();
        Await.until("a new session is stored and read back", Duration.ofSeconds(20), () ->
        {
            client.getHttpCookieStore().clear();
            String id = getQuietly("op=create");
            return id != null && "ok".equals(getQuietly("op=set&name=k&value=after")) && "after".equals(getQuietly("op=get&name=k"));
        });
        assertTrue(cookie != null);
    }

    /**
     * A held session's expiry passes while Redis does not answer: the scavenge cannot claim it, and says so without
     * the session's id. It used to throw, and Jetty's scavenger logged the failure at WARN with the id of every
     * candidate, bearer credentials. Once Redis answers, the next scavenge expires the session, once: Jetty hands a
     * candidate over only once, so the store keeps it.
     */
    @Test
    public void aScavengeWhileRedisIsAwayLogsNoSessionIdAndTheSessionExpiresOnceItIsBack() throws Exception
    {
        redisServer = redis.server();
        // A grace period as in production, far longer than the test: only the node's own candidate expires the session
        // in time (the index's search looks a grace period back). The failed scavenge used to lose it.
        node = cluster.start("node", JettyNode.Cache.DEFAULT, n ->
        {
            n.sessions().setConnectTimeoutMs(300);
            n.sessions().setSocketTimeoutMs(300);
            n.sessions().setGracePeriodSec(600);
        });
        client = cluster.client();
        String id = get("op=create&ttl=2");
        node.awaitIdle();
        long expiresAt = Long.parseLong(cluster.redis().hget(SafeEncoder.encode(cluster.keys().session(id)), "#expiry"));
        String log;
        try (CapturedLog captured = CapturedLog.start())
        {
            redisServer.pause();
            try
            {
                Await.until("the session's expiry passed", Duration.ofSeconds(10), () -> System.currentTimeMillis() > expiresAt);
                // Its timer hands it over as it expires; the second cycle begun after that has it among its candidates.
                node.awaitScavenges(2);
                assertEquals(0, cluster.destroyedCount(id), "not expired while Redis cannot be asked");
            }
            finally
            {
                redisServer.resume();
            }
            log = captured.text();
        }
        assertFalse(log.contains(id), "the log must not hold the session id " + id + ":\n" + log);
        Await.until("the session is expired once Redis answers", Duration.ofSeconds(20), () -> cluster.destroyedCount(id) == 1);
        node.awaitScavenges(1);
        assertEquals(1, cluster.destroyedCount(id), "sessionDestroyed fired once");
    }

    // What FaultsUnderLoadIT saw with users retrying while Redis restarted with its data: Jetty makes a
    // session for a request whose own it could not read in two steps, "is the requested id in use?" then
    // "a new session"; Redis came back between them and the user's session was replaced by a new one.
    @Test
    public void redisAnsweringAgainBetweenTheTwoStepsOfANewSessionDoesNotReplaceTheUsersOwn() throws Exception
    {
        startNode(JettyNode.Cache.NULL);
        String id = get("op=create");
        node.awaitIdle();
        RedisSessionDataStore store = node.store();

        redisServer.pause();
        try
        {
            assertThrows(Exception.class, () -> store.exists(id));
        }
        finally
        {
            redisServer.resume();
        }
        long now = System.currentTimeMillis();
        HttpException.RuntimeException refused = assertThrows(HttpException.RuntimeException.class,
            () -> store.newSessionData("other", now, now, now, -1));
        assertEquals(HttpStatus.SERVICE_UNAVAILABLE_503, refused.getCode());
        // Only that step is refused: new sessions are made again once the node sees Redis back.
        Await.until("a new session is made again", Duration.ofSeconds(10), () ->
        {
            try
            {
                return store.newSessionData("other", now, now, now, -1) != null;
            }
            catch (HttpException.RuntimeException stillDown)
            {
                return false;
            }
        });
        assertEquals(id, get("op=id"));
    }

    @Test
    public void rightAfterARestartEveryUsersChangeIsKept() throws Exception
    {
        // The default timeouts: this test is about the connections a restart broke, which fail at once, and a slow
        // handshake with the restarted server on a busy host must not pass for an outage.
        startNode(JettyNode.Cache.NULL, Integer.parseInt(StoreProperty.SOCKET_TIMEOUT_MS.defaultValue()));
        // The users' requests must be the first to meet the connections the restart broke, not a scavenge.
        node.stopScavenging();
        ExecutorService executor = executors.newPool(12);
        List<String> outcomes = new ArrayList<>();
        for (int round = 0; round < 3; round++)
        {
            // Concurrent traffic leaves the pool full of connections, which a restart breaks all at once.
            runUsers(executor, 12, () ->
            {
                for (int i = 0; i < 10; i++)
                    get("op=create");
                return "kept";
            });
            // A request's last save happens as it leaves, after its client has the response: one still under way
            // when Redis is killed fails, and the node rightly takes Redis for down until a probe finds it back,
            // refusing new sessions meanwhile (503). The restart must come while the node is idle.
            node.awaitIdle();
            redisServer.kill();
            redisServer.start();
            assertFalse(node.store().isRedisDown(), "nothing of the node's asked Redis while it was gone");

            int thisRound = round;
            outcomes.addAll(runUsers(executor, 12, () ->
            {
                HttpClient user = new HttpClient();
                user.start();
                try
                {
                    ContentResponse create = user.GET(node.url("op=create"));
                    ContentResponse set = user.GET(node.url("op=set&name=k&value=v"));
                    ContentResponse read = user.GET(node.url("op=get&name=k"));
                    if ("ok".equals(set.getContentAsString()) && "v".equals(read.getContentAsString()))
                        return "kept";
                    return "round " + thisRound + " lost: create " + create.getStatus() + ", set " + set.getStatus() + " '" +
                        set.getContentAsString() + "', get " + read.getStatus() + " '" + read.getContentAsString() + "'";
                }
                finally
                {
                    user.stop();
                }
            }));
        }
        assertEquals(36, outcomes.stream().filter("kept"::equals).count(), outcomes.toString());
    }

    private List<String> runUsers(ExecutorService executor, int users, Callable<String> user) throws Exception
    {
        List<CompletableFuture<String>> all = new ArrayList<>();
        for (int i = 0; i < users; i++)
        {
            all.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return user.call();
                }
                catch (Exception e)
                {
                    return e.toString();
                }
            }, executor));
        }
        List<String> results = new ArrayList<>();
        for (CompletableFuture<String> one : all)
            results.add(one.get(60, TimeUnit.SECONDS));
        return results;
    }

    private String getQuietly(String query)
    {
        try
        {
            ContentResponse response = client.GET(node.url(query));
            return response.getStatus() == HttpStatus.OK_200 ? response.getContentAsString() : null;
        }
        catch (Exception e)
        {
            return null;
        }
    }
}
