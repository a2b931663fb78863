// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What the store's log lines and exception messages show in place of a session id. A session id is a
 * credential: whoever reads one in a log, a log shipper or a support ticket can send it as a cookie and be that
 * user. The tag is {@code sha256:} and the first 8 hex digits of the id's SHA-256. It is the same on every node
 * and after restarts, so one session's lines can be followed through a cluster's logs, and an operator who holds
 * an id finds its lines with {@code printf %s "$ID" | sha256sum | cut -c1-8}; 32 bits of a hash give nothing
 * back of an id of Jetty's length.
 */
public final class LoggedId
{
    private static final String PREFIX = "sha256:";
    private static final int HEX_DIGITS = 8;

    private LoggedId()
    {
    }

    /**
     * @param id a session id, or {@code null}
     * @return the tag that stands for it in logs and messages ({@code null} for {@code null})
     */
    public static String of(String id)
    {
        if (id == null)
            return null;
        byte[] digest = sha256().digest(id.getBytes(StandardCharsets.UTF_8));
        return PREFIX + HexFormat.of().formatHex(digest, 0, HEX_DIGITS / 2);
    }

    private static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException e)
        {
            // Every Java platform must provide SHA-256 (MessageDigest's own Javadoc).
            throw new IllegalStateException(e);
        }
    }
}
