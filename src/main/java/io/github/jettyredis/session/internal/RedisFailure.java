// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.net.SocketTimeoutException;

import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Why a Redis call failed, as the store acts on it and an operator counts it: the one place that reads
 * Jedis's exceptions (and Redis's error replies within them). The first three are Redis not there, for the
 * store ({@link #isUnreachable()}): sessions held in memory are served and their changes kept; a full Redis
 * refused a write whole, which is kept too; the others are errors the caller sees.
 */
public enum RedisFailure
{
    /** No connection (refused, reset, closed), or not sent because Redis was known to be down. */
    UNREACHABLE,
    /** No reply in time: a stalled or overloaded Redis, or a retrying client's time budget spent. */
    TIMEOUT,
    /** Redis restarted with its data answers {@code LOADING} until it has read it all back. */
    LOADING,
    /** {@code OOM}: {@code maxmemory} reached and nothing Redis may evict; the write was refused whole. */
    FULL,
    /** {@code NOPERM} or a failed {@code AUTH}: the ACL user lacks a command, key or channel, or its password is wrong. */
    NO_PERMISSION,
    /** Any other error reply or client failure. */
    OTHER;

    /**
     * @param e what a call threw
     * @return why it failed
     */
    public static RedisFailure of(Throwable e)
    {
        for (Throwable t = e; t != null; t = t.getCause())
        {
            if (t instanceof JedisConnectionException)
                return connectionFailure(t);
            // Redis restarted with its data answers LOADING to every command until it has read it all back:
            // it is not there yet, and what it holds cannot be told (a session is not missing, nor unreadable).
            if (t instanceof JedisDataException && startsWith(t, "LOADING"))
                return LOADING;
            // Jedis' retrying executors give up with a bare exception once their time budget is spent.
            if (t instanceof JedisException && t.getMessage() != null && t.getMessage().contains("deadline exceeded"))
                return TIMEOUT;
            // Jedis' retrying executor reports its last connection failure as a suppressed exception.
            for (Throwable suppressed : t.getSuppressed())
                if (suppressed instanceof JedisConnectionException)
                    return connectionFailure(suppressed);
        }
        for (Throwable t = e; t != null; t = t.getCause())
        {
            if (t instanceof JedisDataException && startsWith(t, "OOM"))
                return FULL;
            if (t instanceof JedisAccessControlException || t instanceof JedisDataException && startsWith(t, "NOPERM"))
                return NO_PERMISSION;
        }
        return OTHER;
    }

    /** @return whether this says Redis is not there for now (no connection, no reply in time, still loading) */
    public boolean isUnreachable()
    {
        return this == UNREACHABLE || this == TIMEOUT || this == LOADING;
    }

    private static RedisFailure connectionFailure(Throwable connection)
    {
        for (Throwable t = connection; t != null; t = t.getCause())
            if (t instanceof SocketTimeoutException)
                return TIMEOUT;
        return UNREACHABLE;
    }

    private static boolean startsWith(Throwable t, String errorCode)
    {
        return t.getMessage() != null && t.getMessage().startsWith(errorCode);
    }
}
