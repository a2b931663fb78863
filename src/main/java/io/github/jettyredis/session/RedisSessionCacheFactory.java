// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import org.eclipse.jetty.session.AbstractSessionCacheFactory;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionManager;

/**
 * Makes a {@link RedisSessionCache} for each context: sessions held in memory, checked against Redis before
 * each use. Add it as a bean of the {@code Server} (the {@code session-cache-redis} module does so from Jetty
 * XML), next to a {@link RedisSessionDataStoreFactory}; it has the settings of Jetty's
 * {@code DefaultSessionCacheFactory} (eviction, save on create, flush on response commit, ...).
 */
public class RedisSessionCacheFactory extends AbstractSessionCacheFactory
{
    private boolean useHeldWhileRedisDown = true;
    private int leaseMs = RedisSessionCache.DEFAULT_LEASE_MS;

    /**
     * @param use whether held sessions are used as they are while Redis cannot be asked (the default), or
     * requests run without them; see {@link RedisSessionCache#setUseHeldWhileRedisDown}
     */
    public void setUseHeldWhileRedisDown(boolean use)
    {
        useHeldWhileRedisDown = use;
    }

    /** @return whether held sessions are used as they are while Redis cannot be asked */
    public boolean isUseHeldWhileRedisDown()
    {
        return useHeldWhileRedisDown;
    }

    /**
     * @param ms how long a lease on a session lasts, 0 for none; see {@link RedisSessionCache#setLeaseMs}
     */
    public void setLeaseMs(int ms)
    {
        if (ms < 0)
            throw new IllegalArgumentException("jetty.session.redis.leaseMs must be 0 (no leases) or more, not " + ms);
        leaseMs = ms;
    }

    /** @return how long a lease on a session lasts, in ms; 0 for none */
    public int getLeaseMs()
    {
        return leaseMs;
    }

    @Override
    public SessionCache newSessionCache(SessionManager manager)
    {
        RedisSessionCache cache = new RedisSessionCache(manager);
        cache.setUseHeldWhileRedisDown(useHeldWhileRedisDown);
        cache.setLeaseMs(leaseMs);
        return cache;
    }
}
