// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis restarted with its data answers {@code LOADING} to every command until it has read it all back
 * (seconds for a large data set): to the sessions, that is Redis not there yet, as when it is down (README,
 * "When Redis fails"), not an unreadable session, which would be replaced by a new one, nor a failed save.
 */
public class RedisLoadingIT
{
    /** Filler keys of 3 KB, and how long Redis takes over each as it loads: 2,000 x 2.5 ms, a 5 s load. */
    private static final int FILLER_KEYS = 2000;

    // Each key's load slowed down (microseconds), and events (commands, answered LOADING) handled every
    // kilobyte loaded rather than every 2 MB, so that a small data set loads long enough to be seen.
    @RegisterExtension
    @Order(1)
    final PrivateRedis redis = new PrivateRedis("--key-load-delay", "2500", "--loading-process-events-interval-bytes", "1024");

    @RegisterExtension
    @Order(2)
    final JettyNodes cluster = new JettyNodes(redis);

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void whileRedisLoadsItsDataSessionsAreNeitherReplacedNorLosingChanges(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache, n ->
        {
            n.sessions().setConnectTimeoutMs(300);
            n.sessions().setSocketTimeoutMs(300);
        });
        HttpClient client = cluster.client();
        String id = cluster.get(node.url("op=create"));
        assertEquals("ok", cluster.get(node.url("op=set&name=user&value=alice")));
        cluster.awaitIdle();
        String cookie = cluster.sessionCookie();
        redis.server().restartWithFiller(FILLER_KEYS, 3000);
        try (UnifiedJedis admin = redis.newClient())
        {
            JedisDataException loading = assertThrows(JedisDataException.class, admin::ping, "Redis is still loading");
            assertTrue(loading.getMessage().startsWith("LOADING"), loading.getMessage());

            if (cache.usesHeldWhileRedisDown())
            {
                // The node holds the session: it is served as it is, and its change kept.
                assertEquals("alice", cluster.get(node.url("op=get&name=user")));
                assertEquals("ok", cluster.get(node.url("op=set&name=cart&value=2-items")));
            }
            else
            {
                // Nobody can tell yet whether the user has a session: no new one is made in its place.
                ContentResponse create = client.GET(node.url("op=create"));
                assertEquals(HttpStatus.SERVICE_UNAVAILABLE_503, create.getStatus(), create.getContentAsString());
                assertNull(create.getHeaders().get(HttpHeader.SET_COOKIE));
                // A page using the session runs without it.
                assertEquals("none", cluster.get(node.url("op=get&name=user")));
            }
            assertEquals(cookie, cluster.sessionCookie());
            assertTrue(node.store().getCounters().getRedisLoading() >= 1, "counted by kind: " + node.store().getCounters());
            Await.until("Redis has loaded its data", Duration.ofSeconds(30), () -> RedisTestServer.answersPing(admin));
        }

        Await.until("the session is served with its data", Duration.ofSeconds(20),
            () -> "alice".equals(cluster.getQuietly(node.url("op=get&name=user"))));
        assertEquals(id, cluster.get(node.url("op=id")));
        if (cache.usesHeldWhileRedisDown())
        {
            // Read through a node that holds nothing: what Redis has.
            JettyNode reader = cluster.start("reader", JettyNode.Cache.NULL);
            Await.until("the change made while Redis loaded reaches it", Duration.ofSeconds(20),
                () -> "2-items".equals(cluster.getQuietly(reader.url("op=get&name=cart"))));
        }
    }

    /**
     * A node started while Redis loads its data (a rolling restart of both) starts: it cannot mark its expiry
     * index yet, and its first scavenge once Redis has loaded does; its sessions are indexed.
     */
    @Test
    public void aNodeStartsWhileRedisLoadsAndItsIndexIsMarkedOnceRedisHasLoaded() throws Exception
    {
        redis.server().restartWithFiller(FILLER_KEYS, 3000);
        try (UnifiedJedis admin = redis.newClient())
        {
            JettyNode node = cluster.start("node", JettyNode.Cache.DEFAULT, n ->
            {
                n.sessions().setConnectTimeoutMs(300);
                n.sessions().setSocketTimeoutMs(300);
            });
            assertTrue(node.store().isStarted(), "the sessions' store started");
            JedisDataException loading = assertThrows(JedisDataException.class, admin::ping,
                "Redis is still loading once the node has started: otherwise the test proves nothing");
            assertTrue(loading.getMessage().startsWith("LOADING"), loading.getMessage());

            Await.until("Redis has loaded its data", Duration.ofSeconds(30), () -> RedisTestServer.answersPing(admin));
            // The node may take Redis for down a little longer (its probe asks every second): 503 until then.
            AtomicReference<String> made = new AtomicReference<>();
            Await.until("a session is made", Duration.ofSeconds(20), () ->
            {
                made.set(cluster.getQuietly(node.url("op=create")));
                return made.get() != null;
            });
            String id = made.get();
            node.awaitScavenges(1);
            assertEquals(2, admin.zcard(cluster.keys().expiryIndex()), "the node's mark and its session");
            assertTrue(admin.zscore(cluster.keys().expiryIndex(), SessionKeys.bytes(id)) != null, "the session is indexed");
        }
    }

    /**
     * The scavenger meets a Redis that answers LOADING (to its pipelined index reads and claims too) while a
     * session's expiry passes: it claims nothing then, goes on running, and once Redis has loaded, expires the
     * session, once.
     */
    @Test
    public void theScavengerWaitsOutALoadingRedisAndThenExpiresWhatExpiredMeanwhile() throws Exception
    {
        JettyNode node = cluster.start("node", JettyNode.Cache.NULL, n ->
        {
            n.sessions().setConnectTimeoutMs(300);
            n.sessions().setSocketTimeoutMs(300);
        });
        long expiresAt = System.currentTimeMillis() + 3000;
        String id = cluster.get(node.url("op=create&ttl=3"));
        cluster.awaitIdle();
        redis.server().restartWithFiller(FILLER_KEYS, 3000);
        try (UnifiedJedis admin = redis.newClient())
        {
            assertThrows(JedisDataException.class, admin::ping, "Redis is still loading");
            assertEquals(0, cluster.destroyedCount(id), "expired before Redis was restarted: the test proves nothing");
            Await.until("Redis has loaded its data", Duration.ofSeconds(30), () -> RedisTestServer.answersPing(admin));
            assertTrue(System.currentTimeMillis() > expiresAt, "the session's expiry passed while Redis was loading");
            Await.until("the session is expired", Duration.ofSeconds(20), () -> cluster.destroyedCount(id) == 1);
            // Jetty fires sessionDestroyed before it deletes the session.
            Await.until("the session is deleted from Redis", Duration.ofSeconds(10), () -> !admin.exists(cluster.keys().session(id)));
        }
        node.awaitScavenges(2);
        assertEquals(1, cluster.destroyedCount(id), "sessionDestroyed fired once");
    }
}
