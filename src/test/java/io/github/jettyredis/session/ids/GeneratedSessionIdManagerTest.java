// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.ids;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.testing.RedisTestServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.DefaultSessionIdManager;
import org.eclipse.jetty.session.HouseKeeper;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionIdManager;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pluggable session ids over real HTTP, with sessions in Redis: the generator's ids are used, one already
 * in use in Redis is never handed out, and the generator is configurable in code, by class name and in XML.
 */
public class GeneratedSessionIdManagerTest
{
    private final String prefix = RedisTestServer.uniquePrefix();
    private Server server;
    private ServletContextHandler context;
    private HttpClient client;
    private String url;

    /** Hands out the ids queued by the test, then "fresh" + a counter. */
    public static class QueuedIdGenerator implements SessionIdGenerator
    {
        static final Deque<String> QUEUE = new ArrayDeque<>();
        static final AtomicInteger COUNTER = new AtomicInteger();

        @Override
        public synchronized String newSessionId()
        {
            String queued = QUEUE.poll();
            return queued != null ? queued : "fresh" + COUNTER.incrementAndGet();
        }
    }

    /** Creates a session and replies with its id. */
    public static class CreateServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            response.getWriter().print(request.getSession(true).getId());
        }
    }

    /** Starts a server whose session id manager is a GeneratedSessionIdManager configured by the caller. */
    private GeneratedSessionIdManager start(Consumer<GeneratedSessionIdManager> configure) throws Exception
    {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        server.addConnector(connector);
        GeneratedSessionIdManager ids = new GeneratedSessionIdManager(server);
        configure.accept(ids);
        server.addBean(ids, true);
        RedisSessionDataStoreFactory sessions = new RedisSessionDataStoreFactory();
        sessions.setUri(RedisTestServer.shared().uri());
        sessions.setPrefix(prefix);
        server.addBean(sessions);
        context = new ServletContextHandler("/app", ServletContextHandler.SESSIONS);
        context.addServlet(CreateServlet.class, "/");
        server.setHandler(context);
        server.start();
        client = new HttpClient();
        client.start();
        url = "http://127.0.0.1:" + connector.getLocalPort() + "/app/";
        return ids;
    }

    @AfterEach
    public void stop() throws Exception
    {
        QueuedIdGenerator.QUEUE.clear();
        if (client != null)
            client.stop();
        if (server != null)
            server.stop();
    }

    private String newSessionOverHttp() throws Exception
    {
        client.getHttpCookieStore().clear();
        return client.GET(url).getContentAsString();
    }

    private RedisSessionDataStore store()
    {
        return (RedisSessionDataStore)context.getSessionHandler().getSessionCache().getSessionDataStore();
    }

    @Test
    public void anIdInUseInRedisIsNeverHandedOut() throws Exception
    {
        start(ids -> ids.setIdGenerator(new QueuedIdGenerator()));

        // A session with id "taken" lives in Redis, stored by another node.
        long now = System.currentTimeMillis();
        SessionData taken = store().newSessionData("taken", now, now, now, 600_000);
        taken.calcAndSetExpiry(now);
        store().store("taken", taken);

        QueuedIdGenerator.QUEUE.addAll(List.of("taken", "mine"));
        assertEquals("mine", newSessionOverHttp());
    }

    @Test
    public void aGeneratorThatOnlyMakesTakenIdsFailsLoudly() throws Exception
    {
        GeneratedSessionIdManager ids = start(manager -> manager.setIdGenerator(() -> "taken"));
        long now = System.currentTimeMillis();
        SessionData taken = store().newSessionData("taken", now, now, now, 600_000);
        taken.calcAndSetExpiry(now);
        store().store("taken", taken);
        assertThrows(IllegalStateException.class, () -> ids.newSessionId(0));
        assertThrows(IllegalStateException.class, () ->
        {
            ids.setIdGenerator(() -> "has.dot");
            ids.newSessionId(0);
        });
    }

    @Test
    public void withoutAGeneratorIdsAreJettysOwn() throws Exception
    {
        start(ids -> ids.setWorkerName("w1"));
        String id = newSessionOverHttp();
        assertTrue(id.startsWith("w1") && id.length() > 20, id);
    }

    @Test
    public void installedByClassNameKeepingWorkerNameAndHouseKeeper() throws Exception
    {
        Server s = new Server();
        DefaultSessionIdManager jettys = new DefaultSessionIdManager(s);
        jettys.setWorkerName("w7");
        HouseKeeper houseKeeper = new HouseKeeper();
        jettys.setSessionHouseKeeper(houseKeeper);
        s.addBean(jettys, true);

        GeneratedSessionIdManager installed = GeneratedSessionIdManager.install(s, QueuedIdGenerator.class.getName());
        assertSame(installed, s.getBean(SessionIdManager.class));
        assertEquals("w7", installed.getWorkerName());
        assertSame(houseKeeper, installed.getSessionHouseKeeper());
        assertEquals(1, s.getBeans(SessionIdManager.class).size());

        // The session-id-generator module exists to install a generator: without one it stops the server.
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> GeneratedSessionIdManager.install(s, " "));
        assertTrue(blank.getMessage().contains("jetty.session.redis.idGenerator must name a"), blank.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> GeneratedSessionIdManager.install(s, "com.example.Nope"));
        assertTrue(bad.getMessage().contains("jetty.session.redis.idGenerator"), bad.getMessage());
        assertSame(installed, s.getBean(SessionIdManager.class), "a failed install changes nothing");
    }

    @Test
    public void aGeneratorNamedButNotInstalledStopsTheServer()
    {
        Server s = new Server();
        s.addBean(new DefaultSessionIdManager(s), true);
        GeneratedSessionIdManager.checkInstalled(s, "");

        // An ini from when the store's module installed the generator, without the session-id-generator module.
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> GeneratedSessionIdManager.checkInstalled(s, "com.acme.MyIds"));
        assertTrue(missing.getMessage().contains("jetty.session.redis.idGenerator=com.acme.MyIds") &&
            missing.getMessage().contains("--add-modules=session-id-generator"), missing.getMessage());

        GeneratedSessionIdManager.install(s, QueuedIdGenerator.class.getName());
        GeneratedSessionIdManager.checkInstalled(s, QueuedIdGenerator.class.getName());
    }

    @Test
    public void configuredInJettyXml() throws Exception
    {
        Path xml = Files.createTempFile("ids", ".xml");
        Files.writeString(xml, """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure class="io.github.jettyredis.session.ids.GeneratedSessionIdManager">
              <Set name="idGenerator"><New class="%s"/></Set>
            </Configure>
            """.formatted(QueuedIdGenerator.class.getName()));
        start(ids ->
        {
            try
            {
                new XmlConfiguration(ResourceFactory.root().newResource(xml)).configure(ids);
            }
            catch (Exception e)
            {
                throw new IllegalStateException(e);
            }
        });
        QueuedIdGenerator.QUEUE.add("fromxml");
        assertEquals("fromxml", newSessionOverHttp());
    }
}
