// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.BasicLogins;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.NodeWebapp.Environment;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.TestExecutors;
import io.github.jettyredis.session.testing.WhoServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.FormRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.security.Authenticator;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.security.authentication.FormAuthenticator;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.github.jettyredis.session.testing.BasicLogins.sessionOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's sessions across two real nodes with a real login: Jetty's {@link HashLoginService} and FORM
 * authentication in an ee10 webapp, browsers with their own cookies. Logged in on both nodes, listed, logged
 * out everywhere from one node ({@code sessionDestroyed} once per session), expired, renamed (Jetty's form
 * login renews the id, and so does {@code changeSessionId}), and the maximum per user under both policies.
 * With BASIC authentication, which keeps nothing in the session, the sessions are indexed by the user the
 * container authenticated for their requests ({@link AuthenticatedUserHandler}); {@link Ee9UserSessionsIT} does the
 * same in ee9. Listing and logging out everywhere, after a FORM and after a BASIC login, run in ee11 webapps too.
 */
public class UserSessionsIT
{
    private static final String USER = "alice";

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    @RegisterExtension
    final TestExecutors executors = new TestExecutors();

    @TempDir
    Path dir;

    private Path users;
    private final List<HttpClient> browsers = new ArrayList<>();

    @BeforeEach
    public void writeUsers() throws IOException
    {
        users = Files.writeString(dir.resolve("users.properties"), USER + ": secret,user\nbob: secret,user\n");
    }

    @AfterEach
    public void closeBrowsers() throws Exception
    {
        for (HttpClient browser : browsers)
            browser.stop();
    }

    /** The login and error pages of the form login. */
    public static class PageServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            response.getWriter().print(request.getServletPath().equals("/login") ? "login page" : "login failed");
        }
    }

    private JettyNode node(String name, int max, MaxSessionsPolicy policy, boolean limitingLoginService) throws Exception
    {
        return node(name, Environment.EE10, max, policy, limitingLoginService, new FormAuthenticator("/login", "/login-error", false));
    }

    private JettyNode node(String name, Environment environment, int max, MaxSessionsPolicy policy, boolean limitingLoginService,
                           Authenticator authenticator) throws Exception
    {
        return node(name, environment, max, policy, limitingLoginService, authenticator, node -> { });
    }

    private JettyNode node(String name, Environment environment, int max, MaxSessionsPolicy policy, boolean limitingLoginService,
                           Authenticator authenticator, Consumer<JettyNode> more) throws Exception
    {
        return cluster.start(name, environment, JettyNode.Cache.DEFAULT, node ->
        {
            more.accept(node);
            node.sessions().setUserSessions(true);
            node.sessions().setMaxSessionsPerUser(max);
            node.sessions().setWhenMaxSessionsExceeded(policy.configName());
            node.serve(new PageServlet(), "/login");
            node.serve(new PageServlet(), "/login-error");
            LoginService logins = new HashLoginService("test", ResourceFactory.root().newResource(users));
            protect(node, authenticator, limitingLoginService ? new SessionLimitingLoginService(logins) : logins);
        });
    }

    /** Serves {@link WhoServlet} under {@code /secure/}, for users of the role {@code user} only. */
    private static void protect(JettyNode node, Authenticator authenticator, LoginService logins)
    {
        node.serve(new WhoServlet(), "/secure/who");
        node.protect("/secure/*", "user", authenticator, logins);
    }

    private JettyNode node(String name) throws Exception
    {
        return node(name, Environment.EE10);
    }

    /** A node whose protected pages ask for a FORM login, kept in the session. */
    private JettyNode node(String name, Environment environment) throws Exception
    {
        return node(name, environment, 0, MaxSessionsPolicy.INVALIDATE_OLDEST, false, new FormAuthenticator("/login", "/login-error", false));
    }

    private JettyNode basicNode(String name) throws Exception
    {
        return basicNode(name, Environment.EE10);
    }

    /** A node whose protected pages ask for BASIC authentication: nothing of the login is kept in the session. */
    private JettyNode basicNode(String name, Environment environment) throws Exception
    {
        return node(name, environment, 0, MaxSessionsPolicy.INVALIDATE_OLDEST, false, new BasicAuthenticator());
    }

    /** A BASIC node that saves a session whose attributes did not change at most once an hour. */
    private JettyNode basicNodeSavingHourly(String name) throws Exception
    {
        return cluster.start(name, JettyNode.Cache.DEFAULT, node ->
        {
            node.sessions().setSavePeriodSec(3600);
            node.sessions().setUserSessions(true);
            protect(node, new BasicAuthenticator(), new HashLoginService("test", ResourceFactory.root().newResource(users)));
        });
    }

    /** A browser: its own cookies. */
    private HttpClient browser() throws Exception
    {
        HttpClient browser = new HttpClient();
        browser.start();
        browsers.add(browser);
        return browser;
    }

    private static String secureUrl(JettyNode node, String query)
    {
        return node.url("").replace("/app/s?", "/app/secure/who?" + query);
    }

    /** @return the page a GET of the protected servlet ends on, redirects followed */
    private static String who(HttpClient browser, JettyNode node, String query) throws Exception
    {
        return browser.GET(secureUrl(node, query)).getContentAsString();
    }

    /**
     * Asks for the protected page (the login page comes, and a session that remembers the page), then logs in.
     *
     * @return the page after the login: the protected one, or the error page
     */
    private static String logIn(HttpClient browser, JettyNode node, String user) throws Exception
    {
        return login(browser, node, user).page();
    }

    /**
     * The outcome of a login.
     *
     * @param id the browser's session id right after the login's answer (before the page it redirects to is asked for)
     * @param page the page the login redirects to
     */
    private record Login(String id, String page)
    {
    }

    private static Login login(HttpClient browser, JettyNode node, String user) throws Exception
    {
        assertEquals("login page", who(browser, node, ""));
        Fields form = new Fields();
        form.put("j_username", user);
        form.put("j_password", "secret");
        ContentResponse answer = browser.newRequest(node.url("").replace("/app/s?", "/app/j_security_check"))
            .method(HttpMethod.POST).body(new FormRequestContent(form)).followRedirects(false).send();
        String id = sessionCookie(browser);
        String location = answer.getHeaders().get(HttpHeader.LOCATION);
        return new Login(id, browser.GET(location.startsWith("http") ? location : node.url("").replace("/app/s?", location)).getContentAsString());
    }

    /** @return the session id of the browser's cookie, without the node suffix */
    private static String sessionCookie(HttpClient browser)
    {
        String value = browser.getHttpCookieStore().all().stream().filter(cookie -> cookie.getName().equals("JSESSIONID"))
            .findFirst().orElseThrow().getValue();
        return value.contains(".") ? value.substring(0, value.indexOf('.')) : value;
    }

    private static Set<String> ids(List<UserSession> sessions)
    {
        return sessions.stream().map(UserSession::id).collect(Collectors.toSet());
    }

    private byte[] userKey()
    {
        return cluster.keys().user(SessionKeys.userToken(USER));
    }

    @ParameterizedTest
    @EnumSource(Environment.class)
    public void loggedInOnBothNodesListedAndLoggedOutEverywhereFromOne(Environment environment) throws Exception
    {
        JettyNode node1 = node("node1", environment);
        JettyNode node2 = node("node2", environment);
        HttpClient first = browser();
        HttpClient second = browser();
        String page1 = logIn(first, node1, USER);
        String page2 = logIn(second, node2, USER);
        assertTrue(page1.startsWith("user=" + USER), page1);
        assertTrue(page2.startsWith("user=" + USER), page2);
        String id1 = sessionOf(page1);
        String id2 = sessionOf(page2);
        cluster.awaitIdle();

        List<UserSession> sessions = node1.store().getUserSessions().list(USER);
        assertEquals(Set.of(id1, id2), ids(sessions));
        for (UserSession session : sessions)
            assertEquals(session.id().equals(id1) ? "node1" : "node2", session.lastNode());
        assertEquals(sessions, node2.store().getUserSessions().list(USER), "both nodes see the same");
        assertEquals(List.of(), node1.store().getUserSessions().list("bob"));

        assertEquals(2, node1.store().getUserSessions().invalidateAll(USER));
        cluster.awaitIdle();
        assertEquals(1, cluster.destroyedCount(id1));
        assertEquals(1, cluster.destroyedCount(id2));
        assertEquals("login page", who(first, node1, ""));
        // Node 2 drops its copy when it hears node 1's deletions, which come asynchronously (asked without a
        // request of node 2's, which would drop the copy by itself after serving it once).
        Await.until("node 2 dropped its copy", Duration.ofSeconds(10), () -> !node2.holdsInMemory(id2));
        assertEquals("login page", who(second, node2, ""), "the browser is logged out there too");
        assertEquals(List.of(), node2.store().getUserSessions().list(USER));
        assertFalse(cluster.redis().exists(userKey()), "nothing left of the user's index");
        cluster.awaitScavenges(1);
        assertEquals(1, cluster.destroyedCount(id1), "sessionDestroyed fired once, not again by a scavenger");
        assertEquals(1, cluster.destroyedCount(id2));
    }

    /** Once armed, holds the next {@code sessionDestroyed} until released: a logout everywhere paused between two sessions. */
    public static final class PausingListener implements HttpSessionListener
    {
        private final AtomicBoolean armed = new AtomicBoolean();
        private final CountDownLatch paused = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        @Override
        public void sessionDestroyed(HttpSessionEvent event)
        {
            if (!armed.compareAndSet(true, false))
                return;
            paused.countDown();
            try
            {
                if (!released.await(30, TimeUnit.SECONDS))
                    throw new IllegalStateException("the test never released the paused sessionDestroyed");
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A session gets a new id on another node while its user is logged out everywhere. The logout is paused in
     * the first session it takes (loaded, its listeners called, its deletion to come), and that is another
     * session of the user, or the very one that gets the new id. Either way the session must be logged out under
     * its new id. In the second case both steps of the new id come after the logout read the user's sessions, so
     * the logout mark cannot tell it from a login, and its deletion under the old id finds it gone without an
     * error: the logout used to count it as invalidated and stop.
     */
    @ParameterizedTest(name = "paused in the session that gets a new id: {0}")
    @ValueSource(booleans = {false, true})
    public void aSessionGivenANewIdWhileItsUserIsLoggedOutEverywhereIsLoggedOutUnderIt(boolean pausedInIt) throws Exception
    {
        PausingListener pause = new PausingListener();
        JettyNode node1 = node("node1", Environment.EE10, 0, MaxSessionsPolicy.INVALIDATE_OLDEST, false,
            new FormAuthenticator("/login", "/login-error", false), node -> node.webapp().addEventListener(pause));
        JettyNode node2 = node("node2");
        HttpClient first = browser();
        HttpClient second = browser();
        // The logout takes the least recently used first, and pauses there.
        String renamed = pausedInIt ? sessionOf(logIn(second, node2, USER)) : null;
        String other = sessionOf(logIn(first, node1, USER));
        if (!pausedInIt)
            renamed = sessionOf(logIn(second, node2, USER));
        cluster.awaitIdle();
        List<String> before = node1.store().getUserSessions().list(USER).stream().map(UserSession::id).toList();
        assertEquals(pausedInIt ? List.of(renamed, other) : List.of(other, renamed), before);

        pause.armed.set(true);
        ExecutorService operator = executors.newPool(1);
        Future<Integer> logout = operator.submit(() -> node1.store().getUserSessions().invalidateAll(USER));
        assertTrue(pause.paused.await(10, TimeUnit.SECONDS), "the logout everywhere reached the first session");
        // Meanwhile the second browser's session gets a new id, on the other node.
        String renewed = sessionOf(who(second, node2, "op=renew"));
        assertNotEquals(renamed, renewed);
        node2.awaitIdle();
        pause.released.countDown();

        // Paused in it, the logout counts the session under both ids.
        assertEquals(pausedInIt ? 3 : 2, logout.get(30, TimeUnit.SECONDS), "both sessions invalidated, the second under its new id");
        assertEquals(List.of(), node1.store().getUserSessions().list(USER), "no session of the user is left");
        Await.until("node 2 dropped the session under its new id", Duration.ofSeconds(10), () -> !node2.holdsInMemory(renewed));
        assertEquals("login page", who(second, node2, ""), "the browser whose session got a new id is logged out too");
        assertEquals("login page", who(first, node1, ""));
        assertEquals(1, cluster.destroyedCount(renewed));
    }

    @Test
    public void theIndexHoldsTheRenewedIdsOnly() throws Exception
    {
        JettyNode node1 = node("node1");
        HttpClient browser = browser();
        assertEquals("login page", who(browser, node1, ""));
        String beforeLogin = sessionCookie(browser);
        String page = logIn(browser, node1, USER);
        // The session that remembered the page got a new id at the login (Jetty's default).
        String loggedIn = sessionOf(page);
        assertNotEquals(beforeLogin, loggedIn);
        cluster.awaitIdle();
        assertEquals(Set.of(loggedIn), ids(node1.store().getUserSessions().list(USER)));

        String renewed = sessionOf(who(browser, node1, "op=renew"));
        assertNotEquals(loggedIn, renewed);
        cluster.awaitIdle();
        assertEquals(Set.of(renewed), ids(node1.store().getUserSessions().list(USER)));
        assertNull(cluster.redis().zscore(userKey(), SessionKeys.bytes(loggedIn)), "the old id is out of the index");
        assertEquals(1, cluster.redis().zcard(userKey()));
    }

    @Test
    public void anExpiredSessionLeavesTheIndex() throws Exception
    {
        JettyNode node1 = node("node1");
        node("node2");
        HttpClient browser = browser();
        String id = sessionOf(logIn(browser, node1, USER));
        who(browser, node1, "op=short");
        cluster.awaitIdle();
        assertEquals(1, cluster.redis().zcard(userKey()));
        Await.until("the expired session out of the user's index", Duration.ofSeconds(30), () -> !cluster.redis().exists(userKey()));
        // Jetty fires sessionDestroyed after the store deleted the session, its index entry with it: under load the
        // listener ran 10-30 ms after the index was gone.
        Await.until("sessionDestroyed for the expired session", Duration.ofSeconds(10), () -> cluster.destroyedCount(id) > 0);
        assertEquals(List.of(), node1.store().getUserSessions().list(USER));
        cluster.awaitScavenges(1);
        assertEquals(1, cluster.destroyedCount(id), "sessionDestroyed fired once, not again by the other node's scavenger");
    }

    @Test
    public void invalidateOldestKeepsTheMaximumAndLogsOutTheLeastRecentlyUsed() throws Exception
    {
        JettyNode node1 = node("node1", 2, MaxSessionsPolicy.INVALIDATE_OLDEST, false);
        JettyNode node2 = node("node2", 2, MaxSessionsPolicy.INVALIDATE_OLDEST, false);
        HttpClient oldest = browser();
        HttpClient used = browser();
        HttpClient newest = browser();
        String oldestId = sessionOf(logIn(oldest, node1, USER));
        String usedId = sessionOf(logIn(used, node2, USER));
        cluster.awaitIdle();
        assertEquals(2, node1.store().getUserSessions().count(USER));

        String newestId = sessionOf(logIn(newest, node2, USER));
        Await.until("the least recently used session invalidated", Duration.ofSeconds(10),
            () -> cluster.destroyedCount(oldestId) == 1);
        cluster.awaitIdle();
        assertEquals(Set.of(usedId, newestId), ids(node1.store().getUserSessions().list(USER)));
        // Node 2 invalidated it; node 1 drops its copy when it hears the deletion, which comes asynchronously.
        Await.until("node 1 dropped its copy", Duration.ofSeconds(10), () -> !node1.holdsInMemory(oldestId));
        assertEquals("login page", who(oldest, node1, ""), "the oldest browser is logged out");
        assertTrue(who(used, node2, "").startsWith("user=" + USER));
        assertTrue(who(newest, node1, "").startsWith("user=" + USER));
        assertEquals(2, cluster.redis().zcard(userKey()));
    }

    /**
     * Two logins at once on two nodes over the maximum: each node's check of the maximum, run after both logins
     * were saved, used to invalidate the other's new session, which left the user none. Replayed here in the
     * order that race gives (node 2 has no maximum, so that nothing checks before the replay): node 1's check for
     * the earlier login, then the check for the later one.
     */
    @Test
    public void ofTwoLoginsAtOnceOverTheMaximumTheLaterStays() throws Exception
    {
        JettyNode node1 = node("node1", 1, MaxSessionsPolicy.INVALIDATE_OLDEST, false);
        JettyNode node2 = node("node2", 0, MaxSessionsPolicy.INVALIDATE_OLDEST, false);
        HttpClient earlier = browser();
        HttpClient later = browser();
        String earlierId = sessionOf(logIn(earlier, node1, USER));
        String laterId = sessionOf(logIn(later, node2, USER));
        cluster.awaitIdle();
        UserSessions sessions = node1.store().getUserSessions();
        assertEquals(2, sessions.count(USER));

        sessions.added(SessionKeys.userToken(USER), earlierId, 2);
        sessions.added(SessionKeys.userToken(USER), laterId, 2);
        // The checks run one after the other, off the request's thread: the second's invalidation comes last.
        Await.until("the earlier login invalidated", Duration.ofSeconds(10), () -> cluster.destroyedCount(earlierId) == 1);
        assertEquals(0, cluster.destroyedCount(laterId), "the later login stays");
        assertEquals(Set.of(laterId), ids(sessions.list(USER)));
        assertTrue(who(later, node2, "").startsWith("user=" + USER));
    }

    /**
     * Two nodes allowing one session per user, refusing more, and a first browser logged in on node 1.
     *
     * @param node1 the node the first browser logged in on
     * @param node2 the other node
     * @param first the first browser
     * @param firstId its session
     */
    private record OneLoggedIn(JettyNode node1, JettyNode node2, HttpClient first, String firstId)
    {
    }

    private OneLoggedIn oneLoggedInUnderRefuse(boolean limitingLoginService) throws Exception
    {
        JettyNode node1 = node("node1", 1, MaxSessionsPolicy.REFUSE, limitingLoginService);
        JettyNode node2 = node("node2", 1, MaxSessionsPolicy.REFUSE, limitingLoginService);
        HttpClient first = browser();
        String firstId = sessionOf(logIn(first, node1, USER));
        cluster.awaitIdle();
        return new OneLoggedIn(node1, node2, first, firstId);
    }

    @Test
    public void refuseFailsTheLoginOverTheMaximum() throws Exception
    {
        OneLoggedIn setup = oneLoggedInUnderRefuse(true);
        JettyNode node1 = setup.node1();
        JettyNode node2 = setup.node2();
        HttpClient first = setup.first();
        HttpClient second = browser();
        String firstId = setup.firstId();

        assertEquals("login failed", logIn(second, node2, USER));
        cluster.awaitIdle();
        assertEquals(Set.of(firstId), ids(node2.store().getUserSessions().list(USER)));
        assertTrue(who(first, node1, "").startsWith("user=" + USER), "the first login stays");
        // Another user is not limited by alice's sessions.
        assertTrue(logIn(second, node2, "bob").startsWith("user=bob"));

        // Once the first logs out, the place is free again.
        node2.store().getUserSessions().invalidate(firstId);
        cluster.awaitIdle();
        HttpClient third = browser();
        assertTrue(logIn(third, node2, USER).startsWith("user=" + USER));
    }

    @Test
    public void refuseWithoutTheLimitingLoginServiceInvalidatesTheSessionThatWentOver() throws Exception
    {
        OneLoggedIn setup = oneLoggedInUnderRefuse(false);
        JettyNode node1 = setup.node1();
        JettyNode node2 = setup.node2();
        HttpClient first = setup.first();
        HttpClient second = browser();
        String firstId = setup.firstId();

        // The plain login service lets it in; the store takes the new session back after its save (maybe
        // before the browser asks for the page the login redirects to).
        String secondId = login(second, node2, USER).id();
        Await.until("the session over the maximum invalidated", Duration.ofSeconds(10), () -> cluster.destroyedCount(secondId) == 1);
        cluster.awaitIdle();
        assertEquals("login page", who(second, node2, ""));
        assertEquals(Set.of(firstId), ids(node1.store().getUserSessions().list(USER)));
        assertTrue(who(first, node1, "").startsWith("user=" + USER), "the first login stays");
    }
    /** A GET of the protected page with BASIC credentials. */
    private static String basicWho(HttpClient browser, JettyNode node, String user, String query) throws Exception
    {
        return BasicLogins.who(browser, secureUrl(node, query), user);
    }

    private static String basicSession(HttpClient browser, JettyNode node, String user) throws Exception
    {
        return BasicLogins.session(browser, query -> secureUrl(node, query), user, true);
    }

    private static Map<String, String> lastNodes(List<UserSession> sessions)
    {
        return sessions.stream().collect(Collectors.toMap(UserSession::id, UserSession::lastNode));
    }

    @ParameterizedTest
    @EnumSource(Environment.class)
    public void basicAuthenticatedSessionsAreListedOnBothNodesAndLoggedOutEverywhere(Environment environment) throws Exception
    {
        JettyNode node1 = basicNode("node1", environment);
        JettyNode node2 = basicNode("node2", environment);
        HttpClient first = browser();
        HttpClient second = browser();
        String id1 = basicSession(first, node1, USER);
        // A request's last save lands after its answer: under load, node1's could otherwise land after node2's
        // and name node1 the last to serve the session.
        cluster.awaitIdle();
        assertEquals("user=" + USER + " session=" + id1, basicWho(first, node2, USER, ""), "one session, on both nodes");
        String id2 = basicSession(second, node2, USER);
        cluster.awaitIdle();
        assertEquals("user=" + USER + " session=" + id2, basicWho(second, node1, USER, ""));
        cluster.awaitIdle();

        // A request that only read its session saves the access (and its node) as it leaves, after its answer.
        Map<String, String> expected = Map.of(id1, "node2", id2, "node1");
        Await.until("each session listed with the node that served it last", Duration.ofSeconds(10),
            () -> expected.equals(lastNodes(node1.store().getUserSessions().list(USER))));
        List<UserSession> sessions = node1.store().getUserSessions().list(USER);
        assertEquals(expected, lastNodes(sessions));
        assertEquals(sessions, node2.store().getUserSessions().list(USER));
        assertEquals(List.of(), node1.store().getUserSessions().list("bob"));

        assertEquals(2, node2.store().getUserSessions().invalidateAll(USER));
        cluster.awaitIdle();
        assertEquals(1, cluster.destroyedCount(id1));
        assertEquals(1, cluster.destroyedCount(id2));
        Await.untilAnswer("node 1 dropped its copy: no session", Duration.ofSeconds(10), "user=" + USER + " session=null",
            () -> basicWho(first, node1, USER, ""));
        assertEquals("user=" + USER + " session=null", basicWho(second, node2, USER, ""));
        String renewed = basicSession(first, node1, USER);
        assertNotEquals(id1, renewed, "a new session, not the one logged out");
        cluster.awaitIdle();
        assertEquals(Set.of(renewed), ids(node2.store().getUserSessions().list(USER)));
    }

    @Test
    public void anonymousRequestsIndexNothingAndTakeNothingAway() throws Exception
    {
        JettyNode node1 = basicNode("node1");
        JettyNode node2 = basicNode("node2");
        HttpClient anonymous = browser();
        String anonymousId = anonymous.GET(node1.url("op=create")).getContentAsString();
        assertEquals(anonymousId, sessionCookie(anonymous));
        assertEquals("null", anonymous.GET(node2.url("op=get&name=a")).getContentAsString(), "the session, on node 2");
        cluster.awaitIdle();
        assertFalse(cluster.redis().hexists(cluster.keys().session(anonymousId), SessionHashCodec.USER_FIELD), "no user recorded");
        assertFalse(cluster.redis().exists(userKey()));

        // A user's session used without credentials (a page outside the protected ones) stays the user's.
        HttpClient browser = browser();
        String id = basicSession(browser, node1, USER);
        assertEquals("null", browser.GET(node2.url("op=get&name=a")).getContentAsString());
        assertEquals("null", browser.GET(node1.url("op=get&name=a")).getContentAsString());
        cluster.awaitIdle();
        assertEquals(Set.of(id), ids(node2.store().getUserSessions().list(USER)));
    }

    @Test
    public void anotherBasicUserOnTheSameSessionMovesItsEntry() throws Exception
    {
        JettyNode node1 = basicNode("node1");
        JettyNode node2 = basicNode("node2");
        HttpClient browser = browser();
        String id = basicSession(browser, node1, USER);
        cluster.awaitIdle();
        assertEquals(Set.of(id), ids(node1.store().getUserSessions().list(USER)));

        assertEquals("user=bob session=" + id, basicWho(browser, node2, "bob", ""));
        cluster.awaitIdle();
        assertEquals(Set.of(id), ids(node1.store().getUserSessions().list("bob")));
        assertEquals(List.of(), node1.store().getUserSessions().list(USER));
        assertFalse(cluster.redis().exists(userKey()), "alice's set is gone");
    }

    @Test
    public void theSameBasicUserAgainWritesNothing() throws Exception
    {
        JettyNode node1 = basicNodeSavingHourly("node1");
        HttpClient browser = browser();
        String id = basicSession(browser, node1, USER);
        cluster.awaitIdle();
        assertEquals(Set.of(id), ids(node1.store().getUserSessions().list(USER)));
        SessionStoreCounters counters = node1.store().getCounters();
        long saves = counters.getSavesWhole() + counters.getSavesDelta();

        for (int i = 0; i < 5; i++)
            assertEquals("user=" + USER + " session=" + id, basicWho(browser, node1, USER, ""));
        cluster.awaitIdle();
        assertEquals(saves, counters.getSavesWhole() + counters.getSavesDelta(), "the session is not saved again for its user");
        assertEquals(Set.of(id), ids(node1.store().getUserSessions().list(USER)));
    }
}
