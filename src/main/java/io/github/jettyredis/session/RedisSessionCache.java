// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.concurrent.atomic.AtomicLong;

import io.github.jettyredis.session.internal.LoggedId;
import io.github.jettyredis.session.internal.RedisAvailability;
import org.eclipse.jetty.server.Session;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.thread.AutoLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session cache that keeps sessions in memory like Jetty's {@link DefaultSessionCache}, but never hands a
 * request a copy older than what Redis holds: before a request uses a held copy, one small read
 * ({@code HMGET} of the content version and the metadata) tells whether Redis still holds the same content.
 * If it does, the copy is used (with the access times another node may have saved since); if another node
 * changed it (attributes, interval), the session is read again and the held session takes that content in
 * place; if it was invalidated or expired, the copy is dropped (requests already in it finish with it, and
 * their saves are refused). A copy that a request of this node is in and
 * has changed without saving yet is used by the next one as is: this node's requests share it, and reading it
 * again would lose that change.
 *
 * <p>A node whose requests for a session keep coming to it (a load balancer with affinity) holds a lease on
 * it instead ({@link #setLeaseMs}; README, "Which session cache"): Redis refuses other nodes' changes of the
 * session until the node gave the lease up, which it is asked to at once, so the node uses its copy without
 * asking Redis, and a request costs one round trip, the save.</p>
 *
 * <p>While Redis cannot be asked, held copies are used as they are ({@link #setUseHeldWhileRedisDown}, the
 * default): users stay logged in and keep working, but a user whose requests go to several nodes meanwhile
 * changes several copies, and only the last one written when Redis is back is kept. Turned off, a held copy
 * that cannot be checked is not used: the request runs without its session, as with Jetty's
 * {@code NullSessionCache} (a request asking for a session gets 503), so that no change is ever made to a
 * copy that may be behind; and after Redis lost a session (restarted empty), the first request for it writes
 * the held copy back and waits up to two seconds for a later copy from another node before it uses it.</p>
 *
 * <p>Works with {@link RedisSessionDataStore} only. Made by {@link RedisSessionCacheFactory} (the
 * {@code session-cache-redis} module).</p>
 */
@ManagedObject("Session cache that checks Redis before using a held session")
public class RedisSessionCache extends DefaultSessionCache
{
    private static final Logger LOG = LoggerFactory.getLogger(RedisSessionCache.class);
    /** How long a lease lasts unless set otherwise: {@link #setLeaseMs}. */
    public static final int DEFAULT_LEASE_MS = 2000;

    private final AtomicLong current = new AtomicLong();
    private final AtomicLong refreshed = new AtomicLong();
    private volatile boolean useHeldWhileRedisDown = true;
    private int leaseMs = DEFAULT_LEASE_MS;

    /**
     * @param manager the session manager of the context
     */
    public RedisSessionCache(SessionManager manager)
    {
        super(manager);
    }

    @Override
    protected void doStart() throws Exception
    {
        if (!(getSessionDataStore() instanceof RedisSessionDataStore))
            throw new IllegalStateException("The session-cache-redis module (RedisSessionCache) needs the session-store-redis " +
                "module (RedisSessionDataStore), not " + getSessionDataStore());
        if (leaseMs < 0)
            throw new IllegalStateException("jetty.session.redis.leaseMs must be 0 (no leases) or more, not " + leaseMs);
        // Strict, a copy is used only once Redis answered for it: a stalled Redis is found before the copy is used.
        ((RedisSessionDataStore)getSessionDataStore()).setLeaseMs(useHeldWhileRedisDown ? leaseMs : 0);
        super.doStart();
    }

    @Override
    public void shutdown()
    {
        // Its last saves ask for no lease, and the other nodes need not wait for those it held.
        if (getSessionDataStore() instanceof RedisSessionDataStore store)
            store.stopLeasing();
        super.shutdown();
    }

    @Override
    protected ManagedSession getAndEnter(String id, boolean enter) throws Exception
    {
        // A request entering the session (not a deletion, which needs no fresh copy).
        if (enter && !refreshHeld(id))
        {
            // Strict, Redis cannot be asked: the request runs without the session, as with a NullSessionCache
            // (Redis's state is logged by the store, once).
            LOG.debug("Session {} is held but cannot be checked against Redis: not used", LoggedId.of(id));
            return null;
        }
        return super.getAndEnter(id, enter);
    }

    /**
     * Takes an invalidated session whose deletion from Redis failed (another node's lease outlasted the wait,
     * Redis went away) out of memory all the same, then lets the failure go on to Jetty, which logs it. Left in
     * the cache, the invalid object would be what this node has for the id until it stops, and Jetty's cache
     * fails on it then (passivating it throws); out of it, the next request reads what Redis holds.
     */
    @Override
    public ManagedSession delete(String id) throws Exception
    {
        try
        {
            return super.delete(id);
        }
        catch (Exception e)
        {
            ManagedSession held = doGet(id);
            if (held != null && !held.isValid())
            {
                try (AutoLock lock = held.lock())
                {
                    held.setResident(false);
                    doDelete(id);
                }
            }
            throw e;
        }
    }

    /**
     * Keeps out of memory a session another node deleted while requests of this node were in it: Jetty's cache
     * puts a session back as each request that is not its last leaves it, and the next request would be handed
     * that copy, unchecked if the one still in it had changed it.
     */
    @Override
    public Session doPutIfAbsent(String id, ManagedSession session)
    {
        if (((RedisSessionDataStore)getSessionDataStore()).isDropped(id, session))
            return null;
        return super.doPutIfAbsent(id, session);
    }

    /**
     * Makes the copy held under the id, if any, the one Redis holds; drops it if Redis has none.
     *
     * @return false if a copy is held that Redis cannot be asked about and is not to be used as it is
     */
    private boolean refreshHeld(String id) throws Exception
    {
        ManagedSession held = doGet(id);
        if (held == null)
            return true;
        try (AutoLock lock = held.lock())
        {
            if (!held.isResident() || !held.isValid())
                return true;
            // In use by a request of this node that changed it and has not saved yet: the next one shares it
            // as it is, or that change would be lost. A request still in it that saved its change (its client
            // may already have the response and be on another node) or changed nothing is no reason to serve
            // an old copy.
            if (held.getRequests() > 0 && held.getSessionData().isDirty())
                return true;
            HeldCopyCheck.Freshness freshness;
            try
            {
                // Strict: after Redis lost the session, not used before other nodes could write back later copies.
                freshness = ((RedisSessionDataStore)getSessionDataStore()).refresh(id, held.getSessionData(), !useHeldWhileRedisDown);
            }
            catch (Exception e)
            {
                // Redis cannot be asked (or went away between the check and the reload): the copy is used as
                // it is, or not at all.
                if (RedisAvailability.isUnreachable(e))
                    return useHeldWhileRedisDown;
                throw e;
            }
            switch (freshness)
            {
                case CURRENT, LEASED -> current.incrementAndGet();
                case REFRESHED -> refreshed.incrementAndGet();
                case GONE ->
                {
                    refreshed.incrementAndGet();
                    ((RedisSessionDataStore)getSessionDataStore()).dropDeleted(id);
                }
            }
            return true;
        }
    }

    /**
     * @param use whether a held session is used as it is while Redis cannot be asked whether it is current
     * (availability: a user moving between nodes meanwhile may lose changes), or the request runs without it
     * (consistency: no change is lost, requests that need the session fail until Redis is back)
     */
    public void setUseHeldWhileRedisDown(boolean use)
    {
        useHeldWhileRedisDown = use;
    }

    /** @return whether a held session is used as it is while Redis cannot be asked whether it is current */
    @ManagedAttribute(value = "held sessions are used while Redis cannot be asked (false: requests run without them)", readonly = true)
    public boolean isUseHeldWhileRedisDown()
    {
        return useHeldWhileRedisDown;
    }

    /**
     * @param ms how long a lease on a session lasts (default {@value #DEFAULT_LEASE_MS}); 0 for none, when
     * every request asks Redis before it uses a held copy. Without {@link #setUseHeldWhileRedisDown}, none is
     * taken whatever this says: the strict cache uses a copy only once Redis answered for it
     */
    public void setLeaseMs(int ms)
    {
        leaseMs = ms;
    }

    /** @return how long a lease on a session lasts, in ms; 0 for none */
    @ManagedAttribute(value = "how long a lease on a session lasts (ms, 0: none, every request asks Redis first)", readonly = true)
    public int getLeaseMs()
    {
        return leaseMs;
    }

    /**
     * @return how many times a held copy was used under this node's lease, without asking Redis (counted in
     * {@link #getCurrentHits} too); the store's count ({@code SessionStoreCounters.getLeasedUses}), 0 with its
     * {@code metrics} off
     */
    @ManagedAttribute(value = "held sessions used under this node's lease, without asking Redis", readonly = true)
    public long getLeasedHits()
    {
        return getSessionDataStore() instanceof RedisSessionDataStore store ? store.getLeasedUses() : 0;
    }

    /**
     * @return how many changes of this node waited for another node to give up its lease on their session; the
     * store's count ({@code SessionStoreCounters.getLeaseWaits}), 0 with its {@code metrics} off
     */
    @ManagedAttribute(value = "changes that waited for another node to give up its lease", readonly = true)
    public long getLeaseWaits()
    {
        return getSessionDataStore() instanceof RedisSessionDataStore store ? store.getLeaseWaits() : 0;
    }

    /** @return how many times a held copy was found current and used */
    @ManagedAttribute(value = "held sessions found current in Redis and used", readonly = true)
    public long getCurrentHits()
    {
        return current.get();
    }

    /** @return how many times a held copy was found changed in Redis (and read again) or gone (and dropped) */
    @ManagedAttribute(value = "held sessions found changed (read again) or gone (dropped) in Redis", readonly = true)
    public long getRefreshes()
    {
        return refreshed.get();
    }
}
