// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A real Redis Cluster for tests: masters that are private {@link RedisTestServer}s in cluster mode, on free
 * ports whose cluster-bus ports (port + 10000) are free too, each given an equal range of the 16384 slots
 * and introduced to the others with {@code CLUSTER MEET}, all through Jedis (no {@code redis-cli}). No
 * replicas: the tests need slots spread over several nodes, not failover. {@link #shared()} is one cluster
 * per test JVM (its nodes are stopped when the JVM exits, as every {@link RedisTestServer} is).
 * {@link #startTls(int)} makes one whose nodes listen, and talk to one another, with TLS only.
 */
public final class RedisTestCluster implements TestRedis, AutoCloseable
{
    private static final int SLOTS = 16384;
    private static final int BUS_PORT_OFFSET = 10000;
    private static RedisTestCluster shared;

    private final List<RedisTestServer> nodes = new ArrayList<>();

    private RedisTestCluster()
    {
    }

    /** @return the three-master cluster shared by all tests of this JVM, started on first use */
    public static synchronized RedisTestCluster shared()
    {
        if (shared == null)
            shared = start(3);
        return shared;
    }

    /**
     * @param masters how many masters, at least 1
     * @return a new cluster of the caller's own, every node reporting {@code cluster_state:ok}; close it
     * when done
     */
    public static RedisTestCluster start(int masters)
    {
        return start(masters, false);
    }

    /**
     * @param masters how many masters, at least 1
     * @param moreArgs more {@code redis-server} arguments of every node, e.g. {@code "--tls-auth-clients", "yes"}
     * @return a new cluster whose nodes listen with TLS only ({@link RedisTestServer#startTls}) and use TLS on
     * the cluster bus too ({@code tls-cluster yes}); its {@link #uri()} is {@code rediss-cluster://...}
     */
    public static RedisTestCluster startTls(int masters, String... moreArgs)
    {
        return start(masters, true, moreArgs);
    }

    private static RedisTestCluster start(int masters, boolean tls, String... moreArgs)
    {
        RedisTestCluster cluster = new RedisTestCluster();
        String[] clusterArgs = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"};
        try
        {
            for (int i = 0; i < masters; i++)
            {
                // With tls-cluster, the bus listens on the TLS port + 10000, as it does on the plain port's without.
                cluster.nodes.add(tls
                    ? RedisTestServer.startTls(freeClusterPort(), TestCertificates.shared().server(), concat(concat(clusterArgs, "--tls-cluster", "yes"), moreArgs))
                    : RedisTestServer.startPrivate(freeClusterPort(), concat(clusterArgs, moreArgs)));
            }
            cluster.assignSlotsAndMeet();
            cluster.awaitOk(Duration.ofSeconds(30));
            return cluster;
        }
        catch (Exception | AssertionError e)
        {
            cluster.close();
            throw new IllegalStateException("Cannot start a Redis Cluster for tests", e);
        }
    }

    private static String[] concat(String[] first, String... more)
    {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** @return a free loopback port whose cluster-bus port (port + 10000) is free as well */
    private static int freeClusterPort() throws IOException
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int port = RedisTestServer.freePort();
            if (port + BUS_PORT_OFFSET > 65535)
                continue;
            try (ServerSocket bus = new ServerSocket(port + BUS_PORT_OFFSET, 1, InetAddress.getLoopbackAddress()))
            {
                return port;
            }
            catch (IOException taken)
            {
                // The bus port is in use: try another.
            }
        }
        throw new IOException("No free port pair (port, port + 10000) for a cluster node");
    }

    private void assignSlotsAndMeet()
    {
        int n = nodes.size();
        for (int i = 0; i < n; i++)
        {
            int first = i * SLOTS / n;
            int last = (i + 1) * SLOTS / n - 1;
            try (Jedis node = connect(nodes.get(i)))
            {
                try
                {
                    node.clusterAddSlotsRange(first, last);
                }
                catch (JedisDataException unknownCommand)
                {
                    // CLUSTER ADDSLOTSRANGE came with Redis 7; older servers take the slots one by one.
                    node.clusterAddSlots(IntStream.rangeClosed(first, last).toArray());
                }
                // Meeting the first node is enough: the cluster bus gossips the rest.
                if (i > 0)
                    node.clusterMeet("127.0.0.1", nodes.get(0).port());
            }
        }
    }

    private void awaitOk(Duration timeout) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            List<String> notOk = new ArrayList<>();
            for (RedisTestServer server : nodes)
            {
                try (Jedis node = connect(server))
                {
                    String info = node.clusterInfo();
                    if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + nodes.size()))
                        notOk.add(server.port() + ": " + info.lines().filter(l -> l.startsWith("cluster_state") ||
                            l.startsWith("cluster_known_nodes")).collect(Collectors.joining(",")));
                }
            }
            if (notOk.isEmpty())
                return;
            if (System.nanoTime() > deadline)
                throw new AssertionError("Redis Cluster not ok after " + timeout + ": " + notOk);
            TimeUnit.MILLISECONDS.sleep(50); // polling interval while the nodes gossip
        }
    }

    private static Jedis connect(RedisTestServer server)
    {
        return server.connect();
    }

    /** @return the {@code redis-cluster://} URI listing every node ({@code rediss-cluster://} with TLS) */
    @Override
    public String uri()
    {
        return (nodes.get(0).isTls() ? "rediss-cluster://" : "redis-cluster://") + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /** @return the nodes, to check which one holds a key or to stop one */
    public List<RedisTestServer> nodes()
    {
        return List.copyOf(nodes);
    }

    /** @return a new cluster client for test assertions; close it when done */
    @Override
    public UnifiedJedis newClient()
    {
        Set<HostAndPort> seeds = nodes.stream().map(n -> new HostAndPort("127.0.0.1", n.port()))
            .collect(Collectors.toCollection(LinkedHashSet::new));
        return RedisClusterClient.builder().nodes(seeds).clientConfig(nodes.get(0).clientConfig()).build();
    }

    /** Stops every node. */
    @Override
    public synchronized void close()
    {
        nodes.forEach(RedisTestServer::close);
    }
}
