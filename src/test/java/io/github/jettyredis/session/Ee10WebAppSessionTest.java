// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.RedisTestServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.NullSessionCacheFactory;
import org.eclipse.jetty.session.SessionCacheFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An embedded Jetty server with an ee10 webapp whose sessions live in Redis, over real HTTP.
 */
public class Ee10WebAppSessionTest
{
    private final String prefix = RedisTestServer.uniquePrefix();
    private final UnifiedJedis redis = RedisTestServer.shared().newClient();
    private Server server;
    private WebAppContext webapp;
    private JettyNode.CompletionCounter completions;
    private HttpClient client;
    /** The webapp's base directory, removed after each test. */
    @TempDir
    Path base;

    /** Counts visits in the session and echoes the session id: {@code id count}. */
    public static class CounterServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            HttpSession session = request.getSession(true);
            Integer count = (Integer)session.getAttribute("count");
            count = count == null ? 1 : count + 1;
            session.setAttribute("count", count);
            response.setContentType("text/plain");
            response.getWriter().print(session.getId() + " " + count);
        }
    }

    static Stream<SessionCacheFactory> caches()
    {
        DefaultSessionCacheFactory defaultCache = new DefaultSessionCacheFactory();
        NullSessionCacheFactory nullCache = new NullSessionCacheFactory();
        nullCache.setRemoveUnloadableSessions(true);
        return Stream.of(defaultCache, nullCache);
    }

    private String start(SessionCacheFactory cache) throws Exception
    {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        server.addConnector(connector);

        RedisSessionDataStoreFactory sessions = new RedisSessionDataStoreFactory();
        sessions.setUri(RedisTestServer.shared().uri());
        sessions.setPrefix(prefix);
        server.addBean(sessions);
        server.addBean(cache);

        webapp = new WebAppContext();
        webapp.setContextPath("/app");
        webapp.setBaseResourceAsPath(base);
        webapp.addServlet(CounterServlet.class, "/count");
        completions = new JettyNode.CompletionCounter(webapp);
        server.setHandler(completions);
        server.start();

        client = new HttpClient();
        client.start();
        return "http://127.0.0.1:" + connector.getLocalPort() + "/app/count";
    }

    @AfterEach
    public void stop() throws Exception
    {
        if (client != null)
            client.stop();
        if (server != null)
            server.stop();
        redis.close();
    }

    private byte[] sessionKey(String id)
    {
        return new SessionKeys(prefix, "_app", "0.0.0.0").session(id);
    }

    @ParameterizedTest
    @MethodSource("caches")
    public void aValueSetInOneRequestIsReadInTheNext(SessionCacheFactory cache) throws Exception
    {
        String url = start(cache);
        String[] first = client.GET(url).getContentAsString().split(" ");
        String[] second = client.GET(url).getContentAsString().split(" ");
        assertEquals("1", first[1]);
        assertEquals(first[0], second[0], "same session");
        assertEquals("2", second[1]);

        // The session really is in Redis, under the context's key.
        Map<byte[], byte[]> fields = redis.hgetAll(sessionKey(second[0]));
        assertTrue(fields.size() >= 2, "meta and the count attribute");
        assertTrue(redis.pttl(sessionKey(second[0])) > 0, "a mortal session has a TTL");
    }

    @Test
    public void undecodableSessionBytesGiveAFreshSessionNotAnError() throws Exception
    {
        NullSessionCacheFactory cache = new NullSessionCacheFactory();
        cache.setRemoveUnloadableSessions(true);
        String url = start(cache);
        String id = client.GET(url).getContentAsString().split(" ")[0];

        // The last write happens as the request leaves, which can be after the response arrived.
        completions.awaitIdle();
        // Corrupt the stored session, as a bad redeploy or a foreign writer would.
        redis.hset(sessionKey(id), SessionHashCodec.METADATA_FIELD, new byte[]{(byte)0xde, (byte)0xad});

        ContentResponse response = client.GET(url);
        assertEquals(200, response.getStatus());
        String[] fresh = response.getContentAsString().split(" ");
        assertEquals("1", fresh[1], "a new session starts counting again");
        assertNotEquals(id, fresh[0]);
        assertFalse(redis.exists(sessionKey(id)), "removeUnloadableSessions deletes the unreadable key");
    }
}
