// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.IOException;
import java.util.EnumSet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.DefaultSessionIdManager;
import org.eclipse.jetty.session.SessionCacheFactory;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One Jetty server of the end-to-end benchmark: an ee10 servlet context {@code /app} whose session
 * manager gets its cache and store from the given factories, as a deployment configures them, and
 * {@link SessionWorkServlet} at {@code /app/s}. Sessions last 30 minutes, so stores write expiries.
 * Or, for a framework that keeps sessions itself (Spring Session), the same context without Jetty's
 * sessions and the framework's filter in front of the servlet.
 */
final class BenchNode implements AutoCloseable
{
    private final Server server;
    private final ServerConnector connector;
    private final AutoCloseable resources;

    /**
     * @param worker the node's worker name (unique among the nodes that share a store)
     * @param storeFactory where sessions are kept
     * @param cacheFactory how this node holds sessions in memory
     */
    BenchNode(String worker, SessionDataStoreFactory storeFactory, SessionCacheFactory cacheFactory) throws Exception
    {
        this(worker, storeFactory, cacheFactory, null, null);
    }

    /**
     * @param worker the node's name
     * @param sessionFilter the filter that gives requests their sessions, in place of Jetty's session handler
     * @param resources what the filter uses, closed after the server stops
     */
    BenchNode(String worker, Filter sessionFilter, AutoCloseable resources) throws Exception
    {
        this(worker, null, null, sessionFilter, resources);
    }

    private BenchNode(String worker, SessionDataStoreFactory storeFactory, SessionCacheFactory cacheFactory, Filter sessionFilter,
                      AutoCloseable resources) throws Exception
    {
        this.resources = resources;
        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("node-" + worker);
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context;
        if (sessionFilter == null)
        {
            DefaultSessionIdManager ids = new DefaultSessionIdManager(server);
            ids.setWorkerName(worker);
            server.addBean(ids, true);
            server.addBean(storeFactory);
            server.addBean(cacheFactory);
            context = new ServletContextHandler("/app", ServletContextHandler.SESSIONS);
            context.getSessionHandler().setMaxInactiveInterval(1800);
        }
        else
        {
            // No session handler: Jetty has no sessions here, the filter's wrapped request has them.
            context = new ServletContextHandler("/app", ServletContextHandler.NO_SESSIONS);
            context.addFilter(new FilterHolder(sessionFilter), "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        context.addServlet(SessionWorkServlet.class, "/s");
        server.setHandler(context);
        server.start();
    }

    /** @return the URL of the servlet */
    String url()
    {
        return "http://127.0.0.1:" + connector.getLocalPort() + "/app/s";
    }

    @Override
    public void close() throws Exception
    {
        try
        {
            server.stop();
        }
        finally
        {
            if (resources != null)
                resources.close();
        }
    }

    /**
     * Each request reads the session and changes it: the first one fills a new session with the typical
     * shape ({@link SessionShapes}), every later one reads the profile object and increments a counter; with
     * the parameter {@code read}, a request of a session that exists only reads them, and answers the counter
     * as it is.
     */
    public static final class SessionWorkServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            HttpSession session = request.getSession(true);
            Integer counter = (Integer)session.getAttribute("counter");
            boolean readOnly = request.getParameter("read") != null;
            if (counter == null)
            {
                SessionShapes.typical().forEach(session::setAttribute);
                counter = 0;
                readOnly = false;
            }
            UserProfile profile = (UserProfile)session.getAttribute("profile");
            int answer = readOnly ? counter : counter + 1;
            if (!readOnly)
                session.setAttribute("counter", answer);
            response.setContentType("text/plain");
            response.getWriter().print(profile.getDisplayName() + " " + answer);
        }
    }
}
