// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.jettyredis.session.RedisSessionCacheFactory;
import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.SessionLockHandler;
import io.github.jettyredis.session.client.RedisClientSettings;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.Authenticator;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.AbstractSessionCacheFactory;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.DefaultSessionIdManager;
import org.eclipse.jetty.session.HouseKeeper;
import org.eclipse.jetty.session.NullSessionCacheFactory;
import org.eclipse.jetty.session.SessionCacheFactory;
import org.eclipse.jetty.util.Callback;

/**
 * One node of a test cluster: an embedded Jetty with an ee10 (or ee11) webapp at {@code /app} whose sessions live in
 * Redis, a scavenger that runs every second, and a servlet at {@code /app/s} that drives sessions:
 * <ul>
 *   <li>{@code ?op=create[&ttl=N]}: a new session (interval N s); replies with its id</li>
 *   <li>{@code ?op=get&name=X}: the attribute's value, or {@code none} without a session</li>
 *   <li>{@code ?op=set&name=X&value=Y}: sets a String attribute</li>
 *   <li>{@code ?op=foo&i=N}: stores an instance of {@code Foo}, a class only the webapp's loader knows</li>
 *   <li>{@code ?op=readfoo}: {@code <i> <whether Foo came from this webapp's loader>}</li>
 *   <li>{@code ?op=ttl&n=N}: {@code setMaxInactiveInterval(N)}; {@code ?op=interval}: reads it</li>
 *   <li>{@code ?op=invalidate}, {@code ?op=renew} (changeSessionId; replies with the new id)</li>
 *   <li>{@code ?op=touch}: reads the session, changes nothing; {@code ?op=id}: replies with its id</li>
 *   <li>{@code ?op=append&name=X&value=Y}: adds Y to the list attribute X in place, without setAttribute</li>
 *   <li>{@code ?op=list&name=X}: the list attribute X, comma separated</li>
 *   <li>{@code ?op=bytes&name=X&size=N}: sets a byte[] of N bytes</li>
 *   <li>{@code ?op=big&name=X&kind=array|map|unserializable&n=N}: sets a Vector holding a byte[N], a map of N
 *   entries, or a value that cannot be serialized</li>
 *   <li>{@code ?op=incr&name=X}: increments the Integer attribute X, replies with the new value</li>
 *   <li>{@code ?op=hold&name=X[&value=Y][&create=true][&gate=second][&renew=true]}: takes the session (a new one if
 *   there is none and {@code create} is given), waits until the node's {@link #hold()} (with {@code gate=second},
 *   its {@link #secondHold()}) is released, then sets X to Y, or without a value replies with X; with
 *   {@code renew}, gives the session a new id instead (changeSessionId) and replies with it; with {@code append},
 *   takes the list attribute X before it waits, and adds Y to that list in place afterwards (no setAttribute), as
 *   a page that reads its cart first and adds to it later does</li>
 * </ul>
 * Every {@code sessionDestroyed} is counted per session id in the map given to the node. The webapp lives in
 * a temporary directory that {@link #close()} removes, as it does when the node fails to start.
 */
public final class JettyNode implements AutoCloseable
{
    /** The session cache of a node. */
    public enum Cache
    {
        /** {@code NullSessionCache}: every request reads Redis. */
        NULL,
        /** {@code DefaultSessionCache}: sessions are held in memory too. */
        DEFAULT,
        /** {@code RedisSessionCache}: held in memory, checked against Redis before each use. */
        REDIS,
        /** {@code RedisSessionCache} that does not use a held session it cannot check (Redis down). */
        REDIS_STRICT;

        /** @return a factory of this cache, which removes sessions it cannot load */
        public SessionCacheFactory factory()
        {
            AbstractSessionCacheFactory factory = switch (this)
            {
                case NULL -> new NullSessionCacheFactory();
                case DEFAULT -> new DefaultSessionCacheFactory();
                case REDIS -> new RedisSessionCacheFactory();
                case REDIS_STRICT ->
                {
                    RedisSessionCacheFactory strict = new RedisSessionCacheFactory();
                    strict.setUseHeldWhileRedisDown(false);
                    yield strict;
                }
            };
            factory.setRemoveUnloadableSessions(true);
            return factory;
        }

        /** @return whether the cache keeps sessions in memory between requests */
        public boolean holdsSessions()
        {
            return this != NULL;
        }

        /** @return whether the cache serves the sessions it holds while Redis cannot be asked */
        public boolean usesHeldWhileRedisDown()
        {
            return this == DEFAULT || this == REDIS;
        }
    }

    /**
     * Lets a test stop a request half-way ({@code op=hold}) to force an interleaving with another node. Each
     * node has one, released when the node closes, so that a test that fails while a request is held does
     * not leave the request (and the node's stop) waiting.
     */
    public static final class Hold
    {
        private final CountDownLatch release = new CountDownLatch(1);
        private int entered;

        private Hold()
        {
        }

        private synchronized void enter()
        {
            entered++;
            notifyAll();
        }

        /**
         * @param timeout how long to wait at most
         * @return whether an {@code op=hold} request reached the hold, its session in hand, in time
         * @throws InterruptedException if interrupted meanwhile
         */
        public boolean awaitEntered(Duration timeout) throws InterruptedException
        {
            return awaitEntered(1, timeout);
        }

        /**
         * @param requests how many {@code op=hold} requests to wait for
         * @param timeout how long to wait at most
         * @return whether that many requests reached the hold, each with its session in hand, in time
         * @throws InterruptedException if interrupted meanwhile
         */
        public synchronized boolean awaitEntered(int requests, Duration timeout) throws InterruptedException
        {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (entered < requests)
            {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0)
                    return false;
                wait(left);
            }
            return true;
        }

        /** Lets the held request go on; later {@code op=hold} requests then pass without waiting. */
        public void release()
        {
            release.countDown();
        }
    }

    private final Server server = new Server();
    private final RedisSessionDataStoreFactory sessions = new RedisSessionDataStoreFactory();
    private final SessionCacheFactory cacheFactory;
    private final NodeWebapp webapp;
    private final Hold hold = new Hold();
    private final Hold secondHold = new Hold();
    private final HouseKeeper houseKeeper;
    /** Scavenge cycles begun and finished: together they tell whole cycles from one under way. */
    private final AtomicInteger scavengesBegun = new AtomicInteger();
    private final AtomicInteger scavengesFinished = new AtomicInteger();
    private final Path base;
    private final CompletionCounter completions;
    private final ServerConnector connector = new ServerConnector(server);
    private final String redisUri;
    private final String prefix;

    /**
     * @param name the node's worker name
     * @param redisUri the Redis all nodes share
     * @param prefix the key prefix all nodes share
     * @param cache which session cache
     * @param destroyed where to count {@code sessionDestroyed} per id (shared by the nodes of a test)
     * @throws Exception if the webapp's directory cannot be made or the scavenger not configured
     */
    public JettyNode(String name, String redisUri, String prefix, Cache cache, Map<String, AtomicInteger> destroyed) throws Exception
    {
        this(name, NodeWebapp.Environment.EE10, redisUri, prefix, cache, destroyed);
    }

    /**
     * @param name the node's worker name
     * @param environment the Jakarta EE environment of the webapp
     * @param redisUri the Redis all nodes share
     * @param prefix the key prefix all nodes share
     * @param cache which session cache
     * @param destroyed where to count {@code sessionDestroyed} per id (shared by the nodes of a test)
     * @throws Exception if the webapp's directory cannot be made or the scavenger not configured
     */
    public JettyNode(String name, NodeWebapp.Environment environment, String redisUri, String prefix, Cache cache,
                     Map<String, AtomicInteger> destroyed) throws Exception
    {
        this.redisUri = redisUri;
        this.prefix = prefix;
        server.addConnector(connector);
        DefaultSessionIdManager ids = new DefaultSessionIdManager(server);
        ids.setWorkerName(name);
        houseKeeper = new HouseKeeper()
        {
            @Override
            public void scavenge()
            {
                scavengesBegun.incrementAndGet();
                try
                {
                    super.scavenge();
                }
                finally
                {
                    scavengesFinished.incrementAndGet();
                }
            }
        };
        houseKeeper.setIntervalSec(1);
        ids.setSessionHouseKeeper(houseKeeper);
        server.addBean(ids, true);

        sessions.setUri(redisUri);
        sessions.setPrefix(prefix);
        sessions.setGracePeriodSec(1);
        server.addBean(sessions);
        cacheFactory = cache.factory();
        server.addBean(cacheFactory);

        base = Files.createTempDirectory("webapp-" + name);
        try
        {
            Path classes = Files.createDirectories(base.resolve("WEB-INF/classes"));
            // Jetty's session test jar ships Foo as a resource, so only this webapp's loader can define it.
            try (InputStream foo = JettyNode.class.getClassLoader().getResourceAsStream("Foo.clazz"))
            {
                Files.copy(foo, classes.resolve("Foo.class"));
            }
        }
        catch (IOException | RuntimeException e)
        {
            TempDirectories.delete(base);
            throw e;
        }
        webapp = environment.create(base);
        webapp.serve(new SessionServlet(hold, secondHold), "/s");
        webapp.listen(new CountingListener(destroyed));
        completions = new CompletionCounter(webapp.context());
        server.setHandler(completions);
    }

    /**
     * Waits until the node has finished every request it received, session saves included (a request's
     * last save happens as it leaves, which can be after the client has the response), and session locks
     * given back if a {@link SessionLockHandler} wraps the node's handler ({@link #lockSessions()}).
     */
    public void awaitIdle() throws InterruptedException
    {
        completions.awaitIdle();
    }

    /**
     * Waits until the node's scavenger has run {@code cycles} whole cycles that began after the call: how a
     * test sees that "nothing happens" (no expiry, no listener) without sleeping for a guessed time.
     *
     * @param cycles how many cycles
     * @throws InterruptedException if interrupted meanwhile
     * @throws AssertionError if the scavenger did not run them within 10 s each, plus 10 s
     */
    public void awaitScavenges(int cycles) throws InterruptedException
    {
        ScavengeMark mark = markScavenges();
        Await.until(cycles + " scavenge cycles", ScavengeMark.timeout(cycles), () -> mark.passed(cycles));
    }

    /**
     * @param id a session id (without the node suffix)
     * @return whether the node's session cache holds the session in memory, asking nothing of Redis: what tells
     * that a node dropped a session it heard was deleted, where a request would drop it by itself (its save
     * finds the session deleted)
     */
    public boolean holdsInMemory(String id)
    {
        try
        {
            return webapp.sessionManager().getSessionCache().contains(id);
        }
        catch (Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops the node's scavenger for good: for a test whose Redis calls must be the requests' own (the scavenger
     * asks Redis every second).
     */
    public void stopScavenging() throws Exception
    {
        houseKeeper.setIntervalSec(0);
    }

    /** @return a mark of this moment in the node's scavenging, to ask later how many whole cycles ran since */
    public ScavengeMark markScavenges()
    {
        return new ScavengeMark(this, scavengesBegun.get());
    }

    /**
     * A moment in one node's scavenging. A cycle already under way at the mark is not counted: it may have
     * looked at Redis before the moment that matters to the test.
     */
    public static final class ScavengeMark
    {
        private final JettyNode node;
        private final int begun;

        private ScavengeMark(JettyNode node, int begun)
        {
            this.node = node;
            this.begun = begun;
        }

        /**
         * @param cycles how many cycles
         * @return whether the node's scavenger has run that many whole cycles that began after the mark
         */
        public boolean passed(int cycles)
        {
            // Cycles run one after another: every cycle begun before the mark finishes before a later one.
            return node.scavengesFinished.get() >= begun + cycles;
        }

        /**
         * @param cycles how many cycles
         * @return how long to wait at most for that many cycles of a one-second scavenger on a busy machine
         */
        static Duration timeout(int cycles)
        {
            return Duration.ofSeconds(10L * cycles + 10);
        }
    }

    /**
     * Counts requests as they arrive and once their session was saved: Jetty's session layer adds its stream
     * wrapper after this one, so it saves the session before passing completion inwards. A completion is
     * counted after it was passed on inwards, to the wrappers of handlers around this one: a
     * {@link SessionLockHandler} has given its lock back by then.
     */
    public static final class CompletionCounter extends Handler.Wrapper
    {
        private final AtomicInteger received = new AtomicInteger();
        private final AtomicInteger completed = new AtomicInteger();

        /**
         * @param handler the handler whose requests are counted
         */
        public CompletionCounter(Handler handler)
        {
            super(handler);
        }

        /** Waits until every request received so far has completed, its session saved. */
        public void awaitIdle() throws InterruptedException
        {
            int count = received.get();
            Await.until(count + " requests completed", Duration.ofSeconds(10), () -> completed.get() >= count);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            received.incrementAndGet();
            request.addHttpStreamWrapper(stream -> new HttpStream.Wrapper(stream)
            {
                @Override
                public void succeeded()
                {
                    super.succeeded();
                    completed.incrementAndGet();
                }

                @Override
                public void failed(Throwable x)
                {
                    super.failed(x);
                    completed.incrementAndGet();
                }
            });
            return super.handle(request, response, callback);
        }
    }

    /**
     * Serializes each session's requests across the cluster with a {@link SessionLockHandler}; call before start.
     *
     * @return this node
     */
    public JettyNode lockSessions()
    {
        return lockSessions(redisUri);
    }

    /**
     * As {@link #lockSessions()}, with the locks in another Redis than the sessions.
     *
     * @param lockRedisUri where the locks are taken
     * @return this node
     */
    public JettyNode lockSessions(String lockRedisUri)
    {
        RedisClientSettings settings = new RedisClientSettings(lockRedisUri, null, null, 2000, 2000, 16, null, null);
        server.setHandler(new SessionLockHandler(settings, prefix, server.getHandler()));
        return this;
    }

    /**
     * @return this node, started
     * @throws Exception if it does not start; the node is then closed (its directory removed)
     */
    public JettyNode start() throws Exception
    {
        try
        {
            server.start();
        }
        catch (Exception e)
        {
            try
            {
                close();
            }
            catch (Exception stopFailed)
            {
                e.addSuppressed(stopFailed);
            }
            throw e;
        }
        return this;
    }

    /**
     * @param query the query of the servlet's request, e.g. {@code op=create}
     * @return the URL of the session servlet with that query
     */
    public String url(String query)
    {
        return "http://127.0.0.1:" + connector.getLocalPort() + "/app/s?" + query;
    }

    /** @return the store of the webapp (the node must be started) */
    public RedisSessionDataStore store()
    {
        return (RedisSessionDataStore)webapp.sessionManager().getSessionCache().getSessionDataStore();
    }

    /** @return the node's server, e.g. to look up its beans or wrap its handler before start */
    public Server server()
    {
        return server;
    }

    /** @return the factory of the node's session cache, to configure before the node starts */
    public SessionCacheFactory cacheFactory()
    {
        return cacheFactory;
    }

    /** @return the node's store factory, to configure before start */
    public RedisSessionDataStoreFactory sessions()
    {
        return sessions;
    }

    /** @return the node's webapp, an ee10 one */
    public WebAppContext webapp()
    {
        if (webapp.context() instanceof WebAppContext ee10)
            return ee10;
        throw new IllegalStateException("Not an ee10 node: " + webapp.context());
    }

    /**
     * Serves a servlet in the node's webapp, whatever its environment; call before start.
     *
     * @param servlet a servlet
     * @param pathSpec where to serve it
     */
    public void serve(HttpServlet servlet, String pathSpec)
    {
        webapp.serve(servlet, pathSpec);
    }

    /**
     * Lets only the users of a role reach a path of the node's webapp, whatever its environment; call before start.
     *
     * @param pathSpec the protected path
     * @param role the role that may reach it
     * @param authenticator how requests authenticate (FORM, BASIC...)
     * @param logins who the users are
     */
    public void protect(String pathSpec, String role, Authenticator authenticator, LoginService logins)
    {
        webapp.protect(pathSpec, role, authenticator, logins);
    }

    /** @return the hold that {@code op=hold} requests of this node wait on */
    public Hold hold()
    {
        return hold;
    }

    /**
     * @return the hold that {@code op=hold&gate=second} requests of this node wait on: released on its own, it
     * lets some of the requests in a session leave while others stay
     */
    public Hold secondHold()
    {
        return secondHold;
    }

    /**
     * Releases both holds (a held request must not keep the node from stopping), stops the server and removes
     * the webapp's directory; closing again does nothing more.
     */
    @Override
    public void close() throws Exception
    {
        hold.release();
        secondHold.release();
        try
        {
            server.stop();
        }
        finally
        {
            TempDirectories.delete(base);
        }
    }

    /** Counts {@code sessionDestroyed} per session id. */
    private static final class CountingListener implements HttpSessionListener
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
        private final transient Hold hold;
        private final transient Hold secondHold;

        /**
         * @param hold what {@code op=hold} requests wait on
         * @param secondHold what {@code op=hold&gate=second} requests wait on
         */
        public SessionServlet(Hold hold, Hold secondHold)
        {
            this.hold = hold;
            this.secondHold = secondHold;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            String op = request.getParameter("op");
            HttpSession session = request.getSession("create".equals(op) || "true".equals(request.getParameter("create")));
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
                case "touch" -> "ok";
                case "big" ->
                {
                    session.setAttribute(request.getParameter("name"), bigValue(request.getParameter("kind"), Integer.parseInt(request.getParameter("n"))));
                    yield "ok";
                }
                case "id" -> session.getId();
                case "append" ->
                {
                    @SuppressWarnings("unchecked")
                    List<String> list = (List<String>)session.getAttribute(request.getParameter("name"));
                    if (list == null)
                        session.setAttribute(request.getParameter("name"), list = new ArrayList<>());
                    list.add(request.getParameter("value"));
                    yield "ok";
                }
                case "list" -> String.join(",", (List<String>)session.getAttribute(request.getParameter("name")));
                case "bytes" ->
                {
                    session.setAttribute(request.getParameter("name"), new byte[Integer.parseInt(request.getParameter("size"))]);
                    yield "ok";
                }
                case "incr" ->
                {
                    Integer value = (Integer)session.getAttribute(request.getParameter("name"));
                    value = value == null ? 1 : value + 1;
                    session.setAttribute(request.getParameter("name"), value);
                    yield value.toString();
                }
                case "hold" ->
                {
                    Hold gate = "second".equals(request.getParameter("gate")) ? secondHold : hold;
                    @SuppressWarnings("unchecked")
                    List<String> taken = "true".equals(request.getParameter("append"))
                        ? (List<String>)session.getAttribute(request.getParameter("name")) : null;
                    gate.enter();
                    awaitRelease(gate);
                    try
                    {
                        if ("true".equals(request.getParameter("renew")))
                            yield request.changeSessionId();
                        if (taken != null)
                        {
                            taken.add(request.getParameter("value"));
                            yield "ok";
                        }
                        // Without a value, the request only reads, as Jetty's BASIC login does as a request leaves.
                        if (request.getParameter("value") == null)
                            yield String.valueOf(session.getAttribute(request.getParameter("name")));
                        session.setAttribute(request.getParameter("name"), request.getParameter("value"));
                        yield "ok";
                    }
                    catch (IllegalStateException e)
                    {
                        // The Servlet spec's answer for a session invalidated while this request held it.
                        yield "invalidated";
                    }
                }
                default -> throw new IllegalArgumentException(op);
            });
        }

        /** Values only Java serialization writes, large in the ways the read side's filter limits. */
        private static Object bigValue(String kind, int n)
        {
            return switch (kind)
            {
                // A Vector, not an ArrayList: a list of typed values is typed, and a byte[] there has no array limit.
                case "array" -> new java.util.Vector<>(List.of(new byte[n]));
                case "map" ->
                {
                    Map<Integer, Integer> map = new java.util.HashMap<>();
                    for (int i = 0; i < n; i++)
                        map.put(i, i);
                    yield map;
                }
                case "unserializable" -> new Object();
                default -> throw new IllegalArgumentException(kind);
            };
        }

        private static void awaitRelease(Hold hold)
        {
            try
            {
                if (!hold.release.await(30, TimeUnit.SECONDS))
                    throw new IllegalStateException("never released");
            }
            catch (InterruptedException e)
            {
                throw new IllegalStateException(e);
            }
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

    /** @return an empty map for counting {@code sessionDestroyed} per session id, safe for concurrent use */
    public static Map<String, AtomicInteger> newCounter()
    {
        return new ConcurrentHashMap<>();
    }
}
