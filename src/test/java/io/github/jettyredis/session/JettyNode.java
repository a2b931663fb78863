package io.github.jettyredis.session;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.DefaultSessionIdManager;
import org.eclipse.jetty.session.HouseKeeper;
import org.eclipse.jetty.session.NullSessionCacheFactory;
import org.eclipse.jetty.session.SessionCacheFactory;

/**
 * One node of a test cluster: an embedded Jetty with an ee10 webapp at {@code /app} whose sessions live in
 * Redis, a scavenger that runs every second, and a servlet at {@code /app/s} that drives sessions:
 * <ul>
 *   <li>{@code ?op=create[&ttl=N]}: a new session (interval N s); replies with its id</li>
 *   <li>{@code ?op=get&name=X}: the attribute's value, or {@code none} without a session</li>
 *   <li>{@code ?op=set&name=X&value=Y}: sets a String attribute</li>
 *   <li>{@code ?op=foo&i=N}: stores an instance of {@code Foo}, a class only the webapp's loader knows</li>
 *   <li>{@code ?op=readfoo}: {@code <i> <whether Foo came from this webapp's loader>}</li>
 *   <li>{@code ?op=ttl&n=N}: {@code setMaxInactiveInterval(N)}; {@code ?op=interval}: reads it</li>
 *   <li>{@code ?op=invalidate}, {@code ?op=renew} (changeSessionId; replies with the new id)</li>
 * </ul>
 * Every {@code sessionDestroyed} is counted per session id in the map given to the node.
 */
final class JettyNode implements AutoCloseable
{
    enum Cache
    {
        NULL, DEFAULT;

        SessionCacheFactory factory()
        {
            if (this == NULL)
            {
                NullSessionCacheFactory factory = new NullSessionCacheFactory();
                factory.setRemoveUnloadableSessions(true);
                return factory;
            }
            DefaultSessionCacheFactory factory = new DefaultSessionCacheFactory();
            factory.setRemoveUnloadableSessions(true);
            return factory;
        }
    }

    final Server server = new Server();
    final RedisSessionDataStoreFactory sessions = new RedisSessionDataStoreFactory();
    final WebAppContext webapp = new WebAppContext();
    private final ServerConnector connector = new ServerConnector(server);

    /**
     * @param name the node's worker name
     * @param redisUri the Redis all nodes share
     * @param prefix the key prefix all nodes share
     * @param cache which session cache
     * @param destroyed where to count {@code sessionDestroyed} per id (shared by the nodes of a test)
     */
    JettyNode(String name, String redisUri, String prefix, Cache cache, Map<String, AtomicInteger> destroyed) throws Exception
    {
        server.addConnector(connector);
        DefaultSessionIdManager ids = new DefaultSessionIdManager(server);
        ids.setWorkerName(name);
        HouseKeeper houseKeeper = new HouseKeeper();
        houseKeeper.setIntervalSec(1);
        ids.setSessionHouseKeeper(houseKeeper);
        server.addBean(ids, true);

        sessions.setUri(redisUri);
        sessions.setPrefix(prefix);
        sessions.setGracePeriodSec(1);
        server.addBean(sessions);
        server.addBean(cache.factory());

        Path base = Files.createTempDirectory("webapp-" + name);
        Path classes = Files.createDirectories(base.resolve("WEB-INF/classes"));
        // Jetty's session test jar ships Foo as a resource, so only this webapp's loader can define it.
        try (InputStream foo = JettyNode.class.getClassLoader().getResourceAsStream("Foo.clazz"))
        {
            Files.copy(foo, classes.resolve("Foo.class"));
        }
        webapp.setContextPath("/app");
        webapp.setBaseResourceAsPath(base);
        webapp.addServlet(SessionServlet.class, "/s");
        webapp.addEventListener(new CountingListener(destroyed));
        server.setHandler(webapp);
    }

    JettyNode start() throws Exception
    {
        server.start();
        return this;
    }

    String url(String query)
    {
        return "http://127.0.0.1:" + connector.getLocalPort() + "/app/s?" + query;
    }

    RedisSessionDataStore store()
    {
        return (RedisSessionDataStore)webapp.getSessionHandler().getSessionCache().getSessionDataStore();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }

    /** Counts {@code sessionDestroyed} per session id. */
    static final class CountingListener implements HttpSessionListener
    {
        private final Map<String, AtomicInteger> destroyed;

        CountingListener(Map<String, AtomicInteger> destroyed)
        {
            this.destroyed = destroyed;
        }

        @Override
        public void sessionDestroyed(HttpSessionEvent event)
        {
            destroyed.computeIfAbsent(event.getSession().getId(), id -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** Drives sessions for the tests; see {@link JettyNode}. */
    public static class SessionServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            String op = request.getParameter("op");
            HttpSession session = request.getSession("create".equals(op));
            response.setContentType("text/plain");
            if (session == null)
            {
                response.getWriter().print("none");
                return;
            }
            response.getWriter().print(switch (op)
            {
                case "create" ->
                {
                    if (request.getParameter("ttl") != null)
                        session.setMaxInactiveInterval(Integer.parseInt(request.getParameter("ttl")));
                    yield session.getId();
                }
                case "get" -> String.valueOf(session.getAttribute(request.getParameter("name")));
                case "set" ->
                {
                    session.setAttribute(request.getParameter("name"), request.getParameter("value"));
                    yield "ok";
                }
                case "foo" -> storeFoo(session, Integer.parseInt(request.getParameter("i")));
                case "readfoo" -> readFoo(session.getAttribute("foo"));
                case "ttl" ->
                {
                    session.setMaxInactiveInterval(Integer.parseInt(request.getParameter("n")));
                    yield "ok";
                }
                case "interval" -> Integer.toString(session.getMaxInactiveInterval());
                case "invalidate" ->
                {
                    session.invalidate();
                    yield "ok";
                }
                case "renew" -> request.changeSessionId();
                default -> throw new IllegalArgumentException(op);
            });
        }

        private static String storeFoo(HttpSession session, int i)
        {
            try
            {
                Class<?> foo = Class.forName("Foo", true, Thread.currentThread().getContextClassLoader());
                Object instance = foo.getConstructor().newInstance();
                foo.getMethod("setI", int.class).invoke(instance, i);
                session.setAttribute("foo", instance);
                return "ok";
            }
            catch (ReflectiveOperationException e)
            {
                throw new IllegalStateException(e);
            }
        }

        private static String readFoo(Object foo)
        {
            try
            {
                boolean webappLoader = foo.getClass().getClassLoader() == Thread.currentThread().getContextClassLoader();
                return foo.getClass().getMethod("getI").invoke(foo) + " " + webappLoader;
            }
            catch (ReflectiveOperationException e)
            {
                throw new IllegalStateException(e);
            }
        }
    }

    static Map<String, AtomicInteger> newCounter()
    {
        return new ConcurrentHashMap<>();
    }
}
