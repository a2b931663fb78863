// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.NullSessionCache;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.util.thread.AutoLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one context's session cache holds in memory on this node, as far as its store must know: which
 * sessions (so that they can be checked against Redis after deletions may have been missed or Redis lost
 * its data), which of them have changes Redis does not have yet (a save that could not reach Redis), which
 * sessions this node deleted while Redis could not be told, and how to find or drop a session without
 * asking Redis. Jetty's {@code SessionCache} does not list what it holds,
 * so the store records each session it loads or creates, and forgets those the cache no longer has at
 * each scavenge.
 *
 * <p>Only a {@link DefaultSessionCache} (or a subclass) is looked into; with a {@link NullSessionCache}
 * nothing is held, and other caches are left alone.</p>
 */
public final class HeldSessions
{
    private static final Logger LOG = LoggerFactory.getLogger(HeldSessions.class);

    private final SessionContext context;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Map<String, SessionData> unsaved = new ConcurrentHashMap<>();
    /**
     * Sessions whose kept changes met a failure other than a refusal to every node since Redis last had them (a kept
     * session not in it was refused to every node at each try).
     */
    private final Set<String> mayBeBehind = ConcurrentHashMap.newKeySet();
    /** Sessions whose kept changes failed to be written again, and how many times in a row. */
    private final Map<String, Integer> failedWrites = new ConcurrentHashMap<>();
    private final Set<String> undeleted = ConcurrentHashMap.newKeySet();
    /** Sessions another node deleted while requests of this node were in them, until those requests are gone. */
    private final Map<String, ManagedSession> dropped = new ConcurrentHashMap<>();

    public HeldSessions(SessionContext context)
    {
        this.context = context;
    }

    private SessionCache cache()
    {
        return context.getSessionManager().getSessionCache();
    }

    /** @return whether the context's cache keeps sessions in memory between requests */
    public boolean keepsSessions()
    {
        return !(cache() instanceof NullSessionCache);
    }

    /** @param id a session the store just loaded or created for the cache */
    public void add(String id)
    {
        if (keepsSessions())
            held.add(id);
    }

    /** @param id a session whose copy this node no longer keeps (deleted, or dropped for Redis's) */
    public void remove(String id)
    {
        held.remove(id);
        forgetKept(id);
    }

    /** @param id a session the cache turned out not to hold (its unsaved changes, if any, are kept) */
    public void forget(String id)
    {
        held.remove(id);
    }

    /** @return the sessions the cache may hold, a snapshot */
    public Set<String> ids()
    {
        return Set.copyOf(held);
    }

    /** Forgets the sessions the cache no longer holds (evicted, invalidated). */
    public void prune()
    {
        // Dropped sessions whose last request left without a save (invalidated meanwhile). Under the lock: a
        // request leaving one still has its save to make when its count falls.
        dropped.values().removeIf(session ->
        {
            try (AutoLock lock = session.lock())
            {
                return session.getRequests() <= 0;
            }
        });
        SessionCache cache = cache();
        held.removeIf(id ->
        {
            try
            {
                return !cache.contains(id) && !unsaved.containsKey(id);
            }
            catch (Exception e)
            {
                return false;
            }
        });
    }

    /**
     * @param id a session whose save could not reach Redis, or that Redis refused whole
     * @param data its data, with the changes Redis does not have
     * @param refusedToEveryone whether Redis refused the write to every node alike (full, or not serving for now):
     * no node can have written the session since, and this copy is the latest
     */
    public synchronized void unsaved(String id, SessionData data, boolean refusedToEveryone)
    {
        unsaved.put(id, data);
        // Once another node may have written (Redis down or not the master, a write failed otherwise), until Redis
        // has the session as this node has it: a later refusal to everyone does not undo what happened before it.
        if (!refusedToEveryone)
            mayBeBehind.add(id);
    }

    /** @param id a session Redis now has as it is */
    public void saved(String id)
    {
        forgetKept(id);
    }

    private void forgetKept(String id)
    {
        // Every save comes here: the lock only when something is kept of the session (rarely).
        if (unsaved.containsKey(id) || mayBeBehind.contains(id) || failedWrites.containsKey(id))
            forgetKeptLocked(id);
    }

    private synchronized void forgetKeptLocked(String id)
    {
        unsaved.remove(id);
        mayBeBehind.remove(id);
        failedWrites.remove(id);
    }

    /**
     * @param id a session whose kept changes could not be written again, and stay kept
     * @return how many times in a row that happened since Redis last had the session as it was
     */
    public synchronized int unsavedWriteFailed(String id)
    {
        // Not refused to every node this time (another node's lease, say): Redis may hold a later change of another node.
        mayBeBehind.add(id);
        return failedWrites.merge(id, 1, Integer::sum);
    }

    /**
     * @param id a session whose kept changes are given up
     * @param data the data given up: newer data kept since stays kept
     */
    public synchronized void dropUnsaved(String id, SessionData data)
    {
        if (unsaved.remove(id, data))
        {
            mayBeBehind.remove(id);
            failedWrites.remove(id);
        }
    }

    /** @return the session's data with changes Redis does not have, or null if Redis has them all */
    public SessionData unsavedData(String id)
    {
        return unsaved.get(id);
    }

    /**
     * @return the session's data with changes that Redis refused to every node alike at each try (full, or not
     * serving for now), so that no other node can have written the session since; null if there is none
     */
    public synchronized SessionData refusedData(String id)
    {
        return mayBeBehind.contains(id) ? null : unsaved.get(id);
    }

    /** @return whether the session has changes that Redis does not have */
    public boolean isUnsaved(String id)
    {
        return unsaved.containsKey(id);
    }

    /** @return whether any session has changes Redis does not have */
    public boolean hasUnsaved()
    {
        return !unsaved.isEmpty();
    }

    /** @return the sessions with changes Redis does not have, a snapshot */
    public Map<String, SessionData> unsaved()
    {
        return new HashMap<>(unsaved);
    }

    /** @param id a session this node deleted (a logout, say) while Redis could not be reached */
    public void undeleted(String id)
    {
        remove(id);
        undeleted.add(id);
    }

    /** @param id a session whose deletion Redis now has */
    public void deleted(String id)
    {
        undeleted.remove(id);
    }

    /** @return whether this node deleted the session but Redis does not know yet */
    public boolean isUndeleted(String id)
    {
        return undeleted.contains(id);
    }

    /** @return the sessions this node deleted while Redis could not be told, a snapshot */
    public Set<String> undeleted()
    {
        return Set.copyOf(undeleted);
    }

    /**
     * @param id a session id
     * @return the session the cache holds under that id, without loading or using it; null if none (or the
     * cache cannot tell)
     */
    public ManagedSession find(String id)
    {
        return cache() instanceof DefaultSessionCache cache ? cache.doGet(id) : null;
    }

    /** Loads a session as the store does. */
    @FunctionalInterface
    public interface Loader
    {
        /**
         * @param id a session id
         * @return its data, or null if there is none
         * @throws Exception if it cannot be loaded
         */
        SessionData load(String id) throws Exception;
    }

    /**
     * Expires, with their listeners, sessions this node claimed that no cache holds. Jetty expires an id by
     * deleting it from the cache and firing {@code sessionDestroyed} on the session the cache gives back,
     * but a {@link NullSessionCache} gives none back, so a session that expired between requests would
     * vanish without its listeners.
     *
     * @param ids the claimed sessions
     * @param loader loads a session
     * @return the ids left for Jetty: those already gone, or that cannot be loaded (Jetty deletes them)
     */
    public Set<String> expireUnheld(Set<String> ids, Loader loader)
    {
        SessionCache cache = cache();
        Set<String> gone = new HashSet<>();
        for (String id : ids)
        {
            try
            {
                SessionData data = loader.load(id);
                if (data == null)
                    gone.add(id);
                else
                    // Fires the listeners, then removes the id from every context of this node, and so from Redis.
                    context.run(() -> cache.newSession(data).invalidate());
            }
            catch (Exception e)
            {
                LOG.warn("Cannot expire session {} with its listeners: {}", LoggedId.of(id), e.toString());
                gone.add(id);
            }
        }
        return gone;
    }

    /**
     * Drops a session another node deleted (and fired the listeners of) from memory, without touching Redis
     * and without listeners. Requests of this node already in it finish with it, as Jetty's own eviction
     * waits for the requests in a session: it stays usable to them (a read would fail half-way otherwise, and
     * Jetty's BASIC login answered 500), but its saves are refused ({@link #refusesSave}), which is also what
     * keeps the last one's release from putting it back in the cache. An earlier one's release puts it back
     * without a save in Jetty's {@code DefaultSessionCache} (the refusal takes it out again), not in the coherent
     * cache, which asks {@link #isDropped} first.
     *
     * @param id a session id
     */
    public void drop(String id)
    {
        remove(id);
        ManagedSession session = find(id);
        if (session == null)
            return;
        // Under the session's lock, as the cache itself does: a request entering or leaving it holds that lock.
        try (AutoLock lock = session.lock())
        {
            takeOut(id, session);
            if (session.getRequests() > 0)
                dropped.put(id, session);
            else
                session.setResident(false);
        }
    }

    /**
     * Takes a session out of memory because Redis holds a later copy, so that its next use reads that one.
     * One that requests of this node are in is left to them: their saves are made against Redis's copy, as
     * any save is.
     *
     * @param id a session id
     */
    public void dropReplaced(String id)
    {
        ManagedSession session = find(id);
        if (session == null)
        {
            remove(id);
            return;
        }
        try (AutoLock lock = session.lock())
        {
            if (session.getRequests() > 0)
                return;
            remove(id);
            takeOut(id, session);
            session.setResident(false);
        }
    }

    private void takeOut(String id, ManagedSession session)
    {
        if (cache() instanceof DefaultSessionCache cache && cache.doGet(id) == session)
            cache.doDelete(id);
    }

    /**
     * @param id a session id
     * @param session a session the cache is about to put in memory under that id
     * @return whether it is a session another node deleted while requests of this node were in it: never to be
     * put back
     */
    public boolean isDropped(String id, ManagedSession session)
    {
        return dropped.get(id) == session;
    }

    /**
     * Called before each save: the save of a session dropped while requests were in it is refused, and the
     * copy taken out of the cache again (and, at its last request's save, out of memory for good).
     *
     * @param id a session id
     * @param data the data a save is about to write
     * @return whether it is the data of such a session: never to be written
     */
    public boolean refusesSave(String id, SessionData data)
    {
        ManagedSession session = dropped.get(id);
        if (session == null || session.getSessionData() != data)
            return false;
        // Jetty's cache puts a session back in memory, unsaved, when a request that is not its last leaves it:
        // out again, now that a save is to be refused.
        takeOut(id, session);
        // The save of the last request as it leaves (Jetty counts it out first, under the session's lock):
        // no save of this copy comes after it, and its refusal keeps the cache from putting it back.
        if (session.getRequests() <= 0)
        {
            dropped.remove(id, session);
            session.setResident(false);
        }
        return true;
    }
}
