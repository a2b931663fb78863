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
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Redis that answers but cannot serve for now, as during a failover: a master that a failover demoted, still
 * reached through a pooled connection or a DNS name, answers writes with {@code READONLY}; a replica whose
 * master is gone, set not to serve stale data, answers {@code MASTERDOWN} (as a cluster without a master for a
 * slot answers {@code CLUSTERDOWN}). To the sessions that is Redis not there for now (README, "When Redis
 * fails"): held sessions are served and their changes kept until Redis takes writes again; a session is never
 * taken for unreadable, replaced, or lost. The test makes the private Redis a replica of a port nobody listens
 * on: it keeps its data and never syncs.
 */
public class RedisNotServingIT
{
    @RegisterExtension
    @Order(1)
    final PrivateRedis redis = new PrivateRedis();

    @RegisterExtension
    @Order(2)
    final JettyNodes cluster = new JettyNodes(redis);

    /** What a test does while Redis does not serve, with a connection to it. */
    @FunctionalInterface
    private interface WhileNotServing
    {
        void run(Jedis admin) throws Exception;
    }

    /**
     * Makes the private Redis a replica of a master that is not there (answering writes {@code READONLY}; with
     * {@code staleReads} false, reads {@code MASTERDOWN} too), runs {@code meanwhile}, then makes it a master again.
     */
    private void whileNotServing(boolean staleReads, WhileNotServing meanwhile) throws Exception
    {
        try (Jedis admin = redis.server().connect())
        {
            try
            {
                admin.configSet("replica-serve-stale-data", staleReads ? "yes" : "no");
                admin.replicaof("127.0.0.1", RedisTestServer.freePort());
                JedisDataException readOnly = assertThrows(JedisDataException.class, () -> admin.set("probe", "x"));
                assertTrue(readOnly.getMessage().startsWith("READONLY"), readOnly.getMessage());
                if (!staleReads)
                {
                    JedisDataException masterDown = assertThrows(JedisDataException.class, () -> admin.get("probe"));
                    assertTrue(masterDown.getMessage().startsWith("MASTERDOWN"), masterDown.getMessage());
                }
                meanwhile.run(admin);
            }
            finally
            {
                admin.configSet("replica-serve-stale-data", "yes");
                admin.replicaofNoOne();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void changesARedisRefusesAsReadOnlyAreKeptAndWrittenOnceItTakesWritesAgain(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        String id = cluster.aliceLoggedIn(node);
        whileNotServing(true, admin ->
        {
            // The request that changes the session succeeds: its save is kept, not failed.
            ContentResponse set = cluster.client().GET(node.url("op=set&name=cart&value=2-items"));
            assertEquals(HttpStatus.OK_200, set.getStatus(), set.getContentAsString());
            node.awaitIdle();
            if (cache.usesHeldWhileRedisDown())
            {
                // Served with its change.
                assertEquals("2-items", cluster.get(node.url("op=get&name=cart")));
                assertEquals(id, cluster.get(node.url("op=create")), "no new session in its place");
            }
            else
            {
                // As while Redis is down: the request runs without the session rather than with what a replica
                // holds, which other nodes' changes on the new master or this node's save could make older.
                assertEquals("none", cluster.get(node.url("op=get&name=cart")));
                ContentResponse create = cluster.client().GET(node.url("op=create"));
                assertEquals(HttpStatus.SERVICE_UNAVAILABLE_503, create.getStatus(), "no new session in its place: " + create.getContentAsString());
                assertNull(create.getHeaders().get(HttpHeader.SET_COOKIE));
            }
            assertEquals(1, node.store().getUnsavedSessions(), "the change is kept until Redis takes writes");
            assertTrue(node.store().getCounters().getRedisNotTheMaster() >= 1, "counted by kind: " + node.store().getCounters());
            assertNull(admin.hget(cluster.keys().session(id), "cart".getBytes()), "Redis took no write");
        });
        // Written without a request (a second after the last refusal, or at a scavenge).
        JettyNode reader = cluster.start("reader", JettyNode.Cache.NULL);
        Await.until("the change made while Redis was read-only reaches it", Duration.ofSeconds(20),
            () -> "2-items".equals(cluster.getQuietly(reader.url("op=get&name=cart"))));
        assertEquals("alice", cluster.get(reader.url("op=get&name=user")));
        assertEquals(id, cluster.get(node.url("op=id")));
        Await.until("nothing is left kept", Duration.ofSeconds(10), () -> node.store().getUnsavedSessions() == 0);
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aRedisAnsweringMasterDownTakesNoSessionForUnreadable(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        String id = cluster.aliceLoggedIn(node);
        String cookie = cluster.sessionCookie();
        whileNotServing(false, admin ->
        {
            if (cache.usesHeldWhileRedisDown())
            {
                assertEquals("alice", cluster.get(node.url("op=get&name=user")));
                assertEquals("ok", cluster.get(node.url("op=set&name=cart&value=2-items")));
            }
            else
            {
                // Nobody can tell whether the user has a session: no new one is made in its place.
                ContentResponse create = cluster.client().GET(node.url("op=create"));
                assertEquals(HttpStatus.SERVICE_UNAVAILABLE_503, create.getStatus(), create.getContentAsString());
                assertNull(create.getHeaders().get(HttpHeader.SET_COOKIE));
                assertEquals("none", cluster.get(node.url("op=get&name=user")));
            }
            assertEquals(cookie, cluster.sessionCookie());
            assertEquals(0, node.store().getCounters().getLoadsUnreadable(), "no session taken for unreadable: " + node.store().getCounters());
        });
        Await.until("the session is served with its data", Duration.ofSeconds(20),
            () -> "alice".equals(cluster.getQuietly(node.url("op=get&name=user"))));
        assertEquals(id, cluster.get(node.url("op=id")));
        if (cache.usesHeldWhileRedisDown())
        {
            JettyNode reader = cluster.start("reader", JettyNode.Cache.NULL);
            Await.until("the change made meanwhile reaches it", Duration.ofSeconds(20),
                () -> "2-items".equals(cluster.getQuietly(reader.url("op=get&name=cart"))));
        }
    }

    /**
     * A logout is never lost: kept, as while Redis is down, and made once Redis takes writes again, even of a
     * session whose last change Redis refused too; and a login after it gets a new id, not the old one again.
     * (With the other caches, as while Redis is down, a session whose change is kept is not served meanwhile.)
     */
    @ParameterizedTest
    @EnumSource(value = JettyNode.Cache.class, names = {"DEFAULT", "REDIS"})
    public void aLogoutARedisRefusesAsReadOnlyIsMadeOnceItTakesWritesAgain(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        String id = cluster.aliceLoggedIn(node);
        AtomicReference<String> newId = new AtomicReference<>();
        whileNotServing(true, admin ->
        {
            assertEquals("ok", cluster.get(node.url("op=set&name=cart&value=2-items")));
            assertEquals("ok", cluster.get(node.url("op=invalidate")));
            node.awaitIdle();
            assertTrue(admin.exists(cluster.keys().session(id)), "Redis took no deletion");
            assertEquals("none", cluster.get(node.url("op=get&name=user")), "logged out on the node at once");
            newId.set(cluster.get(node.url("op=create")));
            assertNotEquals(id, newId.get(), "a login after the logout gets a new id");
        });
        try (UnifiedJedis admin = redis.newClient())
        {
            Await.until("the logout reaches Redis", Duration.ofSeconds(20), () -> !admin.exists(cluster.keys().session(id)));
            Await.until("the new session reaches Redis", Duration.ofSeconds(20), () -> admin.exists(cluster.keys().session(newId.get())));
        }
        JettyNode reader = cluster.start("reader", JettyNode.Cache.NULL);
        assertEquals(newId.get(), cluster.get(reader.url("op=id")));
        assertEquals("null", cluster.get(reader.url("op=get&name=cart")), "the logged-out session's change is not the new one's");
    }

    /**
     * A session made while Redis refuses writes is served by a cache that holds it (the others, as while Redis is
     * down, run its requests without it meanwhile), and reaches Redis once it takes writes.
     */
    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aSessionMadeWhileRedisIsReadOnlyReachesRedisOnceItTakesWrites(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        AtomicReference<String> id = new AtomicReference<>();
        whileNotServing(true, admin ->
        {
            id.set(cluster.get(node.url("op=create")));
            node.awaitIdle();
            assertEquals(cache.usesHeldWhileRedisDown() ? "ok" : "none", cluster.get(node.url("op=set&name=cart&value=1-item")));
            if (!cache.usesHeldWhileRedisDown())
            {
                // Nor is a new session made in its place, under another id: the user keeps the one Redis will get.
                ContentResponse create = cluster.client().GET(node.url("op=create"));
                assertEquals(HttpStatus.SERVICE_UNAVAILABLE_503, create.getStatus(), create.getContentAsString());
                assertNull(create.getHeaders().get(HttpHeader.SET_COOKIE));
            }
            assertFalse(admin.exists(cluster.keys().session(id.get())), "Redis took no write");
        });
        JettyNode reader = cluster.start("reader", JettyNode.Cache.NULL);
        Await.until("the session reaches Redis", Duration.ofSeconds(20), () -> id.get().equals(cluster.getQuietly(reader.url("op=id"))));
        assertEquals(cache.usesHeldWhileRedisDown() ? "1-item" : "null", cluster.get(reader.url("op=get&name=cart")));
    }

    /**
     * A node started while its Redis is a replica (a rolling restart during a failover) starts: it cannot mark its
     * expiry index, which its first scavenge once Redis takes writes does; a session made meanwhile reaches Redis
     * then, and is indexed.
     */
    @Test
    public void aNodeStartsWhileRedisIsReadOnlyAndItsIndexIsMarkedOnceItTakesWrites() throws Exception
    {
        AtomicReference<JettyNode> started = new AtomicReference<>();
        AtomicReference<String> id = new AtomicReference<>();
        whileNotServing(true, admin ->
        {
            started.set(cluster.start("node", JettyNode.Cache.DEFAULT));
            id.set(cluster.get(started.get().url("op=create")));
            started.get().awaitIdle();
            assertFalse(admin.exists(cluster.keys().session(id.get())), "Redis took no write");
        });
        started.get().awaitScavenges(1);
        Await.until("the session reaches Redis", Duration.ofSeconds(20), () -> cluster.redis().exists(cluster.keys().session(id.get())));
        Await.until("it is indexed", Duration.ofSeconds(20),
            () -> cluster.redis().zscore(cluster.keys().expiryIndex(), SessionKeys.bytes(id.get())) != null);
    }

    /**
     * @return a node with the coherent cache, and the client's session on it with {@code n} at 2, leased. The lease
     * is long: the test's steps on a slow machine do not outlast it, so only a voided lease goes unused
     */
    private JettyNode nodeLeasingASession() throws Exception
    {
        JettyNode node = cluster.start("node", JettyNode.Cache.REDIS, n -> ((RedisSessionCacheFactory)n.cacheFactory()).setLeaseMs(30_000));
        cluster.get(node.url("op=create"));
        assertEquals("1", cluster.get(node.url("op=incr&name=n")));
        assertEquals("2", cluster.get(node.url("op=incr&name=n")));
        return node;
    }

    private static RedisSessionCache cache(JettyNode node)
    {
        return (RedisSessionCache)node.webapp().getSessionHandler().getSessionCache();
    }

    private void assertUsesItsLease(JettyNode node) throws Exception
    {
        node.awaitIdle();
        long leased = cache(node).getLeasedHits();
        assertEquals("2", cluster.get(node.url("op=get&name=n")));
        assertEquals(leased + 1, cache(node).getLeasedHits(), "the node uses its lease");
    }

    /**
     * A node that a replica answered may be talking to a master a failover demoted, which other nodes no longer
     * reach: it stops using its leases (whose requests would not ask Redis), and checks its copies again. Here
     * another user's save is refused, and the leased session (with no change kept) is checked at its next request.
     */
    @Test
    public void aNodeStopsUsingItsLeasesOnceAReplicaAnswersIt() throws Exception
    {
        JettyNode node = nodeLeasingASession();
        RedisSessionCache cache = cache(node);
        HttpClient otherUser = new HttpClient();
        otherUser.start();
        try
        {
            otherUser.GET(node.url("op=create"));
            assertUsesItsLease(node);
            whileNotServing(true, admin ->
            {
                assertEquals("ok", otherUser.GET(node.url("op=set&name=cart&value=1-item")).getContentAsString());
                node.awaitIdle();
                long leasedBefore = cache.getLeasedHits();
                long checkedBefore = cache.getCurrentHits() - leasedBefore;
                assertEquals("2", cluster.get(node.url("op=get&name=n")));
                assertEquals(leasedBefore, cache.getLeasedHits(), "no request uses a lease after a replica's answer");
                assertEquals(checkedBefore + 1, cache.getCurrentHits() - cache.getLeasedHits(), "the copy was checked against Redis");
            });
        }
        finally
        {
            otherUser.stop();
        }
    }

    /**
     * The check of the held sessions (as when the deletion listener listens again) answered {@code MASTERDOWN} by a
     * replica is a failed call like any other: counted, and the node's leases are void. Its replies used to be read
     * after the call had gone through, and their errors were seen by neither.
     */
    @Test
    public void aCheckOfTheHeldSessionsThatAReplicaAnswersIsCountedAndVoidsTheLeases() throws Exception
    {
        JettyNode node = nodeLeasingASession();
        RedisSessionCache cache = cache(node);
        assertUsesItsLease(node);
        node.awaitIdle();

        long notTheMaster = node.store().getCounters().getRedisNotTheMaster();
        whileNotServing(false, admin -> assertThrows(JedisException.class, () -> node.store().checkHeldSessions()));
        assertTrue(node.store().getCounters().getRedisNotTheMaster() > notTheMaster, "counted: " + node.store().getCounters());
        long leasedBefore = cache.getLeasedHits();
        assertEquals("2", cluster.get(node.url("op=get&name=n")));
        assertEquals(leasedBefore, cache.getLeasedHits(), "the lease is void");
    }

    /**
     * A load that failed because a replica refused the session's kept change turns away a new session under that
     * id only (Jetty reusing the requested id would write it over the change), not a new visitor's session that a
     * later request of the same thread makes under a new id.
     */
    @Test
    public void aLoadRefusedForAKeptChangeTurnsAwayANewSessionUnderItsIdOnly() throws Exception
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(redis.uri());
        factory.setPrefix(cluster.prefix());
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            SessionData data = store.newSessionData("kept1", now, now, now, 600_000);
            data.setAttribute("user", "alice");
            store.store("kept1", data);
            whileNotServing(true, admin ->
            {
                data.setAttribute("cart", "2 items");
                store.store("kept1", data);
                assertEquals(1, store.getUnsavedSessions());
                assertThrows(JedisException.class, () -> store.load("kept1"), "Redis's older copy is not read in its place");
                long later = System.currentTimeMillis();
                assertNotNull(store.newSessionData("visitor2", later, later, later, 600_000), "a new visitor is not turned away");
                HttpException.RuntimeException refused = assertThrows(HttpException.RuntimeException.class,
                    () -> store.newSessionData("kept1", later, later, later, 600_000));
                assertEquals(HttpStatus.SERVICE_UNAVAILABLE_503, refused.getCode());
            });
        }
    }
}
