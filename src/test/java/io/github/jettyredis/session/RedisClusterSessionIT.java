// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.internal.SessionScripts;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.RedisTestCluster;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisClusterCRC16;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store on a real three-master Redis Cluster ({@link RedisTestCluster#shared()}), beyond Jetty's suite
 * ({@link RedisClusterJettySuiteIT}): the sessions of one context spread over every master, and a
 * deletion on one Jetty node reaches the other's memory whichever masters the session's key (where the
 * delete script publishes) and the subscriber's connection are on: classic pub/sub spans the cluster.
 */
public class RedisClusterSessionIT
{
    private final String prefix = RedisTestServer.uniquePrefix();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(RedisTestCluster.shared());

    private RedisSessionDataStoreFactory clusterFactory()
    {
        return factoryOf(RedisTestCluster.shared());
    }

    private RedisSessionDataStoreFactory factoryOf(RedisTestCluster redisCluster)
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(redisCluster.uri());
        factory.setPrefix(prefix);
        return factory;
    }

    @Test
    public void sessionsOfOneContextSpreadOverTheMastersAndEveryOperationWorks() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(clusterFactory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            Set<String> ids = new HashSet<>();
            // 40 random slots leave a master without a session with a chance of 3 * (2/3)^40, about 2e-7.
            for (int i = 0; i < 40; i++)
            {
                String id = "cluster" + i;
                SessionData data = store.newSessionData(id, now, now, now, TimeUnit.MINUTES.toMillis(30));
                data.setAttribute("n", i);
                store.store(id, data);
                ids.add(id);
            }

            int mastersHoldingSessions = 0;
            for (RedisTestServer node : RedisTestCluster.shared().nodes())
            {
                try (Jedis jedis = new Jedis("127.0.0.1", node.port()))
                {
                    // KEYS on one node lists that node's keys only; fine on a test cluster.
                    if (!jedis.keys(prefix + "{*").isEmpty())
                        mastersHoldingSessions++;
                    // The store never loads scripts up front: each master got it from the NOSCRIPT fallback.
                    assertTrue(jedis.scriptExists(SessionScripts.WRITE.sha1()), "the write script is on " + node.port());
                }
            }
            assertEquals(3, mastersHoldingSessions, "the sessions of one context are spread over every master");

            for (String id : ids)
            {
                SessionData loaded = store.load(id);
                assertNotNull(loaded, id);
                assertEquals(Integer.parseInt(id.substring("cluster".length())), loaded.getAttribute("n"));
                assertTrue(store.exists(id));
            }
            assertEquals(Set.of(), store.getExpired(ids), "none is expired");
            for (String id : ids)
                assertTrue(store.delete(id), id);
            for (String id : ids)
                assertNull(store.load(id), id);
            try (UnifiedJedis redis = RedisTestCluster.shared().newClient())
            {
                assertEquals(0, redis.zcount(store.getKeys().expiryIndex(), Double.NEGATIVE_INFINITY, Double.MAX_VALUE), "the expiry index is emptied as sessions go");
            }
        }
    }

    @Test
    public void expiredSessionsOnEveryMasterAreClaimedSlotBySlot() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(clusterFactory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            Set<String> expired = new HashSet<>();
            // A claim script touches the keys of one hash slot only: the sessions' slots are all different,
            // and a script mixing them would fail with CROSSSLOT.
            for (int i = 0; i < 300; i++)
            {
                String id = "old" + i;
                SessionData data = store.newSessionData(id, now, now, now, 1_000);
                data.setExpiry(i % 3 == 0 ? now + TimeUnit.MINUTES.toMillis(30) : now - 10_000);
                store.store(id, data);
                if (i % 3 != 0)
                    expired.add(id);
            }
            // No grace period: what the index finds expired is due at once.
            store.setGracePeriodSec(0);
            assertEquals(expired, store.getExpired(Set.of()));
        }
    }

    /**
     * One master of the cluster is full: the claims of the expired sessions on it are refused, and those of the
     * sessions on the other masters go through. One refused batch used to fail the whole claim, so that no session
     * was expired while that master stayed full.
     */
    @Test
    public void aFullMasterCostsOnlyTheClaimsOfItsOwnSessions() throws Exception
    {
        try (RedisTestCluster own = RedisTestCluster.start(3);
             StoreHarness harness = new StoreHarness(factoryOf(own), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 30; i++)
            {
                String id = "old" + i;
                SessionData data = store.newSessionData(id, now, now, now, 1_000);
                data.setExpiry(now - 10_000);
                store.store(id, data);
                ids.add(id);
            }
            RedisTestServer full = own.nodes().get(0);
            Set<String> onFull = new HashSet<>();
            try (Jedis master = full.connect())
            {
                for (String key : master.keys(prefix + "{*"))
                    ids.stream().filter(id -> key.endsWith("_" + id + "}")).forEach(onFull::add);
                assertFalse(onFull.isEmpty(), "sessions on the master made full: the test proves nothing otherwise");
                assertTrue(onFull.size() < ids.size(), "and sessions on the others");
                master.configSet("maxmemory-policy", "noeviction");
                master.configSet("maxmemory", "1");
            }
            store.setGracePeriodSec(0);
            Set<String> onOthers = new HashSet<>(ids);
            onOthers.removeAll(onFull);
            assertEquals(onOthers, store.getExpired(Set.of()), "the sessions on the masters with room are claimed");
            assertTrue(store.getCounters().getRedisFull() > 0, "the refusal is counted: " + store.getCounters());
        }
    }

    /**
     * A session's hash slot moves to another master (resharding; a failover moves slots too): the store reads the
     * session, and saves another whose slot moved, on their new masters. Jedis does not follow {@code MOVED} for a
     * pipeline's command, and the store's reads and saves are pipelined: the session was taken for unreadable (which
     * makes Jetty invalidate it), and the save failed, until Jedis re-read the map of the slots (every 10 s, or when a
     * plain command met the move).
     */
    @Test
    public void sessionsWhoseSlotsMovedAreReadAndSavedOnTheirNewMasters() throws Exception
    {
        try (RedisTestCluster own = RedisTestCluster.start(3);
             StoreHarness harness = new StoreHarness(factoryOf(own), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            Map<String, SessionData> held = new HashMap<>();
            for (String id : List.of("read", "saved"))
            {
                SessionData data = store.newSessionData(id, now, now, now, TimeUnit.MINUTES.toMillis(30));
                data.setAttribute("n", 1);
                store.store(id, data);
                held.put(id, data);
            }
            // Each move met first by a read, then by a save: the first command to meet it makes Jedis learn the whole map.
            byte[] read = store.getKeys().session("read");
            RedisTestServer readOn = moveSlot(own.nodes(), JedisClusterCRC16.getSlot(read));
            SessionData loaded = store.load("read");
            assertNotNull(loaded, "read on its new master");
            assertEquals(1, loaded.getAttribute("n"));

            byte[] saved = store.getKeys().session("saved");
            RedisTestServer savedOn = moveSlot(own.nodes(), JedisClusterCRC16.getSlot(saved));
            // The node's own copy, as a cache holds it between requests.
            SessionData changed = held.get("saved");
            changed.setAttribute("n", 2);
            store.store("saved", changed);
            assertEquals(2, store.load("saved").getAttribute("n"));

            try (Jedis first = readOn.connect(); Jedis second = savedOn.connect())
            {
                assertTrue(first.exists(read), "the read session is on the master its slot moved to");
                assertTrue(second.exists(saved), "the saved session is on the master its slot moved to");
            }
            assertEquals(0, store.getCounters().getLoadsUnreadable(), store.getCounters().toString());
        }
    }

    /**
     * A client for one Redis ({@code redis://}) given a node of a Cluster: the store's start fails, saying what URI a
     * Cluster needs (it said only {@code MOVED}). Now that a pipeline's {@code MOVED} is a Redis not the master for now,
     * which a start lets through, it would otherwise start, and then miss every slot of the other nodes.
     */
    @Test
    public void aRedisUriGivenANodeOfAClusterFailsTheStartNamingTheClusterUri() throws Exception
    {
        RedisSessionDataStoreFactory factory = clusterFactory();
        // A master that does not hold the context's expiry index: the store's first write is redirected.
        int indexSlot = JedisClusterCRC16.getSlot(new SessionKeys(prefix, "_app", "0.0.0.0").expiryIndex());
        RedisTestServer other = null;
        for (RedisTestServer node : RedisTestCluster.shared().nodes())
        {
            try (Jedis jedis = node.connect())
            {
                if (!jedis.clusterNodes().lines().anyMatch(line -> line.contains("myself") && ownsSlot(line, indexSlot)))
                    other = node;
            }
        }
        assertNotNull(other);
        factory.setUri("redis://127.0.0.1:" + other.port());
        Exception failed = assertThrows(Exception.class, () -> new StoreHarness(factory, "/app").close());
        assertTrue(messages(failed).contains("redis-cluster://"), messages(failed));
    }

    /** @return whether a {@code CLUSTER NODES} line lists the slot among its ranges */
    private static boolean ownsSlot(String line, int slot)
    {
        String[] fields = line.split(" ");
        for (int i = 8; i < fields.length; i++)
        {
            String[] range = fields[i].split("-");
            if (range[0].startsWith("["))
                continue;
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            if (slot >= from && slot <= to)
                return true;
        }
        return false;
    }

    private static String messages(Throwable failure)
    {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause())
            text.append(t).append('\n');
        return text.toString();
    }

    /**
     * Moves a hash slot, and the keys in it, from the master that holds it to another, as {@code redis-cli --cluster
     * reshard} does; every node is told.
     *
     * @return the master it moved to
     */
    private static RedisTestServer moveSlot(List<RedisTestServer> nodes, int slot) throws Exception
    {
        RedisTestServer source = null;
        for (RedisTestServer node : nodes)
        {
            try (Jedis jedis = node.connect())
            {
                if (jedis.clusterCountKeysInSlot(slot) > 0)
                    source = node;
            }
        }
        assertNotNull(source, "a master holds the slot's keys");
        RedisTestServer target = nodes.get(0) == source ? nodes.get(1) : nodes.get(0);
        try (Jedis from = source.connect(); Jedis to = target.connect())
        {
            String fromId = from.clusterMyId();
            String toId = to.clusterMyId();
            to.clusterSetSlotImporting(slot, fromId);
            from.clusterSetSlotMigrating(slot, toId);
            for (String key : from.clusterGetKeysInSlot(slot, 100))
                from.migrate("127.0.0.1", target.port(), key, 0, 5000);
            for (RedisTestServer node : nodes)
            {
                try (Jedis jedis = node.connect())
                {
                    jedis.clusterSetSlotNode(slot, toId);
                }
            }
        }
        return target;
    }

    @Test
    public void invalidationOnOneNodeReachesTheOtherNodesMemoryAcrossRedisNodes() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.DEFAULT);
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.DEFAULT);
        // Several sessions, so that some keys (and so the masters whose delete script publishes) differ
        // from the master that B's subscription happens to be connected to.
        for (String colour : List.of("red", "green", "blue", "cyan", "grey"))
        {
            String id = cluster.get(a.url("op=create"));
            cluster.get(a.url("op=set&name=colour&value=" + colour));
            assertEquals(colour, cluster.get(b.url("op=get&name=colour")), "B holds the session in memory");

            assertTrue(b.holdsInMemory(id));
            cluster.get(a.url("op=invalidate"));
            assertFalse(cluster.redis().exists(cluster.keys().session(id)));
            // Asked without a request of B's, which would find the session deleted by itself.
            Await.until("B drops session " + id + " from memory", Duration.ofSeconds(2), () -> !b.holdsInMemory(id));
            assertEquals("none", cluster.get(b.url("op=get&name=colour")));
            assertEquals(1, cluster.destroyedCount(id), "sessionDestroyed fires once, on the node that invalidated");
        }
    }

    /**
     * The coherent cache (leases, the check and its scripts, the deletion listener) on Redis Cluster, five sessions
     * (and their new ids) in random slots: requests alternate between the nodes, and each sees the previous one's
     * change, timeout, new id and invalidation at once.
     */
    @Test
    public void theCoherentCacheKeepsBothNodesCurrentOnRedisCluster() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.REDIS);
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.REDIS);
        for (int session = 0; session < 5; session++)
        {
            cluster.get(a.url("op=create"));
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 6; i++)
                seen.add(cluster.get((i % 2 == 0 ? a : b).url("op=incr&name=n")));
            assertEquals(List.of("1", "2", "3", "4", "5", "6"), seen);

            assertEquals("ok", cluster.get(a.url("op=ttl&n=1234")));
            assertEquals("1234", cluster.get(b.url("op=interval")));
            String renewed = cluster.get(b.url("op=renew"));
            assertEquals(renewed, cluster.get(a.url("op=id")));
            assertEquals("6", cluster.get(a.url("op=get&name=n")));

            assertEquals("ok", cluster.get(a.url("op=invalidate")));
            assertEquals("none", cluster.get(b.url("op=get&name=n")));
            assertEquals(1, cluster.destroyedCount(renewed));
        }
    }

    @Test
    public void aUsersSessionsOnEveryMasterAreIndexedListedAndInvalidatedWithoutCrossSlotCommands() throws Exception
    {
        RedisSessionDataStoreFactory factory = clusterFactory();
        factory.setUserSessions(true);
        factory.setUserAttribute("login");
        try (StoreHarness harness = new StoreHarness(factory, "/app");
             UnifiedJedis redis = RedisTestCluster.shared().newClient())
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            Set<String> ids = new HashSet<>();
            // Sessions on every master, the user's set on one: each written with its user entry in one pipeline.
            for (int i = 0; i < 40; i++)
            {
                String id = "user" + i;
                SessionData data = store.newSessionData(id, now, now, now, TimeUnit.MINUTES.toMillis(30));
                data.setAttribute("login", "alice");
                store.store(id, data);
                ids.add(id);
            }
            byte[] userKey = store.getKeys().user(SessionKeys.userToken("alice"));
            assertEquals(40, redis.zcard(userKey));
            assertEquals(ids, new HashSet<>(store.getUserSessions().list("alice").stream().map(UserSession::id).toList()));

            // Logged out through the session cache (sessions on every master, each deleted with its user entry).
            assertEquals(40, store.getUserSessions().invalidateAll("alice"));
            assertFalse(redis.exists(userKey));
            for (String id : ids)
                assertFalse(redis.exists(store.getKeys().session(id)), id);
        }
    }
}
