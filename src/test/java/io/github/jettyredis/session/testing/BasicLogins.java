// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.UnaryOperator;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests of a protected {@link WhoServlet} with BASIC credentials (password {@code secret}), as a browser
 * sends them at every request once it has them, whatever the environment of the webapp.
 */
public final class BasicLogins
{
    private BasicLogins()
    {
    }

    /**
     * @param url the protected page's URL
     * @return the page, after checking that it was served (200)
     */
    public static String who(HttpClient browser, String url, String user) throws Exception
    {
        String credentials = Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
        ContentResponse page = browser.newRequest(url).headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Basic " + credentials)).send();
        assertEquals(200, page.getStatus(), page.getContentAsString());
        return page.getContentAsString();
    }

    /**
     * A session made by a request with BASIC credentials, then asked for twice more with them. ee10's Jetty renews
     * the id of a session at the first login that finds it (BASIC logs in at every request), once; ee9's keeps it.
     *
     * @param secureUrl the protected page's URL with a query
     * @param renewedAtLogin whether the second request gets a new id
     * @return the session's id, as it stays
     */
    public static String session(HttpClient browser, UnaryOperator<String> secureUrl, String user, boolean renewedAtLogin) throws Exception
    {
        String made = sessionOf(who(browser, secureUrl.apply("op=create"), user));
        String renewed = sessionOf(who(browser, secureUrl.apply(""), user));
        if (renewedAtLogin)
            assertNotEquals(made, renewed);
        else
            assertEquals(made, renewed);
        assertEquals("user=" + user + " session=" + renewed, who(browser, secureUrl.apply(""), user), "the id stays");
        return renewed;
    }

    /** @return the session id a {@link WhoServlet} page shows */
    public static String sessionOf(String page)
    {
        assertTrue(page.contains("session="), page);
        return page.substring(page.indexOf("session=") + "session=".length());
    }
}
