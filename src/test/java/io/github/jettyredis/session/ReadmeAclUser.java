// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.github.jettyredis.session.distribution.BuildLayout;
import io.github.jettyredis.session.testing.RedisTestCluster;
import io.github.jettyredis.session.testing.RedisTestServer;
import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The least-privileged ACL user of the README ("Operating it"), made on a private test server from the
 * README's very {@code ACL SETUSER} line (its {@code jetty-session:} prefix replaced by the tests' own,
 * {@code test-}, which every {@link RedisTestServer#uniquePrefix()} starts with), so that the line cannot
 * drift from what the tests ran.
 */
public final class ReadmeAclUser
{
    /** The user the README's line makes. */
    public static final String USER = "jetty-sessions";
    /** The password the tests give it in place of the README's {@code CHANGE-ME}. */
    public static final String PASSWORD = "acl-test-password";
    /** What the README adds to its line for Redis Cluster: the client reads the slot map with {@code CLUSTER SLOTS}. */
    static final List<String> CLUSTER_RULES = List.of("+cluster|slots");
    /** What the README adds to its line for Redis 7.2 and later: Jedis names its library with {@code CLIENT SETINFO}. */
    static final List<String> NEWER_SERVER_RULES = List.of("+client|setinfo");
    private static RedisTestServer server;
    private static RedisTestServer newerServer;
    private static RedisTestCluster cluster;

    private ReadmeAclUser()
    {
    }

    /**
     * @return a private server of this JVM that has the user, started on first use (and stopped, as every
     * test server, when the JVM exits)
     */
    public static synchronized RedisTestServer server()
    {
        if (server == null)
        {
            server = RedisTestServer.startPrivate();
            create(server, List.of());
        }
        return server;
    }

    /**
     * @return a private three-master cluster of this JVM whose every node has the user, with the README's
     * {@link #CLUSTER_RULES} for Redis Cluster, started on first use
     */
    static synchronized RedisTestCluster cluster()
    {
        if (cluster == null)
        {
            cluster = RedisTestCluster.start(3);
            cluster.nodes().forEach(node -> create(node, CLUSTER_RULES));
        }
        return cluster;
    }

    /**
     * @param binary a server of a newer line ({@link RedisTestServer#newerBinary()})
     * @return a private server of this JVM run from that binary, that has the user with the README's
     * {@link #NEWER_SERVER_RULES}, started on first use
     */
    static synchronized RedisTestServer newerServer(Path binary)
    {
        if (newerServer == null)
        {
            newerServer = RedisTestServer.startPrivateWith(binary);
            create(newerServer, NEWER_SERVER_RULES);
        }
        return newerServer;
    }

    /** Runs the README's line, and more rules, on the server (as its default user) and empties its {@code ACL LOG}. */
    static void create(RedisTestServer redis, List<String> moreRules)
    {
        List<String> words = readmeLine();
        assertEquals(USER, words.get(2), "the README's user");
        String[] rules = words.subList(3, words.size()).stream()
            .map(word -> word.replace("jetty-session:", "test-").replace(">CHANGE-ME", ">" + PASSWORD))
            .toArray(String[]::new);
        rules = Stream.concat(Stream.of(rules), moreRules.stream()).toArray(String[]::new);
        try (Jedis admin = redis.connect())
        {
            admin.aclSetUser(USER, rules);
            admin.aclLogReset();
        }
    }

    /**
     * @param store a factory to run as the user
     * @return the factory
     */
    static RedisSessionDataStoreFactory use(RedisSessionDataStoreFactory store)
    {
        store.setUser(USER);
        store.setPassword(PASSWORD);
        return store;
    }

    /**
     * Fails if the server refused anything since {@link #create}: a command, key or channel the store needs
     * and the line does not grant fails here even where the store swallowed the error (the listener, a
     * probe).
     *
     * @param servers the servers the user ran on
     */
    public static void assertNothingRefused(List<RedisTestServer> servers)
    {
        for (RedisTestServer redis : servers)
        {
            try (Jedis admin = redis.connect())
            {
                assertEquals(List.of(), admin.aclLog().stream().map(entry -> entry.getReason() + " " + entry.getObject() + " (" +
                    entry.getContext() + ", " + entry.getCount() + "x)").toList(), "what " + redis.uri() + " refused the store's user");
            }
        }
    }

    /** @return the words of the README's {@code ACL SETUSER} line */
    static List<String> readmeLine()
    {
        try
        {
            String line = Files.readAllLines(BuildLayout.projectDir().resolve("README.md")).stream()
                .map(String::trim)
                .filter(l -> l.startsWith("ACL SETUSER "))
                .findFirst().orElseThrow(() -> new AssertionError("README.md has no ACL SETUSER line"));
            return List.of(line.split(" +"));
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
