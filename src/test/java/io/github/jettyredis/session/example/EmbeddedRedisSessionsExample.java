// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.example;

import java.io.IOException;

import io.github.jettyredis.session.RedisSessionCacheFactory;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.StoreProperty;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;

/**
 * Embedded Jetty keeping its HTTP sessions in Redis: a class to copy. It needs
 * {@code io.github.jettyredis:jetty-session-redis} and {@code org.eclipse.jetty.ee10:jetty-ee10-servlet}
 * (or {@code jetty-ee10-webapp} for a {@code WebAppContext}, which is set up the same way).
 *
 * <p>Run two of them on different ports against one Redis, open both in a browser on the same host name,
 * and they share one session:</p>
 * <pre>
 * java ... EmbeddedRedisSessionsExample 8081 redis://127.0.0.1:6379
 * java ... EmbeddedRedisSessionsExample 8082 redis://127.0.0.1:6379
 * </pre>
 */
public final class EmbeddedRedisSessionsExample
{
    private EmbeddedRedisSessionsExample()
    {
    }

    /** Counts the visits of a session: {@code visits=<n> id=<session id>}. */
    public static class VisitCounterServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            HttpSession session = request.getSession(true);
            Integer visits = (Integer)session.getAttribute("visits");
            visits = visits == null ? 1 : visits + 1;
            // Set the attribute again after each change: that is what makes Jetty write the session.
            session.setAttribute("visits", visits);
            response.setContentType("text/plain;charset=utf-8");
            response.getWriter().println("visits=" + visits + " id=" + session.getId());
        }
    }

    /**
     * Builds a server whose sessions live in Redis (not started).
     *
     * @param port the HTTP port, 0 for any free one
     * @param redisUri {@code redis://[user:password@]host:port[/db]}, or {@code rediss://...} for TLS
     * @param keyPrefix the prefix of every Redis key; servers that share sessions use the same one
     * @return the server
     */
    public static Server newServer(int port, String redisUri, String keyPrefix)
    {
        Server server = new Server(port);

        // The store: a factory added as a bean of the Server. The SessionHandler of every context of the
        // server finds it when it starts and gets its own RedisSessionDataStore from it. Every setting is a
        // bean property (the jetty.session.redis.* properties of the Jetty module); set them before start.
        RedisSessionDataStoreFactory sessions = new RedisSessionDataStoreFactory();
        sessions.setUri(redisUri);
        sessions.setPrefix(keyPrefix);
        sessions.setMaxConnections(8);
        server.addBean(sessions);

        // The cache in front of the store, also found as a Server bean. A RedisSessionCache keeps sessions
        // in memory and checks with one small read that Redis holds the same before a request uses one, so
        // any server sees the latest state without sticky load balancing. (A NullSessionCacheFactory reads
        // the whole session at every request; a DefaultSessionCacheFactory never checks: sticky sessions only.)
        server.addBean(new RedisSessionCacheFactory());

        // An ee10 context with sessions enabled; a WebAppContext works the same way.
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        context.addServlet(VisitCounterServlet.class, "/");
        server.setHandler(context);
        return server;
    }

    /**
     * @param args {@code [port [redis-uri]]}, by default {@code 8080 redis://127.0.0.1:6379}
     */
    public static void main(String[] args) throws Exception
    {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        String redisUri = args.length > 1 ? args[1] : StoreProperty.URI.defaultValue();
        Server server = newServer(port, redisUri, "example-session:");
        server.start();
        System.out.println("Sessions in Redis at " + redisUri + ": open " + server.getURI());
        server.join();
    }
}
