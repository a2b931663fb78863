// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import io.github.jettyredis.session.testing.TestCertificates;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store behind a real Redis Sentinel ({@code redis-sentinel://} URI): sessions go to the master the
 * sentinel names, with the URI's password and database, and still do after the sentinel promotes a
 * replica because the master died, also when all of them speak TLS only ({@code rediss-sentinel://}).
 */
public class RedisSentinelSessionIT
{
    private static final String MASTER = "mymaster";

    private static SessionData session(RedisSessionDataStore store, String id, String colour)
    {
        long now = System.currentTimeMillis();
        SessionData data = store.newSessionData(id, now, now, now, TimeUnit.MINUTES.toMillis(30));
        data.setAttribute("colour", colour);
        return data;
    }

    private static Jedis connect(RedisTestServer server, String password, int database)
    {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().database(database);
        if (password != null)
            config.password(password);
        return new Jedis("127.0.0.1", server.port(), config.build());
    }

    /**
     * The master requires a password, the sentinel none: the URI's password must go to the master only
     * (a sentinel without a password refuses AUTH, so sending it there too would fail the start).
     */
    @Test
    public void aSessionStoredThroughTheSentinelIsOnTheMasterInTheUrisDatabase() throws Exception
    {
        String prefix = RedisTestServer.uniquePrefix();
        try (RedisTestServer master = RedisTestServer.startPrivate("--requirepass", "s3cret");
             RedisTestServer sentinel = RedisTestServer.startSentinel(MASTER, master.port(), "sentinel auth-pass " + MASTER + " s3cret"))
        {
            RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
            factory.setUri("redis-sentinel://:s3cret@127.0.0.1:" + sentinel.port() + "/" + MASTER + "/2");
            factory.setPrefix(prefix);
            try (StoreHarness harness = new StoreHarness(factory, "/app");
                 Jedis db2 = connect(master, "s3cret", 2);
                 Jedis db0 = connect(master, "s3cret", 0))
            {
                RedisSessionDataStore store = harness.store();
                assertFalse(store.getRedisAddress().contains("s3cret"), store.getRedisAddress());
                store.store("s1", session(store, "s1", "red"));

                assertEquals("red", store.load("s1").getAttribute("colour"));
                byte[] key = store.getKeys().session("s1");
                assertTrue(db2.exists(key), "the session is on the master, in database 2");
                assertFalse(db0.exists(key), "and not in database 0");
                assertEquals(1, db2.zcount(store.getKeys().expiryIndex(), Double.NEGATIVE_INFINITY, Double.MAX_VALUE));
            }
        }
    }

    /**
     * @param tls whether the server listens with TLS only, requires client certificates and replicates over
     * TLS ({@code tls-replication yes})
     * @param moreArgs more {@code redis-server} arguments
     * @return a new private server
     */
    private static RedisTestServer startServer(boolean tls, String... moreArgs)
    {
        if (!tls)
            return RedisTestServer.startPrivate(moreArgs);
        List<String> args = new ArrayList<>(List.of("--tls-auth-clients", "yes", "--tls-replication", "yes"));
        args.addAll(List.of(moreArgs));
        return RedisTestServer.startTls(TestCertificates.shared().server(), args.toArray(String[]::new));
    }

    /**
     * The master dies; the sentinel promotes the replica; the running store follows it (Jedis hears the
     * switch from the sentinel) and finds the sessions written before, with no restart. With TLS, everything
     * (sentinel, master, replica, replication) speaks TLS only and requires client certificates: the store
     * asks the sentinel and reaches both masters with its trust store and key store.
     */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    public void theStoreFollowsAFailoverToTheReplica(boolean tls) throws Exception
    {
        String prefix = RedisTestServer.uniquePrefix();
        withReplicatedMaster(tls, (servers, uri) ->
        {
            RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
            if (tls)
                TestCertificates.shared().configure(factory);
            factory.setUri(uri);
            factory.setPrefix(prefix);
            factory.setConnectTimeoutMs(500);
            factory.setSocketTimeoutMs(1000);
            try (StoreHarness harness = new StoreHarness(factory, "/app"))
            {
                RedisSessionDataStore store = harness.store();
                store.store("before", session(store, "before", "red"));
                byte[] beforeKey = store.getKeys().session("before");
                Await.until("the replica has the session", Duration.ofSeconds(5), () -> servers.replicaClient().exists(beforeKey));

                // Made before the master dies: while no master answers, no new session is made (503).
                SessionData after = session(store, "after", "blue");
                servers.failOver();
                // While no master answers, the save is kept; it reaches the new master once the store finds it.
                store.store("after", after);
                Await.until("the store writes to the new master", Duration.ofSeconds(20), () ->
                {
                    try (Jedis promoted = servers.replica().connect())
                    {
                        return promoted.exists(store.getKeys().session("after"));
                    }
                    catch (RuntimeException stillSwitching)
                    {
                        return false;
                    }
                });
                SessionData before = store.load("before");
                assertNotNull(before, "the session stored before the failover survived it");
                assertEquals("red", before.getAttribute("colour"));
                assertEquals("blue", store.load("after").getAttribute("colour"));
                // The sentinel closed the promoted replica's client connections (CLIENT KILL): connect again.
                try (Jedis promoted = servers.replica().connect())
                {
                    assertTrue(promoted.exists(store.getKeys().session("after")), "written to the promoted replica");
                }
            }
        });
    }

    /** A master, its replica in sync, and a sentinel that watches them, for one test. */
    private record ReplicatedMaster(RedisTestServer master, RedisTestServer replica, Jedis replicaClient, Jedis sentinelClient)
    {
        /** Kills the master and waits until the sentinel has promoted the replica. */
        void failOver() throws InterruptedException
        {
            master.kill();
            Await.until("the sentinel promotes the replica", Duration.ofSeconds(20), () ->
                List.of("127.0.0.1", Integer.toString(replica.port())).equals(sentinelClient.sentinelGetMasterAddrByName(MASTER)));
        }
    }

    @FunctionalInterface
    private interface WithReplicatedMaster
    {
        /**
         * @param servers the servers
         * @param uri the store's URI of the sentinel's master
         */
        void run(ReplicatedMaster servers, String uri) throws Exception;
    }

    /**
     * Runs a test against a master, its replica in sync and a sentinel that promotes the replica a second after
     * the master stops answering; all stopped after it.
     *
     * @param tls whether all of them speak TLS only and require client certificates
     */
    private static void withReplicatedMaster(boolean tls, WithReplicatedMaster test) throws Exception
    {
        try (RedisTestServer master = startServer(tls);
             RedisTestServer replica = startServer(tls, "--replicaof", "127.0.0.1", Integer.toString(master.port()));
             Jedis replicaClient = replica.connect())
        {
            Await.until("the replica is in sync", Duration.ofSeconds(10), () ->
                replicaClient.info("replication").contains("master_link_status:up"));
            String[] sentinelConfig = {"sentinel down-after-milliseconds " + MASTER + " 1000", "sentinel failover-timeout " + MASTER + " 10000"};
            // Started after the replica is attached, so that its first look at the master finds the replica.
            try (RedisTestServer sentinel = tls
                    ? RedisTestServer.startTlsSentinel(TestCertificates.shared().server(), MASTER, master.port(),
                        Stream.concat(Stream.of("tls-auth-clients yes"), Stream.of(sentinelConfig)).toArray(String[]::new))
                    : RedisTestServer.startSentinel(MASTER, master.port(), sentinelConfig);
                 Jedis sentinelClient = sentinel.connect())
            {
                Await.until("the sentinel knows the replica", Duration.ofSeconds(10), () -> !sentinelClient.sentinelReplicas(MASTER).isEmpty());
                test.run(new ReplicatedMaster(master, replica, replicaClient, sentinelClient),
                    (tls ? "rediss-sentinel" : "redis-sentinel") + "://127.0.0.1:" + sentinel.port() + "/" + MASTER);
            }
        }
    }

    private static JettyNode coherentNode(String name, String uri, String prefix) throws Exception
    {
        JettyNode node = new JettyNode(name, uri, prefix, JettyNode.Cache.REDIS, JettyNode.newCounter());
        node.sessions().setConnectTimeoutMs(500);
        node.sessions().setSocketTimeoutMs(1000);
        return node;
    }

    private static String get(HttpClient browser, JettyNode node, String query) throws Exception
    {
        return browser.GET(node.url(query)).getContentAsString();
    }

    /** @return whether the node answers {@code expected} to a request reading the counter, with Redis reachable */
    private static boolean reads(HttpClient browser, JettyNode node, String expected)
    {
        try
        {
            return expected.equals(get(browser, node, "op=get&name=n")) && !node.store().isRedisDown();
        }
        catch (Exception e)
        {
            return false;
        }
    }

    /**
     * Two nodes with the coherent cache, requests alternating between them: after the sentinel promotes the replica
     * (which had every change: the test waits for the replica's acknowledgement before the master dies), they go on
     * from the latest change, each request seeing the previous one's. Nothing is asked of them while no master
     * answers: which copies a node serves then is "Redis comes back" in the README.
     */
    @Test
    public void twoCoherentNodesGoOnFromTheLatestChangeAfterAFailover() throws Exception
    {
        String prefix = RedisTestServer.uniquePrefix();
        withReplicatedMaster(false, (servers, uri) ->
        {
            HttpClient browser = new HttpClient();
            browser.start();
            try (JettyNode a = coherentNode("nodeA", uri, prefix).start();
                 JettyNode b = coherentNode("nodeB", uri, prefix).start())
            {
                get(browser, a, "op=create");
                List<String> seen = new ArrayList<>();
                for (int i = 0; i < 4; i++)
                    seen.add(get(browser, i % 2 == 0 ? a : b, "op=incr&name=n"));
                a.awaitIdle();
                b.awaitIdle();
                try (Jedis toMaster = servers.master().connect())
                {
                    assertEquals(1, toMaster.waitReplicas(1, 5_000), "the replica acknowledged every write");
                }

                servers.failOver();
                Await.until("both nodes read the latest change from the new master", Duration.ofSeconds(20),
                    () -> reads(browser, a, "4") && reads(browser, b, "4"));

                for (int i = 0; i < 4; i++)
                    seen.add(get(browser, i % 2 == 0 ? b : a, "op=incr&name=n"));
                assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8"), seen);
            }
            finally
            {
                browser.stop();
            }
        });
    }
}
