// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.internal.HeldSessions;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.TcpProxy;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.util.thread.AutoLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.SafeEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How nodes that hold sessions in memory learn that another node deleted one (a logout, an expiry, a new
 * id): the listener's connection, and what happens when a deletion message does not arrive.
 */
public class DeletionBroadcastIT
{
    private static final Pattern SUBSCRIBED = Pattern.compile(" sub=[1-9]");

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    /** @return the number of connections to Redis that are subscribed to a channel */
    static long pubSubConnections(UnifiedJedis redis)
    {
        return clientList(redis).lines().filter(line -> SUBSCRIBED.matcher(line).find()).count();
    }

    /** @return PUBSUB NUMSUB of one channel */
    private long subscribers(String channel)
    {
        List<?> reply = (List<?>)cluster.redis().sendCommand(Protocol.Command.PUBSUB, "NUMSUB", channel);
        return (Long)reply.get(1);
    }

    static String clientList(UnifiedJedis redis)
    {
        return SafeEncoder.encode((byte[])redis.sendCommand(Protocol.Command.CLIENT, "LIST"));
    }

    /** A servlet that keeps a counter in the session. */
    public static class CounterServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            HttpSession session = request.getSession(true);
            Integer n = (Integer)session.getAttribute("n");
            session.setAttribute("n", n = n == null ? 1 : n + 1);
            response.getWriter().print(n);
        }
    }

    @Test
    public void listenersOfManyWebappsShareOneConnectionOutsideThePool() throws Exception
    {
        // One more webapp than the pool has connections: each webapp's listener used to keep one for good.
        int webapps = 17;
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        server.addConnector(connector);
        RedisSessionDataStoreFactory sessions = new RedisSessionDataStoreFactory();
        sessions.setUri(REDIS.uri());
        sessions.setPrefix(cluster.prefix());
        sessions.setMaxConnections(16);
        server.addBean(sessions);
        server.addBean(new DefaultSessionCacheFactory());
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        for (int i = 0; i < webapps; i++)
        {
            ServletContextHandler context = new ServletContextHandler("/app" + i, ServletContextHandler.SESSIONS);
            context.addServlet(CounterServlet.class, "/*");
            contexts.addHandler(context);
        }
        server.setHandler(contexts);
        server.start();
        try
        {
            for (int i = 0; i < webapps; i++)
            {
                String url = "http://127.0.0.1:" + connector.getLocalPort() + "/app" + i + "/";
                assertEquals("1", cluster.client().GET(url).getContentAsString());
                assertEquals("2", cluster.client().GET(url).getContentAsString());
            }
            assertEquals(1, pubSubConnections(cluster.redis()), clientList(cluster.redis()));
            // Every webapp's channel on it, also those of webapps that started while it was connecting.
            for (int i = 0; i < webapps; i++)
            {
                String channel = new SessionKeys(cluster.prefix(), "_app" + i, "0.0.0.0").deletionChannel();
                Await.until(channel + " is listened to", Duration.ofSeconds(10), () -> subscribers(channel) == 1);
            }
        }
        finally
        {
            server.stop();
        }
    }

    @Test
    public void aDeletionMissedWhileTheListenerWasCutIsCaughtUpOnAtOnce() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.DEFAULT);
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.DEFAULT);
        String id = cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=user&value=alice"));
        assertEquals("alice", cluster.get(b.url("op=get&name=user")));
        cluster.awaitIdle();

        // A network blip on the listeners' connections (also what a Redis restart or failover does).
        cluster.redis().sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "pubsub");
        assertEquals("ok", cluster.get(a.url("op=invalidate")));
        cluster.awaitIdle();

        // Asked without a request of B's, which would find the session deleted by itself (its save is refused).
        Await.until("B drops the session A logged out", Duration.ofSeconds(10), () -> !b.holdsInMemory(id));
        assertEquals("none", cluster.get(b.url("op=set&name=user&value=mallory")));
        cluster.awaitIdle();
        assertFalse(cluster.redis().exists(cluster.keys().session(id)));
    }

    @Test
    public void aListenerWhoseConnectionSilentlyDiedNoticesAndCatchesUp() throws Exception
    {
        try (TcpProxy proxy = new TcpProxy(REDIS.server().port()))
        {
            JettyNode a = cluster.start("nodeA", JettyNode.Cache.DEFAULT);
            JettyNode b = cluster.start("nodeB", JettyNode.Cache.DEFAULT, node ->
            {
                node.sessions().setUri(proxy.uri());
                node.sessions().setSocketTimeoutMs(500);
            });
            String id = cluster.get(a.url("op=create"));
            cluster.get(a.url("op=set&name=user&value=alice"));
            assertEquals("alice", cluster.get(b.url("op=get&name=user")));
            cluster.awaitIdle();

            // B's connections stay open but carry nothing: a NAT or load balancer forgot the idle flows.
            proxy.blackhole();
            assertEquals("ok", cluster.get(a.url("op=invalidate")));
            cluster.awaitIdle();

            // No request of B's: through the black hole it would wait out its timeouts, and then drop the session by itself.
            Await.until("B drops the session A logged out", Duration.ofSeconds(20), () -> !b.holdsInMemory(id));
        }
    }

    @Test
    public void aListenerWhoseBrokenConnectionFailsToCloseListensAgain() throws Exception
    {
        List<Connection> opened = new CopyOnWriteArrayList<>();
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.DEFAULT);
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.DEFAULT, node ->
        {
            // A heartbeat every 500 ms, on a connection the test can see.
            node.sessions().setSocketTimeoutMs(500);
            node.sessions().setClientFactory(new PooledRedisClientFactory()
            {
                @Override
                public Connection openSubscriberConnection(UnifiedJedis client, RedisClientSettings settings)
                {
                    Connection connection = super.openSubscriberConnection(client, settings);
                    opened.add(connection);
                    return connection;
                }
            });
        });
        String channel = cluster.keys().deletionChannel();
        String id = cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=user&value=alice"));
        assertEquals("alice", cluster.get(b.url("op=get&name=user")));
        cluster.awaitIdle();
        Await.until("both nodes listen", Duration.ofSeconds(10), () -> subscribers(channel) == 2);
        Connection cut = opened.get(opened.size() - 1);

        ManagedSession held = ((DefaultSessionCache)b.webapp().getSessionHandler().getSessionCache()).doGet(id);
        assertNotNull(held);
        try (AutoLock lock = held.lock())
        {
            // B's listener hears the logout and waits for the session, as it does behind a save to a slow Redis.
            assertEquals("ok", cluster.get(a.url("op=invalidate")));
            Await.until("B's listener waits to drop the session", Duration.ofSeconds(10), DeletionBroadcastIT::listenerWaitsToDrop);
            // Redis cuts the listeners' connections (a restart, a failover) while it waits: B's heartbeat finds
            // its connection broken and leaves its SUBSCRIBE unsent, which closing the connection tries again.
            cluster.redis().sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "pubsub");
            Await.until("a heartbeat finds B's connection broken", Duration.ofSeconds(10), cut::isBroken);
        }

        Await.until("B listens again", Duration.ofSeconds(10), () -> subscribers(channel) == 2);
        String next = cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=user&value=bob"));
        assertEquals("bob", cluster.get(b.url("op=get&name=user")));
        cluster.awaitIdle();
        assertEquals("ok", cluster.get(a.url("op=invalidate")));
        cluster.awaitIdle();
        Await.until("B drops the session A logged out", Duration.ofSeconds(10), () -> !b.holdsInMemory(next));
        assertEquals("none", cluster.get(b.url("op=get&name=user")));
    }

    /** @return whether a listener of session deletions waits for a session's lock to drop it */
    private static boolean listenerWaitsToDrop()
    {
        return Thread.getAllStackTraces().entrySet().stream()
            .filter(thread -> thread.getKey().getName().equals("redis-session-deletions"))
            .anyMatch(thread -> thread.getKey().getState() == Thread.State.WAITING && Arrays.stream(thread.getValue())
                .anyMatch(frame -> frame.getClassName().equals(HeldSessions.class.getName()) && frame.getMethodName().equals("drop")));
    }

    @Test
    public void aSaveRefusedBecauseAnotherNodeDeletedTheSessionDropsItFromMemory() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.DEFAULT);
        // No listener on B: it learns of the deletion only when its save is refused.
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.DEFAULT, node -> node.sessions().setBroadcastInvalidation(false));
        String id = cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=user&value=alice"));
        assertEquals("alice", cluster.get(b.url("op=get&name=user")));
        cluster.awaitIdle();

        assertEquals("ok", cluster.get(a.url("op=invalidate")));
        cluster.awaitIdle();
        ContentResponse zombie = cluster.client().GET(b.url("op=set&name=user&value=mallory"));
        cluster.awaitIdle();

        assertFalse(cluster.redis().exists(cluster.keys().session(id)), "B's save did not re-create the session");
        assertEquals("none", cluster.get(b.url("op=get&name=user")), "B no longer serves the deleted session: " + zombie.getContentAsString());
        assertFalse(cluster.redis().exists(cluster.keys().session(id)));
        assertEquals(1, cluster.destroyedCount(id), "sessionDestroyed fired once, by the node that invalidated");
    }
}
