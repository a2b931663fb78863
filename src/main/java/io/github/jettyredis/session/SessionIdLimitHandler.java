// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;

/**
 * Refuses (400 Bad Request) a request that names more session ids than a browser ever sends, before any of
 * them is looked up. Jetty's session layer loads every session id a request names, one after the other (a
 * Redis round trip each for a session it does not hold), so one request with hundreds of made-up
 * {@code JSESSIONID} cookies would cost hundreds of round trips. A browser sends one session cookie per
 * path and domain that set one: a few at most.
 *
 * <p>The {@code session-store-redis} module inserts it in front of the server's handlers; in embedded use,
 * {@code server.insertHandler(new SessionIdLimitHandler())}.</p>
 */
@ManagedObject("Refuses requests that name too many session ids")
public class SessionIdLimitHandler extends Handler.Wrapper
{
    /** The default {@link #setMaxSessionIds most session ids} a request may name. */
    public static final int DEFAULT_MAX_SESSION_IDS = 8;

    private final AtomicLong refused = new AtomicLong();
    private String cookieName = "JSESSIONID";
    private String pathParameterName = "jsessionid";
    private int maxSessionIds = DEFAULT_MAX_SESSION_IDS;

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        if (sessionIds(request) > maxSessionIds)
        {
            refused.incrementAndGet();
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400,
                "More than " + maxSessionIds + " session ids in one request");
            return true;
        }
        return super.handle(request, response, callback);
    }

    /** Counts the ids as Jetty's session layer finds them: session cookies, then {@code ;jsessionid=} parameters. */
    private int sessionIds(Request request)
    {
        int ids = 0;
        for (HttpCookie cookie : Request.getCookies(request))
        {
            if (cookieName.equalsIgnoreCase(cookie.getName()))
                ids++;
        }
        String parameters = request.getHttpURI().getParam();
        if (parameters != null)
        {
            for (String parameter : parameters.split(";"))
            {
                if (parameter.startsWith(pathParameterName + "="))
                    ids++;
            }
        }
        return ids;
    }

    /** @return the most session ids a request may name */
    @ManagedAttribute("most session ids a request may name")
    public int getMaxSessionIds()
    {
        return maxSessionIds;
    }

    /**
     * @param maxSessionIds the most session ids (cookies and URL parameters) a request may name, default
     * {@value #DEFAULT_MAX_SESSION_IDS}
     */
    public void setMaxSessionIds(int maxSessionIds)
    {
        if (maxSessionIds < 1)
            throw new IllegalArgumentException(StoreProperty.MAX_SESSION_IDS + " must be at least 1, not " + maxSessionIds);
        this.maxSessionIds = maxSessionIds;
    }

    /** @return the name of the session cookie */
    @ManagedAttribute("session cookie name")
    public String getCookieName()
    {
        return cookieName;
    }

    /** @param cookieName the name of the session cookie, default {@code JSESSIONID} */
    public void setCookieName(String cookieName)
    {
        this.cookieName = cookieName;
    }

    /** @param name the name of the session id's URL path parameter, default {@code jsessionid} */
    public void setPathParameterName(String name)
    {
        this.pathParameterName = name;
    }

    /** @return the number of requests refused */
    @ManagedAttribute("requests refused for naming too many session ids")
    public long getRefused()
    {
        return refused.get();
    }
}
