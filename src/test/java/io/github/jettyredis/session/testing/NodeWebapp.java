// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.nio.file.Path;
import java.util.EventListener;

import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.security.Authenticator;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.session.SessionManager;

/**
 * The webapp of a {@link JettyNode} at {@code /app}, in one of the Jakarta EE environments the store serves:
 * what the tests do to it (servlets, listeners, a protected path) said once for both, since ee10 and ee11 have
 * the same shapes in different packages. Both run on one Servlet API jar, 6.1 (see the pom).
 */
public interface NodeWebapp
{
    /** A Jakarta EE environment of Jetty 12. */
    enum Environment
    {
        EE10, EE11;

        /**
         * @param base the webapp's directory
         * @return a webapp at {@code /app} on that directory, in this environment
         */
        NodeWebapp create(Path base)
        {
            return this == EE10 ? new Ee10(base) : new Ee11(base);
        }
    }

    /** @return the context, the handler to serve */
    ContextHandler context();

    /** @return the context's session manager (its session handler) */
    SessionManager sessionManager();

    /**
     * @param servlet a servlet
     * @param pathSpec where to serve it
     */
    void serve(HttpServlet servlet, String pathSpec);

    /** @param listener a servlet listener, e.g. an {@code HttpSessionListener} */
    void listen(EventListener listener);

    /**
     * Lets only the users of a role reach a path.
     *
     * @param pathSpec the protected path
     * @param role the role that may reach it
     * @param authenticator how requests authenticate (FORM, BASIC...)
     * @param logins who the users are
     */
    void protect(String pathSpec, String role, Authenticator authenticator, LoginService logins);

    /** An ee10 webapp. */
    final class Ee10 implements NodeWebapp
    {
        private final org.eclipse.jetty.ee10.webapp.WebAppContext webapp = new org.eclipse.jetty.ee10.webapp.WebAppContext();

        private Ee10(Path base)
        {
            webapp.setContextPath("/app");
            webapp.setBaseResourceAsPath(base);
        }

        @Override
        public org.eclipse.jetty.ee10.webapp.WebAppContext context()
        {
            return webapp;
        }

        @Override
        public SessionManager sessionManager()
        {
            return webapp.getSessionHandler();
        }

        @Override
        public void serve(HttpServlet servlet, String pathSpec)
        {
            webapp.addServlet(new org.eclipse.jetty.ee10.servlet.ServletHolder(servlet), pathSpec);
        }

        @Override
        public void listen(EventListener listener)
        {
            webapp.addEventListener(listener);
        }

        @Override
        public void protect(String pathSpec, String role, Authenticator authenticator, LoginService logins)
        {
            var security = new org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler();
            var mapping = new org.eclipse.jetty.ee10.servlet.security.ConstraintMapping();
            mapping.setPathSpec(pathSpec);
            mapping.setConstraint(Constraint.from(role));
            security.addConstraintMapping(mapping);
            security.setAuthenticator(authenticator);
            security.setLoginService(logins);
            webapp.setSecurityHandler(security);
        }
    }

    /** An ee11 webapp. */
    final class Ee11 implements NodeWebapp
    {
        private final org.eclipse.jetty.ee11.webapp.WebAppContext webapp = new org.eclipse.jetty.ee11.webapp.WebAppContext();

        private Ee11(Path base)
        {
            webapp.setContextPath("/app");
            webapp.setBaseResourceAsPath(base);
        }

        @Override
        public org.eclipse.jetty.ee11.webapp.WebAppContext context()
        {
            return webapp;
        }

        @Override
        public SessionManager sessionManager()
        {
            return webapp.getSessionHandler();
        }

        @Override
        public void serve(HttpServlet servlet, String pathSpec)
        {
            webapp.addServlet(new org.eclipse.jetty.ee11.servlet.ServletHolder(servlet), pathSpec);
        }

        @Override
        public void listen(EventListener listener)
        {
            webapp.addEventListener(listener);
        }

        @Override
        public void protect(String pathSpec, String role, Authenticator authenticator, LoginService logins)
        {
            var security = new org.eclipse.jetty.ee11.servlet.security.ConstraintSecurityHandler();
            var mapping = new org.eclipse.jetty.ee11.servlet.security.ConstraintMapping();
            mapping.setPathSpec(pathSpec);
            mapping.setConstraint(Constraint.from(role));
            security.addConstraintMapping(mapping);
            security.setAuthenticator(authenticator);
            security.setLoginService(logins);
            webapp.setSecurityHandler(security);
        }
    }
}
