// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The Redis key layout, in one place. With prefix {@code P}, context {@code C} (Jetty's canonical context
 * path followed by {@code _} and the virtual host, e.g. {@code _app_0.0.0.0}) and session id {@code I}:
 * <ul>
 *   <li>{@code P{C_I}}: the session hash. The braces are a Redis Cluster hash tag, so that the session's
 *   other keys share its slot and one script can touch them together.</li>
 *   <li>{@code P{C_I}:deleted}: the session's tombstone, written when the session is deleted (invalidated,
 *   expired, given a new id) and kept for as long as a node could still hold a copy, so that "deleted by a
 *   node" can be told from "lost by Redis" (restarted empty, failed over, evicted).</li>
 *   <li>{@code PC:expiries}: the context's expiry index, a sorted set of ids scored by expiry time
 *   (immortal sessions are not in it).</li>
 *   <li>{@code PC:deleted}: not a key but the pub/sub channel on which deletions of the context's
 *   sessions are announced, so nodes drop them from memory.</li>
 *   <li>{@code P{C:user:U}}: the sessions of one user of the context (only with {@code userSessions}), a
 *   sorted set of session ids scored by their expiry (ms; {@code +inf} for an immortal session), {@code U}
 *   the user's {@link #userToken(String) token}: the base64url SHA-256 of the name, so that names are not
 *   in key names and no byte of them can break the hash tag. Its own hash slot, the user's: it is written by
 *   separate commands after the session's script, never inside it. The session hash's {@code #user} field
 *   holds the same token.</li>
 *   <li>{@code P{C:user:U}:logout}: when the user was last logged out everywhere ({@code UserSessions.invalidateAll}),
 *   in the user's slot, so that a session given a new id meanwhile is caught ({@link UserIndex}).</li>
 *   <li>{@code Pcontexts}: the set of every {@code C} that has stored sessions under this prefix, so
 *   orphans of any context can be found without scanning the keyspace.</li>
 * </ul>
 */
public final class SessionKeys
{
    private static final String EXPIRY_INDEX_SUFFIX = ":expiries";
    private static final String TOMBSTONE_SUFFIX = ":deleted";
    private static final String USER_LOGOUT_SUFFIX = ":logout";
    /** Closes the hash tag that puts a session's hash and tombstone in one slot. */
    private static final String SESSION_TAIL = "}";

    private final String prefix;
    private final String context;
    private final byte[] expiryIndex;

    /**
     * @param prefix the configured key prefix
     * @param canonicalContextPath Jetty's canonical context path, e.g. {@code _app}
     * @param vhost the context's first virtual host, or {@code 0.0.0.0}
     */
    public SessionKeys(String prefix, String canonicalContextPath, String vhost)
    {
        this(prefix, canonicalContextPath + "_" + vhost);
    }

    private SessionKeys(String prefix, String context)
    {
        this.prefix = prefix;
        this.context = context;
        this.expiryIndex = bytes(prefix + context + EXPIRY_INDEX_SUFFIX);
    }

    /**
     * @param prefix the configured key prefix
     * @param context a member of the {@link #contextRegistry(String) context registry}
     * @return the keys of that context
     */
    public static SessionKeys ofRegisteredContext(String prefix, String context)
    {
        return new SessionKeys(prefix, context);
    }

    /**
     * @param prefix the configured key prefix
     * @return the key of the set of every context stored under that prefix
     */
    public static byte[] contextRegistry(String prefix)
    {
        return bytes(prefix + "contexts");
    }

    /** @return this context's name in the context registry: canonical path, {@code _}, vhost */
    public String context()
    {
        return context;
    }

    /**
     * @param id a session id
     * @return the key of that session's hash
     */
    public byte[] session(String id)
    {
        return bytes(sessionHead() + id + SESSION_TAIL);
    }

    /**
     * @param id a session id
     * @return the key of that session's tombstone, in the same hash slot as its hash
     */
    public byte[] tombstone(String id)
    {
        return bytes(sessionHead() + id + SESSION_TAIL + TOMBSTONE_SUFFIX);
    }

    /** @return what the key of a session's hash (and of its tombstone) has before the id, for scripts that make keys from ids */
    public byte[] sessionKeyHead()
    {
        return bytes(sessionHead());
    }

    /** @return what the key of a session's hash has after the id */
    public byte[] sessionKeyTail()
    {
        return bytes(SESSION_TAIL);
    }

    /** @return what the key of a session's tombstone has after the key of its hash */
    public byte[] tombstoneSuffix()
    {
        return bytes(TOMBSTONE_SUFFIX);
    }

    private String sessionHead()
    {
        return prefix + "{" + context + "_";
    }

    /**
     * @param userToken a user's {@link #userToken(String) token}
     * @return the key of that user's session index in this context
     */
    public byte[] user(String userToken)
    {
        return bytes(userKey(userToken));
    }

    /**
     * @param userToken a user's {@link #userToken(String) token}
     * @return the key of the user's logout-everywhere mark, in the same hash slot as the user's set
     */
    public byte[] userLogout(String userToken)
    {
        return bytes(userKey(userToken) + USER_LOGOUT_SUFFIX);
    }

    private String userKey(String userToken)
    {
        return prefix + "{" + context + ":user:" + userToken + "}";
    }

    /**
     * @param user a user's name
     * @return its token in key names and in the {@code #user} field: the unpadded base64url SHA-256 of its UTF-8 bytes
     */
    public static String userToken(String user)
    {
        try
        {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes(user));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        }
        catch (NoSuchAlgorithmException e)
        {
            // Every Java platform must provide SHA-256.
            throw new IllegalStateException(e);
        }
    }

    /** @return the pub/sub channel on which this context's session deletions are announced */
    public String deletionChannel()
    {
        return prefix + context + ":deleted";
    }

    /** @return the key of this context's expiry index */
    public byte[] expiryIndex()
    {
        return expiryIndex;
    }

    /**
     * @param s a key part or id
     * @return its UTF-8 bytes
     */
    public static byte[] bytes(String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
