// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.thread.AutoLock;

/**
 * A session cache that keeps sessions in memory like Jetty's {@link DefaultSessionCache}, but never hands a
 * request a copy older than what Redis holds: before a request uses a held copy, one small read
 * ({@code HMGET} of the content version and the metadata) tells whether Redis still holds the same content.
 * If it does, the copy is used (with the access times another node may have saved since); if another node
 * changed it (attributes, interval), the session is read again and the held session takes that content in
 * place; if it was invalidated or expired, the copy is dropped. While Redis cannot be asked, held copies are
 * used. A copy that a request of this node is in and has changed without saving yet is used by the next one
 * as is: this node's requests share it, and reading it again would lose that change.
 *
 * <p>Works with {@link RedisSessionDataStore} only. Made by {@link RedisSessionCacheFactory} (the
 * {@code session-cache-redis} module).</p>
 */
@ManagedObject("Session cache that checks Redis before using a held session")
public class RedisSessionCache extends DefaultSessionCache
{
    private final AtomicLong current = new AtomicLong();
    private final AtomicLong refreshed = new AtomicLong();

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
        super.doStart();
    }

    @Override
    protected ManagedSession getAndEnter(String id, boolean enter) throws Exception
    {
        // A request entering the session (not a deletion, which needs no fresh copy).
        if (enter)
            refreshHeld(id);
        return super.getAndEnter(id, enter);
    }

    /** Makes the copy held under the id, if any, the one Redis holds; drops it if Redis has none. */
    private void refreshHeld(String id) throws Exception
    {
        ManagedSession held = doGet(id);
        if (held == null)
            return;
        try (AutoLock lock = held.lock())
        {
            if (!held.isResident() || !held.isValid())
                return;
            // In use by a request of this node that changed it and has not saved yet: the next one shares it
            // as it is, or that change would be lost. A request still in it that saved its change (its client
            // may already have the response and be on another node) or changed nothing is no reason to serve
            // an old copy.
            if (held.getRequests() > 0 && held.getSessionData().isDirty())
                return;
            switch (((RedisSessionDataStore)getSessionDataStore()).refresh(id, held.getSessionData()))
            {
                case CURRENT -> current.incrementAndGet();
                case REFRESHED -> refreshed.incrementAndGet();
                case GONE ->
                {
                    refreshed.incrementAndGet();
                    if (doGet(id) == held)
                        doDelete(id);
                    held.setResident(false);
                }
            }
        }
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
