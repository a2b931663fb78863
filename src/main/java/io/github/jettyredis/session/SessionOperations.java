// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.function.Consumer;

import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.annotation.Name;

/**
 * What an operator can do to the sessions of one context from the server side (a JMX bean of its
 * {@link RedisSessionDataStore}, {@link RedisSessionDataStore#getOperations()}). Each operation goes through
 * the context's session cache, as a request would, so that listeners fire and the change is saved.
 */
@ManagedObject("Operations on the sessions of one context")
public class SessionOperations
{
    private final SessionContext context;

    /**
     * @param context the context whose sessions to operate on
     */
    public SessionOperations(SessionContext context)
    {
        this.context = context;
    }

    /**
     * Changes one session's max-inactive interval: the session is loaded through this node's session cache,
     * changed as {@code HttpSession.setMaxInactiveInterval} would, and saved, so its Redis TTL follows at
     * once. Nodes that hold the session in a {@code DefaultSessionCache} keep their copy until they evict
     * it, as with any change made elsewhere.
     *
     * @param id the session id (without the node suffix of the cookie)
     * @param seconds the new interval; 0 or less makes the session immortal
     * @return false if there is no such session
     * @throws Exception if the session cannot be loaded or saved
     */
    @ManagedOperation(value = "Set the max inactive interval (seconds, <= 0 immortal) of a session", impact = "ACTION")
    public boolean setSessionMaxInactiveInterval(@Name("id") String id, @Name("seconds") int seconds) throws Exception
    {
        return onSession(id, session -> session.setMaxInactiveInterval(seconds));
    }

    /**
     * Invalidates one session, as {@code HttpSession.invalidate} in a request would: the session is loaded
     * through this node's session cache, its {@code sessionDestroyed} listeners fire here, and it is deleted
     * from Redis (with its tombstone) and announced, so that other nodes drop their copy. Use it to log a user
     * out; the command-line tool's {@code delete} removes a session without firing listeners.
     *
     * @param id the session id (without the node suffix of the cookie)
     * @return false if there is no such session
     * @throws Exception if the session cannot be loaded or deleted
     */
    @ManagedOperation(value = "Invalidate a session: its listeners fire, Redis and every node drop it", impact = "ACTION")
    public boolean invalidateSession(@Name("id") String id) throws Exception
    {
        return onSession(id, ManagedSession::invalidate);
    }

    /**
     * Does something to a session as a request would: got from this node's session cache (loaded if need be),
     * then released, which saves what changed.
     *
     * @return false if there is no such session
     */
    private boolean onSession(String id, Consumer<ManagedSession> action) throws Exception
    {
        SessionCache cache = context.getSessionManager().getSessionCache();
        ManagedSession session = cache.get(id);
        if (session == null)
            return false;
        try
        {
            action.accept(session);
        }
        finally
        {
            cache.release(session);
        }
        return true;
    }
}
