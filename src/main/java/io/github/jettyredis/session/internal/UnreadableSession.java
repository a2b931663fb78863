// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.UnreadableSessionDataException;

/**
 * Jetty's {@link UnreadableSessionDataException}, for what Jetty does with one (a fresh session for the request,
 * the key deleted with {@code removeUnloadableSessions}), with a message that names the session by its
 * {@link LoggedId} tag: Jetty logs the message, and a session id is a credential.
 */
public final class UnreadableSession extends UnreadableSessionDataException
{
    /**
     * @param id the session id
     * @param context the session's context
     * @param cause why it cannot be read
     */
    public UnreadableSession(String id, SessionContext context, Throwable cause)
    {
        super(id, context, cause);
    }

    @Override
    public String getMessage()
    {
        return "Unreadable session " + LoggedId.of(getId()) + " for " + getSessionContext();
    }
}
