// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.util.thread.AutoLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Brings Redis and what this node holds back in step after they drifted apart: writes the saves and
 * deletions that could not reach Redis when they were made (when Redis answers again, at each scavenge, and
 * before such a session is loaded), and checks the sessions held in memory when the deletion listener
 * listens again after missing messages (deleted meanwhile: dropped; lost by Redis: written back whole).
 */
public final class CatchUp
{
    private static final Logger LOG = LoggerFactory.getLogger(CatchUp.class);

    /** The store's writes, which catching up makes again. */
    public interface Writes
    {
        /**
         * Saves as Jetty's {@code doStore} would.
         *
         * @param id the session id
         * @param data its data
         * @param lastSaveTime when it was last saved, 0 for never
         * @throws Exception if it cannot be saved
         */
        void store(String id, SessionData data, long lastSaveTime) throws Exception;

        /**
         * Writes a session whole, unless another node deleted it.
         *
         * @param id the session id
         * @param data its data
         * @throws Exception if it cannot be written
         */
        void writeWhole(String id, SessionData data) throws Exception;

        /**
         * Deletes a session.
         *
         * @param id the session id
         * @throws Exception if it cannot be deleted
         */
        void delete(String id) throws Exception;
    }

    private final SessionContext context;
    private final SessionKeys keys;
    private final RedisCalls calls;
    private final HeldSessions held;
    private final Writes writes;
    /** How many times in a row a kept save may fail to be written before it is dropped. */
    static final int SAVE_ATTEMPTS = 10;
    /** Whether a check of the held sessions has not gone through since it was last asked for. */
    private volatile boolean heldCheckPending;

    /**
     * @param context the store's context
     * @param keys its key layout
     * @param calls how to reach Redis
     * @param held what its cache holds, and what Redis missed
     * @param writes the store's writes
     */
    public CatchUp(SessionContext context, SessionKeys keys, RedisCalls calls, HeldSessions held, Writes writes)
    {
        this.context = context;
        this.keys = keys;
        this.calls = calls;
        this.held = held;
        this.writes = writes;
    }

    /** Makes the deletions and saves that could not reach Redis, if it answers. */
    public void writeWhatRedisMissed()
    {
        if (calls.availability().isDown())
            return;
        // Saves first: a session given a new id meanwhile (a login) has its deletion under the old id kept too,
        // and that deletion's tombstone, written first, would read as another node's deletion of the session,
        // refusing the save under the new id. Written after, the save finds a tombstone only if another node
        // deleted the session meanwhile (a logout everywhere), and is rightly refused then.
        held.unsaved().forEach(this::saveQuietly);
        for (String id : held.undeleted())
            deleteQuietly(id);
        if (heldCheckPending)
        {
            try
            {
                checkHeldSessions();
            }
            catch (RuntimeException e)
            {
                // Tried again every second while Redis refuses for now: one WARN per outage is the availability's.
                if (RedisAvailability.isUnreachable(e))
                    LOG.debug("Cannot check the sessions held in memory against Redis; checked again when it answers: {}", e.toString());
                else
                    LOG.warn("Cannot check the sessions held in memory against Redis; checked again when it answers", e);
            }
        }
    }

    /**
     * Before a session is loaded, or a held copy checked: what this node changed or deleted while Redis could
     * not take it comes first.
     *
     * @param id the session about to be loaded or checked
     * @return false if this node deleted it (Redis may not know yet)
     * @throws JedisConnectionException if this node's changes of the session could not be written, and Redis did
     * not refuse them to every node alike (down, not the master, another failure): what Redis holds is older
     * (even with a version this node never saw: a save of its own that Redis made but whose reply was lost), and
     * read in their place it would undo them
     */
    public boolean beforeLoad(String id)
    {
        // Nothing kept for it (nearly always): the read asks Redis as any call does, and waits for a probe only there.
        if (!held.isUndeleted(id) && !held.isUnsaved(id))
            return true;
        // Asked again if Redis was down, so that the request that finds it back writes what it missed before it
        // reads; and asked once: a read that found Redis back after this found it down would come before them.
        boolean reachable = !calls.availability().isStillDown();
        if (reachable)
        {
            if (held.isUndeleted(id))
            {
                // A session given a new id meanwhile (a login) first: see writeWhatRedisMissed.
                held.unsaved().forEach((renamed, data) ->
                {
                    if (!renamed.equals(id) && data instanceof StoredSessionData copy && copy.isStoredUnder(id))
                        saveQuietly(renamed, data);
                });
                deleteQuietly(id);
            }
            else if (held.isUnsaved(id))
            {
                SessionData data = held.unsavedData(id);
                if (data != null)
                    saveQuietly(id, data);
            }
        }
        if (held.isUndeleted(id))
            return false;
        // Still kept, and not refused to every node alike (which refusedCopy gives instead): not tried, Redis went
        // away again, not the master answered (other nodes may write to a new one), or the write failed otherwise.
        if (held.isUnsaved(id) && held.refusedData(id) == null)
        {
            if (!reachable || calls.availability().isDown())
                throw calls.refusedWhileDown();
            throw notRead(id, "has not taken (it may not be the master, or their write failed): not read from it, whose copy may be older");
        }
        return true;
    }

    /**
     * After {@link #beforeLoad}: this node's copy of a session whose changes Redis refused again to every node
     * alike (full, or not serving for now), which a load must give in place of Redis's older one. A request given
     * Redis's would save it over them, and its logout would miss them.
     *
     * @param id the session about to be loaded
     * @return the copy, or null if Redis has every change of the session this node made
     * @throws JedisConnectionException if Redis holds another version of the session than the one the copy was
     * made from (another node wrote it while Redis had room): neither is the latest, and the request must wait
     * until this node's changes are written beside the other's
     */
    public SessionData refusedCopy(String id)
    {
        // Nothing kept (nearly always): no lock taken.
        if (!held.isUnsaved(id))
            return null;
        SessionData kept = held.refusedData(id);
        if (kept == null)
            return null;
        // A copy Redis never had under this id (new, or given this id by a renewal) expects no hash there.
        String base = kept instanceof StoredSessionData copy && copy.isStoredUnder(id) ? copy.getStoredVersion() : null;
        byte[] inRedis = calls.run(redis -> redis.hget(keys.session(id), SessionHashCodec.VERSION_FIELD));
        if (base == null ? inRedis == null : inRedis != null && base.equals(new String(inRedis, StandardCharsets.US_ASCII)))
            return kept;
        throw notRead(id, "refused, and another node changed it meanwhile: not read until they are written");
    }

    /** @return the failure of a load that must not read Redis's copy: as Redis not there, for the caches */
    private JedisConnectionException notRead(String id, String why)
    {
        return new JedisConnectionException("Session " + LoggedId.of(id) + " of " + keys.context() + " has changes that Redis at " +
            calls.availability().address() + " " + why);
    }

    /**
     * Checks each session held in memory against Redis: one deleted meanwhile is dropped, one Redis lost
     * (restarted empty, failed over to a replica that missed writes) is written back whole. A check that fails
     * (the deletion listener got its connection back before the node found Redis answering, or Redis went away
     * again) runs again when Redis answers: until then a session another node deleted while this one could not
     * hear it would still be served.
     */
    public void checkHeldSessions()
    {
        // Cleared as a check begins, set again only if one fails: a check that went through does not clear what
        // one begun after it (a reconnection meanwhile) left to do, and no second check starts beside a running one.
        heldCheckPending = false;
        try
        {
            Set<String> ids = held.ids();
            if (ids.isEmpty())
                return;
            presence(ids).forEach((id, presence) ->
            {
                if (!presence.hash())
                    checkMissing(id, presence.tombstone());
                else if (ContentVersions.isWrittenBack(presence.version()))
                    checkWrittenBack(id);
            });
        }
        catch (RuntimeException e)
        {
            heldCheckPending = true;
            throw e;
        }
    }

    /**
     * What Redis holds of a session: its hash, its tombstone, and its content version (null without a hash,
     * or when it has none).
     */
    private record Presence(boolean hash, boolean tombstone, String version)
    {
    }

    private Map<String, Presence> presence(Set<String> ids)
    {
        return calls.run(redis ->
        {
            Map<String, Response<Boolean>> hashes = new HashMap<>();
            Map<String, Response<Boolean>> tombstones = new HashMap<>();
            Map<String, Response<byte[]>> versions = new HashMap<>();
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (String id : ids)
                {
                    hashes.put(id, pipeline.exists(keys.session(id)));
                    tombstones.put(id, pipeline.exists(keys.tombstone(id)));
                    versions.put(id, pipeline.hget(keys.session(id), SessionHashCodec.VERSION_FIELD));
                }
                pipeline.sync();
            }
            // Read within the call: an error reply (MASTERDOWN from a replica, say) is then the call's failure,
            // counted, retried and told to the leases as any call's is.
            Map<String, Presence> presence = new HashMap<>();
            for (String id : ids)
            {
                byte[] version = versionOrNull(versions.get(id));
                presence.put(id, new Presence(hashes.get(id).get(), tombstones.get(id).get(),
                    version == null ? null : new String(version, StandardCharsets.US_ASCII)));
            }
            return presence;
        });
    }

    /**
     * A held session whose hash Redis has not: deleted by a node, or lost by Redis. Not if it was never saved
     * under its id (just created, or given a new id, its first save still to come): Redis never had it, so
     * it lost nothing, and no deletion of it can have been missed. Written back, it would be in Redis before
     * its own first save, which creates it, and which a hash already there refuses, then and at every save after.
     */
    private void checkMissing(String id, boolean tombstone)
    {
        ManagedSession session = held.find(id);
        if (session == null)
        {
            if (tombstone)
                held.drop(id);
            else
                held.forget(id);
            return;
        }
        // Jetty saves a session under its lock: here its first save is either made or not begun.
        try (AutoLock lock = session.lock())
        {
            if (!id.equals(session.getId()) || session.getSessionData().getLastSaved() <= 0)
                return;
            // Asked again now that no save can come between: one may have written the session since.
            Presence presence = presence(Set.of(id)).get(id);
            if (presence.hash())
                return;
            if (presence.tombstone())
                held.drop(id);
            else
            {
                LOG.info("Session {} of {} is held in memory but not in Redis, and no node deleted it (Redis lost it): " +
                    "writing it back whole", LoggedId.of(id), keys.context());
                writeBack(id, session);
            }
        }
    }

    /** A key that is no hash answers HGET with an error: it has no version, and its check is another's. */
    private static byte[] versionOrNull(Response<byte[]> version)
    {
        try
        {
            return version.get();
        }
        catch (JedisDataException e)
        {
            // A key that is no hash answers WRONGTYPE; a replica's MASTERDOWN is Redis not serving, the call's failure.
            if (RedisAvailability.isUnreachable(e))
                throw e;
            return null;
        }
    }

    /**
     * A held session that Redis holds as another node wrote it back after losing it: if this node's copy
     * changed later, it goes in its place (the {@code restore} write keeps the later of the two).
     */
    private void checkWrittenBack(String id)
    {
        ManagedSession session = held.find(id);
        if (session == null)
            return;
        try (AutoLock lock = session.lock())
        {
            // Asked again now that no request of this node can change either: one may have read a later copy
            // into this one meanwhile, or another node written one back.
            if (session.getSessionData() instanceof StoredSessionData copy &&
                ContentVersions.heldIsLaterThanWrittenBack(copy.getStoredVersion(), presence(Set.of(id)).get(id).version()))
            {
                LOG.info("Session {} of {} was written back to Redis from a copy older than this node's: writing this node's " +
                    "in its place", LoggedId.of(id), keys.context());
                writeBack(id, session);
            }
        }
    }

    private void writeBack(String id, ManagedSession session)
    {
        if (!session.isValid() || !session.isResident() || session.isExpiredAt(System.currentTimeMillis()))
            return;
        SessionData data = session.getSessionData();
        context.run(() -> run(() -> writes.writeWhole(id, data), "Cannot write back session {} of {}", id));
    }

    private void saveQuietly(String id, SessionData data)
    {
        // From a snapshot: a newer copy kept since is written by its own turn, an older one never over it.
        if (held.unsavedData(id) != data)
            return;
        ManagedSession session = held.find(id);
        if (session != null && session.getSessionData() == data)
        {
            // The cache still holds it: requests may change it meanwhile.
            try (AutoLock lock = session.lock())
            {
                save(id, data);
            }
        }
        else
            save(id, data);
    }

    /**
     * Writes a kept save. One that cannot be written stays kept, tried again at the next catch-up, unless the
     * store refused it for good (the session deleted, or another under its id), or it failed
     * {@value #SAVE_ATTEMPTS} times in a row: a lease that other nodes kept renewing past the wait, an error
     * reply, and whatever else may pass, but need not.
     */
    private void save(String id, SessionData data)
    {
        context.run(() ->
        {
            Exception failure = attempt(() -> writes.store(id, data, data.getLastSaved()));
            if (failure == null)
                return;
            int failures = failure instanceof RefusedSave ? SAVE_ATTEMPTS : held.unsavedWriteFailed(id);
            if (failures < SAVE_ATTEMPTS)
            {
                LOG.warn("Cannot write the changes of session {} of {} that Redis did not take when they were made: kept, and " +
                    "tried again at the next catch-up ({} of {} attempts failed)", LoggedId.of(id), keys.context(), failures, SAVE_ATTEMPTS, failure);
                return;
            }
            held.dropUnsaved(id, data);
            LOG.warn("Cannot write the changes of session {} of {} that Redis did not take when they were made: {}", LoggedId.of(id),
                keys.context(), failure instanceof RefusedSave ? "refused, and dropped" : "dropped after " + SAVE_ATTEMPTS + " failed attempts", failure);
        });
    }

    private void deleteQuietly(String id)
    {
        run(() -> writes.delete(id), "Cannot delete session {} of {}, deleted while Redis could not be reached", id);
    }

    private interface Write
    {
        void run() throws Exception;
    }

    private boolean run(Write write, String failure, String id)
    {
        Exception e = attempt(write);
        if (e == null)
            return true;
        if (RedisAvailability.isUnreachable(e))
            LOG.debug(failure + ": {}", LoggedId.of(id), keys.context(), e.toString());
        else
            LOG.warn(failure, LoggedId.of(id), keys.context(), e);
        return false;
    }

    /** @return what the write threw, or null if it went through */
    private static Exception attempt(Write write)
    {
        try
        {
            write.run();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
