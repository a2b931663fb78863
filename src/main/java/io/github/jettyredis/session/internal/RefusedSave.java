// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.UnwriteableSessionDataException;

/**
 * A save the store refuses on purpose: the session was deleted by another node, or another session holds its
 * id. Jetty logs each as a WARN with the exception ("Unable to release Session"), and a stack would show only
 * Jetty's request machinery, some forty lines of it, for an event that happens whenever a user logs out
 * everywhere while a page loads. Without one, the log says what happened and why, and nothing else.
 */
public final class RefusedSave extends UnwriteableSessionDataException
{
    private final transient SessionContext context;

    /**
     * @param id the session id
     * @param context the session's context
     * @param reason what happened to the session, and what the store did about it
     */
    public RefusedSave(String id, SessionContext context, String reason)
    {
        super(id, context, stackless(new IllegalStateException(reason)));
        this.context = context;
    }

    /** Jetty's message, with the session's {@link LoggedId} tag for its id, which is a credential. */
    @Override
    public String getMessage()
    {
        return "Unwriteable session " + LoggedId.of(getId()) + " for " + context;
    }

    private static IllegalStateException stackless(IllegalStateException reason)
    {
        reason.setStackTrace(new StackTraceElement[0]);
        return reason;
    }

    @Override
    public synchronized Throwable fillInStackTrace()
    {
        return this;
    }
}
