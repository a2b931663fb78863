// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.demo.webapp;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.jettyredis.session.internal.SessionKeys;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import redis.clients.jedis.UnifiedJedis;

/**
 * The demo webapp: one page that shows the session as this node sees it (id, node, visit counter,
 * attributes, max-inactive interval) and the remaining TTL of its Redis key, with forms to change the
 * interval, set an attribute and invalidate the session.
 *
 * <p>{@code GET /} is a visit (it increments {@code visits}); {@code POST /} with {@code action} =
 * {@code maxInactive} ({@code seconds}), {@code attribute} ({@code name}, {@code value}; empty removes) or
 * {@code renew} ({@code changeSessionId}) or {@code invalidate} changes the session, then redirects to the page. With {@code format=text} both answer
 * {@code name=value} lines instead, for scripts and the distribution test.</p>
 *
 * <p>It runs in a webapp of its own on a Jetty distribution, so it sees no Jetty or store classes: the
 * node's name comes from {@code JETTY_WORKER_INSTANCE} (which also names Jetty's session worker), the
 * Redis URI and key prefix from the system properties {@code jetty.session.redis.uri} and
 * {@code jetty.session.redis.prefix} (the demo launcher sets them; without them no TTL is shown), and
 * Redis is read with the webapp's own Jedis.</p>
 */
public class SessionDemoServlet extends HttpServlet
{
    private static final String VISITS = "visits";
    private static final String LAST_NODE = "lastNode";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        if (!isPage(request))
        {
            // e.g. the browser's /favicon.ico: not a visit, and no session for it.
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        HttpSession session = request.getSession(true);
        Integer visits = (Integer)session.getAttribute(VISITS);
        session.setAttribute(VISITS, visits == null ? 1 : visits + 1);
        session.setAttribute(LAST_NODE, node());
        if (isText(request))
            writeText(request, response, session);
        else
            writeHtml(request, response, session);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        if (!isPage(request))
        {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        HttpSession session = request.getSession(false);
        String action = String.valueOf(request.getParameter("action"));
        if (session != null)
        {
            switch (action)
            {
                case "maxInactive" ->
                {
                    Integer seconds = intParameter(request, "seconds");
                    if (seconds == null)
                    {
                        response.sendError(HttpServletResponse.SC_BAD_REQUEST, "seconds must be a whole number");
                        return;
                    }
                    session.setMaxInactiveInterval(seconds);
                }
                case "attribute" -> setAttribute(session, request.getParameter("name"), request.getParameter("value"));
                case "invalidate" ->
                {
                    session.invalidate();
                    session = null;
                }
                case "renew" -> request.changeSessionId();
                default ->
                {
                    response.sendError(HttpServletResponse.SC_BAD_REQUEST, "Unknown action: " + action);
                    return;
                }
            }
        }
        if (isText(request))
            writeText(request, response, session);
        else
            response.sendRedirect(request.getContextPath() + "/");
    }

    private static boolean isPage(HttpServletRequest request)
    {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return path.isEmpty() || path.equals("/");
    }

    private static boolean isText(HttpServletRequest request)
    {
        return "text".equals(request.getParameter("format"));
    }

    /** @return the parameter as an int, or null if it is not a whole number */
    private static Integer intParameter(HttpServletRequest request, String name)
    {
        try
        {
            return Integer.parseInt(String.valueOf(request.getParameter(name)).trim());
        }
        catch (NumberFormatException e)
        {
            return null;
        }
    }

    private static void setAttribute(HttpSession session, String name, String value)
    {
        if (name == null || name.isBlank())
            return;
        if (value == null || value.isEmpty())
            session.removeAttribute(name.trim());
        else
            session.setAttribute(name.trim(), value);
    }

    /** @return this node's name, as Jetty's session worker name is made from the same variable */
    private static String node()
    {
        String instance = System.getenv("JETTY_WORKER_INSTANCE");
        return "node" + (instance == null || instance.isBlank() ? "0" : instance.trim());
    }

    /** @return the key layout of SessionKeys: {@code <prefix>{<canonical context path>_<vhost>_<id>}} */
    private static String sessionKey(String prefix, HttpServletRequest request, HttpSession session)
    {
        String canonicalContextPath = request.getContextPath().isEmpty()
            ? "_" : request.getContextPath().replace('/', '_').replace('.', '_').replace('\\', '_');
        // No virtual hosts are configured, which Jetty's key layout writes as 0.0.0.0.
        return prefix + "{" + canonicalContextPath + "_0.0.0.0_" + session.getId() + "}";
    }

    /** @return the key's remaining TTL as text, or why it is not shown */
    private String ttl(String key)
    {
        if (key == null)
            return "not shown: start the node with -Djetty.session.redis.uri=... to see it";
        try
        {
            long ttlMs = WebappRedis.client().pttl(key);
            if (ttlMs == -2)
                return "no key yet: a new session is written when its first request ends (reload)";
            if (ttlMs == -1)
                return "none: the session never expires";
            return String.format("%.1f s", ttlMs / 1000.0);
        }
        catch (RuntimeException e)
        {
            return "unavailable: " + e;
        }
    }

    private static String redisKey(HttpServletRequest request, HttpSession session)
    {
        return WebappRedis.configured() ? sessionKey(WebappRedis.prefix(), request, session) : null;
    }

    private void writeText(HttpServletRequest request, HttpServletResponse response, HttpSession session) throws IOException
    {
        Map<String, Object> lines = new LinkedHashMap<>();
        lines.put("node", node());
        lines.put("port", request.getLocalPort());
        // What the server's lib/redis/ shows this webapp: nothing, as the module hides it. The webapp's Jedis
        // is its own, and protobuf and the store, which it does not bundle, cannot be loaded at all.
        lines.put("jedisJar", UnifiedJedis.class.getProtectionDomain().getCodeSource().getLocation());
        lines.put("serverProtobufVisible", isLoadable("com.google.protobuf.Message"));
        lines.put("serverStoreVisible", isLoadable("io.github.jettyredis.session.RedisSessionDataStoreFactory"));
        lines.put("session", session != null);
        if (session != null)
        {
            lines.put("id", session.getId());
            lines.put("new", session.isNew());
            lines.put("maxInactiveInterval", session.getMaxInactiveInterval());
            for (String name : attributeNames(session))
                lines.put("attribute." + name, session.getAttribute(name));
        }
        StoreCountersView.read().forEach((name, value) -> lines.put("counters." + name, value));
        response.setContentType("text/plain;charset=utf-8");
        PrintWriter out = response.getWriter();
        lines.forEach((name, value) -> out.println(name + "=" + value));
    }

    private void writeHtml(HttpServletRequest request, HttpServletResponse response, HttpSession session) throws IOException
    {
        String key = redisKey(request, session);
        response.setContentType("text/html;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        PrintWriter out = response.getWriter();
        out.println("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Session demo: " + node() + "</title>");
        out.println("<style>body{font-family:sans-serif;margin:2em;max-width:60em}td,th{padding:.2em .8em;text-align:left}" +
            "th{background:#eee}code{background:#f4f4f4}form{margin:.6em 0}</style></head><body>");
        out.println("<h1>Served by " + html(node()) + " <small>(port " + request.getLocalPort() + ")</small></h1>");
        out.println("<table>");
        row(out, "Session id", "<code>" + html(session.getId()) + "</code>" + (session.isNew() ? " (new: made by this request)" : ""));
        row(out, "Visits", html(String.valueOf(session.getAttribute(VISITS))) + " (every page view on any node counts)");
        row(out, "Created", html(Instant.ofEpochMilli(session.getCreationTime()).toString()));
        row(out, "Max inactive interval", session.getMaxInactiveInterval() + " s");
        row(out, "Redis key", key == null ? "-" : "<code>" + html(key) + "</code>");
        row(out, "Redis TTL", html(ttl(key)) + " (remaining inactive time + a margin of 2 &times; grace period + scavenge interval + 60 s, " +
            "as of the end of the previous request)");
        out.println("</table>");

        Map<String, Object> counters = StoreCountersView.read();
        if (!counters.isEmpty())
        {
            out.println("<h2>This node's session store (JMX)</h2><table>");
            counters.forEach((name, value) -> row(out, html(name), html(String.valueOf(value))));
            out.println("</table>");
        }

        out.println("<h2>Attributes</h2><table><tr><th>Name</th><th>Value</th></tr>");
        for (String name : attributeNames(session))
            out.println("<tr><td>" + html(name) + "</td><td>" + html(String.valueOf(session.getAttribute(name))) + "</td></tr>");
        out.println("</table>");

        out.println("<form method='post'><input type='hidden' name='action' value='maxInactive'>" +
            "Max inactive interval: <input name='seconds' size='6' value='" + session.getMaxInactiveInterval() + "'> s " +
            "<button>Set</button> (<code>setMaxInactiveInterval</code>; -1 never expires)</form>");
        out.println("<form method='post'><input type='hidden' name='action' value='attribute'>" +
            "Attribute <input name='name' size='12'> = <input name='value' size='20'> <button>Set</button> (empty value removes it)</form>");
        out.println("<form method='post'><input type='hidden' name='action' value='renew'><button>Change the session id</button> (<code>changeSessionId</code>)</form>");
        out.println("<form method='post'><input type='hidden' name='action' value='invalidate'><button>Invalidate the session</button></form>");

        String nodes = System.getProperty("demo.nodes", "");
        if (!nodes.isBlank())
        {
            out.print("<p>Open the same session on: ");
            for (String url : nodes.split(","))
                out.print("<a href='" + html(url.trim()) + "'>" + html(url.trim()) + "</a> ");
            out.println("</p>");
        }
        out.println("</body></html>");
    }

    private boolean isLoadable(String className)
    {
        try
        {
            Class.forName(className, false, getClass().getClassLoader());
            return true;
        }
        catch (ClassNotFoundException | LinkageError e)
        {
            return false;
        }
    }

    private static List<String> attributeNames(HttpSession session)
    {
        List<String> names = new ArrayList<>(Collections.list(session.getAttributeNames()));
        Collections.sort(names);
        return names;
    }

    private static void row(PrintWriter out, String name, String valueHtml)
    {
        out.println("<tr><th>" + html(name) + "</th><td>" + valueHtml + "</td></tr>");
    }

    private static String html(String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&quot;");
    }
}
