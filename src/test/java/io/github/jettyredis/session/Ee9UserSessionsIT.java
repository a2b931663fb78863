// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.BasicLogins;
import io.github.jettyredis.session.testing.Ee9Environment;
import io.github.jettyredis.session.testing.Ee9Node;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

import static io.github.jettyredis.session.testing.BasicLogins.sessionOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@link UserSessionsIT}'s BASIC cases in ee9, whose session manager is not a handler: two embedded nodes with
 * an ee9 webapp whose web.xml asks for BASIC, ee9's classes in a class loader of their own as in a jetty-base.
 * The sessions are indexed under the user the container authenticated for their requests, listed alike on
 * both nodes, logged out everywhere from one; an anonymous session is indexed under no one.
 */
public class Ee9UserSessionsIT
{
    private static final String USER = "alice";

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    private static Ee9Environment ee9;

    @TempDir
    Path dir;

    private final String prefix = RedisTestServer.uniquePrefix();
    private final SessionKeys keys = new SessionKeys(prefix, "_app", "0.0.0.0");
    private final List<AutoCloseable> closing = new ArrayList<>();
    private Path users;

    @BeforeAll
    public static void loadEe9() throws IOException
    {
        ee9 = Ee9Environment.load(Ee9UserSessionsIT.class.getClassLoader());
    }

    @AfterAll
    public static void closeEe9() throws IOException
    {
        ee9.close();
    }

    @BeforeEach
    public void writeUsers() throws IOException
    {
        users = Files.writeString(dir.resolve("users.properties"), USER + ": secret,user\nbob: secret,user\n");
    }

    @AfterEach
    public void closeAll() throws Exception
    {
        // Browsers first, then the nodes, as they were added in each test.
        for (int i = closing.size() - 1; i >= 0; i--)
            closing.get(i).close();
    }

    private Ee9Node node(String name) throws Exception
    {
        Ee9Node node = new Ee9Node(name, REDIS.uri(), prefix, users, ee9, Files.createDirectory(dir.resolve(name)));
        closing.add(node);
        return node.start();
    }

    private HttpClient browser() throws Exception
    {
        HttpClient browser = new HttpClient();
        browser.start();
        closing.add(browser::stop);
        return browser;
    }

    private static String basicWho(HttpClient browser, Ee9Node node, String user) throws Exception
    {
        return BasicLogins.who(browser, node.url("secure/who", ""), user);
    }

    private static String basicSession(HttpClient browser, Ee9Node node, String user) throws Exception
    {
        return BasicLogins.session(browser, query -> node.url("secure/who", query), user, false);
    }

    private static Set<String> ids(List<UserSession> sessions)
    {
        return sessions.stream().map(UserSession::id).collect(Collectors.toSet());
    }

    private static void awaitIdle(Ee9Node... nodes) throws InterruptedException
    {
        for (Ee9Node node : nodes)
            node.awaitIdle();
    }

    @Test
    public void basicAuthenticatedSessionsAreListedOnBothNodesAndLoggedOutEverywhere() throws Exception
    {
        Ee9Node node1 = node("node1");
        Ee9Node node2 = node("node2");
        HttpClient first = browser();
        HttpClient second = browser();
        String id1 = basicSession(first, node1, USER);
        assertEquals("user=" + USER + " session=" + id1, basicWho(first, node2, USER), "one session, on both nodes");
        String id2 = basicSession(second, node2, USER);
        awaitIdle(node1, node2);

        assertEquals(Set.of(id1, id2), ids(node1.store().getUserSessions().list(USER)));
        assertEquals(Set.of(id1, id2), ids(node2.store().getUserSessions().list(USER)));
        assertEquals(List.of(), node1.store().getUserSessions().list("bob"));

        assertEquals(2, node2.store().getUserSessions().invalidateAll(USER));
        awaitIdle(node1, node2);
        // Node 1 drops its copy when it hears node 2's deletions, which come asynchronously.
        Await.untilAnswer("node 1 dropped its copy: no session", Duration.ofSeconds(10), "user=" + USER + " session=null",
            () -> basicWho(first, node1, USER));
        assertEquals("user=" + USER + " session=null", basicWho(second, node2, USER));
        assertEquals(List.of(), node1.store().getUserSessions().list(USER));
        String renewed = basicSession(first, node1, USER);
        assertNotEquals(id1, renewed, "a new session, not the one logged out");
        awaitIdle(node1);
        assertEquals(Set.of(renewed), ids(node2.store().getUserSessions().list(USER)));
    }

    @Test
    public void anonymousRequestsIndexNothingAndTakeNothingAway() throws Exception
    {
        Ee9Node node1 = node("node1");
        Ee9Node node2 = node("node2");
        HttpClient anonymous = browser();
        String anonymousId = sessionOf(anonymous.GET(node1.url("open/who", "op=create")).getContentAsString());
        assertEquals("user=null session=" + anonymousId, anonymous.GET(node2.url("open/who", "")).getContentAsString(),
            "the session, on node 2");
        awaitIdle(node1, node2);
        try (UnifiedJedis redis = REDIS.newClient())
        {
            assertFalse(redis.hexists(keys.session(anonymousId), SessionHashCodec.USER_FIELD), "no user recorded");
            assertFalse(redis.exists(keys.user(SessionKeys.userToken(USER))));
        }

        // A user's session used without credentials (a page outside the protected ones) stays the user's.
        HttpClient browser = browser();
        String id = basicSession(browser, node1, USER);
        assertEquals("user=null session=" + id, browser.GET(node2.url("open/who", "")).getContentAsString());
        assertEquals("user=null session=" + id, browser.GET(node1.url("open/who", "")).getContentAsString());
        awaitIdle(node1, node2);
        assertEquals(Set.of(id), ids(node2.store().getUserSessions().list(USER)));
    }
}
