// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.net.SocketTimeoutException;

import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * Why a Redis call failed, as the store acts on it and an operator counts it: the one place that reads
 * Jedis's exceptions (and Redis's error replies within them). The first five are Redis not there for now, for
 * the store ({@link #isUnreachable()}): sessions held in memory are served and their changes kept; of those,
 * the first three take Redis for down until a probe finds it back ({@link #isDown()}); a full Redis refused a
 * write whole, which is kept too; the others are errors the caller sees.
 */
public enum RedisFailure
{
    /** No connection (refused, reset, closed), or not sent because Redis was known to be down. */
    UNREACHABLE,
    /** No reply in time: a stalled or overloaded Redis, or a retrying client's time budget spent. */
    TIMEOUT,
    /** Redis restarted with its data answers {@code LOADING} until it has read it all back. */
    LOADING,
    /**
     * Redis answered as one that is not, or may no longer be, the master the other nodes write to: {@code READONLY}
     * (a replica, such as a master a failover demoted, still reached through a pooled connection or a DNS name),
     * {@code MASTERDOWN} (a replica that lost its master and serves no stale data), {@code NOREPLICAS} (a master
     * cut off from its replicas, which a failover may be replacing) or {@code CLUSTERDOWN} (a cluster node on the
     * minority side of a partition, or a cluster failing over); or, to a Cluster pipeline's command, {@code MOVED} or
     * {@code ASK} (its slot moved to another master, or is moving), which Jedis does not follow in a pipeline. Other
     * nodes may write to a new master meanwhile; a new connection may reach it too (see {@link ClusterSlots}).
     */
    NOT_THE_MASTER,
    /**
     * Redis refused the command for now, to every client alike: {@code TRYAGAIN} (a slot moving), {@code BUSY} (a
     * script running past its time limit), or {@code MISCONF} (writes refused while Redis cannot save its
     * snapshots, a full disk say). It passes with the move, the script or the disk.
     */
    UNAVAILABLE,
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
            if (t instanceof JedisDataException && startsWithAny(t, NOT_THE_MASTER_REFUSALS) || t instanceof JedisRedirectionException)
                return NOT_THE_MASTER;
            if (t instanceof JedisDataException && startsWithAny(t, PASSING_REFUSALS))
                return UNAVAILABLE;
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

    /**
     * @return whether this says Redis is not there for now (no connection, no reply in time, still loading,
     * or serving no sessions until a failover is over): held sessions are served, changes kept
     */
    public boolean isUnreachable()
    {
        return isDown() || this == NOT_THE_MASTER || this == UNAVAILABLE;
    }

    /**
     * @return whether this says Redis is down: no command is worth sending until a PING answers. Not so for
     * {@link #NOT_THE_MASTER} and {@link #UNAVAILABLE}: Redis answers at once, and would answer a PING while it still
     * refuses the command.
     */
    public boolean isDown()
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

    /**
     * @return whether a call that failed so may go through on a new connection at once: Redis not reached (a
     * connection a restart broke), or not the master (a connection made before a failover)
     */
    public boolean isWorthANewConnection()
    {
        return isDown() || this == NOT_THE_MASTER;
    }

    /**
     * @return whether Redis answered, refusing a write to every client alike for now (full, or not serving): no
     * node can have written since, and a copy this node kept is the latest there is
     */
    public boolean refusesEveryone()
    {
        return this == FULL || this == UNAVAILABLE;
    }

    /**
     * Jedis's cluster client answers {@code CLUSTERDOWN} and {@code TRYAGAIN} with subclasses of its data
     * exception, and {@code BUSY} with another: all carry Redis's error code first.
     */
    private static boolean startsWithAny(Throwable t, String[] errorCodes)
    {
        for (String code : errorCodes)
            if (startsWith(t, code))
                return true;
        return false;
    }

    private static final String[] NOT_THE_MASTER_REFUSALS = {"READONLY", "MASTERDOWN", "NOREPLICAS", "CLUSTERDOWN"};
    private static final String[] PASSING_REFUSALS = {"TRYAGAIN", "BUSY ", "MISCONF"};

    private static boolean startsWith(Throwable t, String errorCode)
    {
        return t.getMessage() != null && t.getMessage().startsWith(errorCode);
    }
}
