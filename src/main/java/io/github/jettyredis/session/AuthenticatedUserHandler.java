// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.security.Principal;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes a session under the user the container authenticated for its request, with {@code userSessions}
 * on, whatever the authentication (BASIC, DIGEST, CLIENT-CERT, SPNEGO...: those keep nothing in the session,
 * unlike a form login, whose {@code SessionAuthentication} attribute names the user already). When the request
 * completes, before its session is released and saved, it reads the request's authentication state (what
 * {@code getUserPrincipal()} returns, without authenticating a request that was not) and the request's session
 * if it has one (it never makes one), and tells the session's {@link RedisSessionDataStore}, which marks the
 * session dirty only when its user changed.
 *
 * <p>{@link RedisSessionDataStoreFactory} inserts it above the security handler when {@code userSessions} is on:
 * right under each context's session handler (ee10, ee11 and core), or, in ee9, where the session manager is not
 * a handler, right under the core context handler that wraps the ee9 context, so that it needs none of ee9's
 * classes (they live in a class loader of their own, below the server's). Embedded, in Jetty XML and in the module
 * alike. With {@code userSessions} off it is not there, and costs nothing.</p>
 */
@ManagedObject("Indexes sessions by the user the container authenticated for their requests")
public class AuthenticatedUserHandler extends Handler.Wrapper
{
    private static final Logger LOG = LoggerFactory.getLogger(AuthenticatedUserHandler.class);

    /**
     * Inserts a handler right under a session manager that is a handler (the ee10, ee11 or core session
     * handler), else right under the core context handler of the session manager's context (ee9's, whose session
     * manager is not a handler: the context handler wraps the nested ee9 one, and ee9's security handler sets
     * the authentication state of the core request), unless one is there already (a context started again keeps
     * its handlers). Called before the session manager's handlers start, while its context is starting.
     *
     * @param manager a context's session manager
     * @return whether it is there now: false for a session manager that is neither a handler nor in a context
     * that can take one more
     */
    public static boolean insertUnder(SessionManager manager)
    {
        Handler.Singleton parent = manager instanceof Handler.Singleton sessionHandler ? sessionHandler : contextHandlerOf(manager);
        if (parent == null)
        {
            LOG.info("Sessions of {} are indexed by the user an attribute names only: its session manager ({}) is not a handler " +
                "and has no context handler to take one, so the users of per-request authentications (BASIC, ...) are not seen",
                manager, manager.getClass().getName());
            return false;
        }
        for (Handler handler = parent.getHandler(); handler instanceof Handler.Singleton wrapper; handler = wrapper.getHandler())
        {
            if (handler instanceof AuthenticatedUserHandler)
                return true;
        }
        try
        {
            parent.insertHandler(new AuthenticatedUserHandler());
        }
        catch (IllegalStateException e)
        {
            // A context handler already started, that takes no more handlers.
            LOG.info("Sessions of {} are indexed by the user an attribute names only: {} takes no more handlers ({}), " +
                "so the users of per-request authentications (BASIC, ...) are not seen", manager, parent, e.getMessage());
            return false;
        }
        return true;
    }

    /** @return the core context handler of the session manager's context, if it has one */
    private static ContextHandler contextHandlerOf(SessionManager manager)
    {
        return manager.getContext() instanceof ContextHandler.ScopedContext context ? context.getContextHandler() : null;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        // The security handler below sets the authentication state; the session may be made by the application.
        return super.handle(request, response, new Callback.Nested(callback)
        {
            @Override
            public void succeeded()
            {
                try
                {
                    record(request);
                }
                catch (RuntimeException e)
                {
                    // Without path parameters, where a rewritten URL carries the session id (;jsessionid=).
                    LOG.warn("Cannot index the session of {} by its user", request.getHttpURI().getCanonicalPath(), e);
                }
                super.succeeded();
            }
        });
    }

    private static void record(Request request)
    {
        Request.AuthenticationState state = Request.getAuthenticationState(request);
        Principal user = state == null ? null : state.getUserPrincipal();
        if (user == null)
            return;
        if (request.getSession(false) instanceof ManagedSession session && session.isValid() &&
            session.getSessionManager().getSessionCache().getSessionDataStore() instanceof RedisSessionDataStore store)
            store.authenticatedAs(session.getSessionData(), user.getName());
    }
}
