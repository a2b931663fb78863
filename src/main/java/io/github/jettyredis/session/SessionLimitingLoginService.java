// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.security.Principal;
import java.util.function.Function;
import javax.security.auth.Subject;

import org.eclipse.jetty.security.IdentityService;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.security.UserIdentity;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Session;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LoginService} that refuses a login when the user already has {@code maxSessionsPerUser} sessions
 * in the context, with {@code whenMaxSessionsExceeded=refuse}: it delegates the credentials check to any
 * login service (e.g. a {@code HashLoginService}), then counts the user's sessions in Redis
 * ({@link UserSessions}), not counting the session logging in. With another policy, or a store without
 * {@code userSessions}, it only delegates. Needs Jetty's security module (jetty-security), which any
 * context with a login has; the rest of the store does not.
 *
 * <p>Two logins racing for the last free place may both pass; the store then invalidates the session that
 * went over, right after its save.</p>
 */
public class SessionLimitingLoginService extends ContainerLifeCycle implements LoginService
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionLimitingLoginService.class);

    private final LoginService delegate;

    /**
     * @param delegate checks the credentials and makes the user's identity; started and stopped with this
     */
    public SessionLimitingLoginService(LoginService delegate)
    {
        this.delegate = delegate;
        addBean(delegate);
    }

    /** @return the login service that checks the credentials */
    public LoginService getDelegate()
    {
        return delegate;
    }

    @Override
    public String getName()
    {
        return delegate.getName();
    }

    @Override
    public UserIdentity login(String username, Object credentials, Request request, Function<Boolean, Session> getOrCreateSession)
    {
        UserIdentity identity = delegate.login(username, credentials, request, getOrCreateSession);
        if (identity == null || getOrCreateSession == null)
            return identity;
        // A form login has a session already (it kept the page asked for). Without one (basic auth logs in at
        // every request) none is made here: a session made later is checked after its first save.
        Session session = getOrCreateSession.apply(false);
        UserSessions users = session == null ? null : userSessionsOf(session);
        if (users == null || users.policy() != MaxSessionsPolicy.REFUSE)
            return identity;
        String user = identity.getUserPrincipal().getName();
        if (users.isAtMaximum(user, session.getId()))
        {
            LOG.info("Login of a user refused: the user has {} sessions already (maxSessionsPerUser, whenMaxSessionsExceeded=refuse)",
                users.getMaxSessionsPerUser());
            return null;
        }
        return identity;
    }

    private static UserSessions userSessionsOf(Session session)
    {
        if (session instanceof ManagedSession managed &&
            managed.getSessionManager().getSessionCache().getSessionDataStore() instanceof RedisSessionDataStore store)
            return store.getUserSessions();
        return null;
    }

    @Override
    public UserIdentity getUserIdentity(Subject subject, Principal userPrincipal, boolean create)
    {
        return delegate.getUserIdentity(subject, userPrincipal, create);
    }

    @Override
    public boolean validate(UserIdentity user)
    {
        return delegate.validate(user);
    }

    @Override
    public IdentityService getIdentityService()
    {
        return delegate.getIdentityService();
    }

    @Override
    public void setIdentityService(IdentityService service)
    {
        delegate.setIdentityService(service);
    }

    @Override
    public void logout(UserIdentity user)
    {
        delegate.logout(user);
    }
}
