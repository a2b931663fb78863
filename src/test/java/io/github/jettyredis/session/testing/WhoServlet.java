// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * Answers who is logged in, with the session id: {@code user=<remote user> session=<id or null>}. With
 * {@code ?op=create} it makes the session, {@code ?op=renew} changes its id first, {@code ?op=short} gives it
 * an interval of 1 s. It uses only what Servlet 5 (ee9) and 6 (ee10) share, so that an ee9 webapp can load
 * its class file too.
 */
public class WhoServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        if ("renew".equals(request.getParameter("op")))
            request.changeSessionId();
        HttpSession session = request.getSession("create".equals(request.getParameter("op")));
        if ("short".equals(request.getParameter("op")))
            session.setMaxInactiveInterval(1);
        response.getWriter().print("user=" + request.getRemoteUser() + " session=" + (session == null ? null : session.getId()));
    }
}
