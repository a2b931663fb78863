// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.jettyredis.session.codec.proto.SessionMetadata;
import io.github.jettyredis.session.internal.CatchUp;
import io.github.jettyredis.session.internal.ContentVersions;
import io.github.jettyredis.session.internal.LoggedId;
import io.github.jettyredis.session.internal.RedisCalls;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.internal.SessionLeases;
import io.github.jettyredis.session.internal.SessionScripts;
import io.github.jettyredis.session.internal.SessionScripts.Write;
import io.github.jettyredis.session.internal.StoredSessionData;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.SessionData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check of a copy of a session held in memory against Redis, before a request uses it: what makes
 * {@link RedisSessionCache} coherent. One per store, which it asks to read and to write back sessions as a
 * load and a save do.
 */
final class HeldCopyCheck
{
    private static final Logger LOG = LoggerFactory.getLogger(HeldCopyCheck.class);
    /**
     * How long a strict node that found a session lost waits for other nodes' copies: they write theirs back
     * when their deletion listener listens again, which it tries every second once Redis is back.
     */
    static final long RESTORE_WINDOW_MS = 2000;
    private static final long RESTORE_POLL_MS = 50;

    /** What the check needs of its store. */
    interface Store
    {
        /**
         * @param id the session id
         * @return the session as Jetty's load reads it, or null if Redis has none
         * @throws Exception if it cannot be read
         */
        SessionData load(String id) throws Exception;

        /**
         * @param id the session id
         * @param fields the session's hash, as {@code HGETALL} gives it (empty if there is none)
         * @return the session it holds, as a load decodes it, or null for none; called in the context
         * @throws Exception if it cannot be decoded
         */
        StoredSessionData decode(String id, Map<byte[], byte[]> fields) throws Exception;

        /**
         * @param id the session id
         * @param held the copy held in memory
         * @return what Redis said to the copy written back whole, as a copy of a session Redis lost
         */
        Write writeBack(String id, StoredSessionData held);
    }

    private final Store store;
    private final SessionContext context;
    private final SessionKeys keys;
    private final RedisCalls calls;
    private final SessionHashCodec codec;
    private final SessionLeases leases;
    private final CatchUp catchUp;
    private final SessionStoreCounters counters;

    HeldCopyCheck(Store store, SessionContext context, SessionKeys keys, RedisCalls calls, SessionHashCodec codec, SessionLeases leases,
                  CatchUp catchUp, SessionStoreCounters counters)
    {
        this.store = store;
        this.context = context;
        this.keys = keys;
        this.calls = calls;
        this.codec = codec;
        this.leases = leases;
        this.catchUp = catchUp;
        this.counters = counters;
    }

    /** What Redis holds, compared with a copy of a session held in memory. */
    enum Freshness
    {
        /** The same content (the copy took the access times another node may have saved since), or Redis lost the session. */
        CURRENT,
        /** This node holds a lease on the session: the copy is what Redis holds, and Redis was not asked. */
        LEASED,
        /** Other content: the copy was replaced, in place, by what Redis holds now. */
        REFRESHED,
        /** Deleted by a node. */
        GONE
    }

    /**
     * Makes a copy of a session held in memory the one Redis holds. If Redis holds the same content version,
     * the copy takes the access times another node may have saved since (a few bytes come back); if not, the
     * whole session is read and the copy takes its content, in place, so that the session object the cache
     * holds, and that requests share, stays the same. The copy of a session Redis lost is kept (its next save
     * writes it back whole). Changes kept while Redis could not be reached are written first; a copy whose
     * kept changes Redis cannot take yet is not checked at all, as when Redis cannot be asked (what Redis holds
     * is older, even with a version this node never saw). Whether a copy is used while Redis cannot be asked is
     * the cache's to decide. The caller holds the session's lock.
     *
     * <p>A copy this node holds a lease on is what Redis holds: Redis is not asked ({@link SessionLeases}). A
     * copy found current at its last check is checked with a plain {@code HMGET} of the version and the
     * metadata, the cheapest command that answers, since its requests likely come to this node, or, when it may
     * take a lease, with {@link SessionScripts#REFRESH} asking for one; one found changed by another node
     * (requests alternating between nodes) with that script too, which returns the whole session in the same
     * round trip when the version differs, as it likely does again.</p>
     *
     * <p>After Redis lost the session, the first copy written back is not always the latest: a node holding
     * a copy changed later than one written back writes its own in its place and uses it. With
     * {@code awaitLaterCopies} (the strict cache's choice), a node that finds the session lost writes its copy
     * back and waits up to {@link #RESTORE_WINDOW_MS} for a later one from another node before using it, so
     * that it does not go on from an older copy.</p>
     *
     * @param id the session id
     * @param held the copy held in memory
     * @param awaitLaterCopies whether to wait for other nodes' copies of a session Redis lost
     * @return what Redis holds, compared with the copy
     * @throws Exception if the session cannot be read again, Redis unreachable included
     */
    Freshness refresh(String id, SessionData held, boolean awaitLaterCopies) throws Exception
    {
        if (!(held instanceof StoredSessionData stored))
            return Freshness.CURRENT;
        if (!catchUp.beforeLoad(id))
            return reload(id, stored);
        // A new id (a login) whose write Redis refused to every node alike (full, or not serving for now): Redis has
        // nothing under it, and asked, would have the copy taken for lost. A copy kept under its own id is checked
        // as any is: should another node have written the session while Redis had room, its change is read in
        // beside the kept one.
        if (!stored.isStoredUnder(id) && catchUp.refusedCopy(id) instanceof StoredSessionData kept)
            return replaced(id, stored, kept);
        // Read after the changes kept while Redis was away are written: written beside a change the copy lacks
        // (another node's, or its own save whose reply was lost), they leave it knowing no version Redis holds.
        String known = stored.getStoredVersion();
        if (known == null)
            return reload(id, stored);
        if (leases.holds(stored))
        {
            counters.leasedUse();
            return Freshness.LEASED;
        }
        byte[] version = known.getBytes(StandardCharsets.US_ASCII);
        long sent = System.nanoTime();
        SessionScripts.LeaseRequest lease = leases.forCheck(stored);
        if (!stored.isChangedElsewhereAtLastCheck() && lease.ms() == 0)
        {
            List<byte[]> fields = calls.runShared(pipeline -> pipeline.hmget(keys.session(id), SessionHashCodec.VERSION_FIELD,
                SessionHashCodec.METADATA_FIELD), (redis, hmget) -> hmget.get());
            if (Arrays.equals(version, fields.get(0)))
                return sameVersion(id, stored, fields.get(1));
            if (isLaterThanWrittenBack(stored, fields.get(0)))
                return writtenBackInstead(id, stored);
            // Changed (or gone): the script reads it whole, or finds it changed back meanwhile.
        }
        // The script: with the lease asked for, or the whole session if it changed, in the same round trip.
        List<?> reply = refreshScript(id, version, lease);
        if ((Long)reply.get(0) == 0)
        {
            stored.setChangedElsewhereAtLastCheck(false);
            leases.answered(id, stored, lease, true, SessionScripts.refreshGranted(reply), sent);
            return sameVersion(id, stored, (byte[])reply.get(1));
        }
        stored.setChangedElsewhereAtLastCheck(true);
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        List<?> flat = (List<?>)reply.get(1);
        for (int i = 0; i + 1 < flat.size(); i += 2)
            fields.put((byte[])flat.get(i), (byte[])flat.get(i + 1));
        if (isLaterThanWrittenBack(stored, versionOf(flat)))
            return writtenBackInstead(id, stored);
        if (fields.isEmpty() && awaitLaterCopies)
            return lostAwaitingLaterCopies(id, stored);
        AtomicReference<StoredSessionData> fresher = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        // As Jetty's load does: in the context, whose class loader the attribute values need.
        context.run(() ->
        {
            try
            {
                fresher.set(store.decode(id, fields));
            }
            catch (Exception e)
            {
                failure.set(e);
            }
        });
        if (failure.get() != null)
            throw failure.get();
        return replaced(id, stored, fresher.get());
    }

    private List<?> refreshScript(String id, byte[] version, SessionScripts.LeaseRequest lease)
    {
        byte[][] args = SessionScripts.refreshArgs(keys, id, version, lease);
        return calls.runShared(pipeline -> SessionScripts.REFRESH.queue(pipeline, args),
            (redis, refreshed) -> (List<?>)SessionScripts.REFRESH.result(refreshed, redis, args));
    }

    /** @return the content version among a hash's fields and values, as HGETALL gives them; null if none */
    private static byte[] versionOf(List<?> flat)
    {
        for (int i = 0; i + 1 < flat.size(); i += 2)
        {
            if (Arrays.equals(SessionHashCodec.VERSION_FIELD, (byte[])flat.get(i)))
                return (byte[])flat.get(i + 1);
        }
        return null;
    }

    private static boolean isLaterThanWrittenBack(StoredSessionData held, byte[] inRedis)
    {
        // Another node's change (requests alternating between nodes) is the common case: told apart from the
        // bytes, without a string.
        return ContentVersions.isWrittenBack(inRedis) &&
            ContentVersions.heldIsLaterThanWrittenBack(held.getStoredVersion(), new String(inRedis, StandardCharsets.US_ASCII));
    }

    /**
     * Redis holds a copy written back after it lost the session, changed before the held one: the held copy
     * goes in its place (unless a later one came meanwhile, which is then read).
     */
    private Freshness writtenBackInstead(String id, StoredSessionData held) throws Exception
    {
        LOG.info("Session {} of {} was written back to Redis from a copy older than this node's: writing this node's in its place",
            LoggedId.of(id), keys.context());
        return switch (store.writeBack(id, held))
        {
            case WRITTEN -> Freshness.CURRENT;
            case DELETED -> Freshness.GONE;
            default -> reload(id, held);
        };
    }

    /**
     * Redis lost the session (no node deleted it): the held copy is written back, then, for up to
     * {@link #RESTORE_WINDOW_MS}, Redis is asked whether another node wrote back a later one, which is then
     * read; the held copy is used only if none came.
     */
    private Freshness lostAwaitingLaterCopies(String id, StoredSessionData held) throws Exception
    {
        // The write-back is refused if a node deleted the session (its tombstone): no need to ask first.
        Write written = store.writeBack(id, held);
        if (written == Write.DELETED)
            return Freshness.GONE;
        if (!written.isWritten())
            return reload(id, held);
        LOG.debug("Session {} of {} was lost by Redis and written back from this node's copy: waiting up to {} ms for a later copy " +
            "from another node", LoggedId.of(id), keys.context(), RESTORE_WINDOW_MS);
        byte[] mine = held.getStoredVersion().getBytes(StandardCharsets.US_ASCII);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESTORE_WINDOW_MS);
        while (System.nanoTime() < deadline)
        {
            try
            {
                Thread.sleep(RESTORE_POLL_MS);
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                break;
            }
            byte[] inRedis = calls.run(redis -> redis.hget(keys.session(id), SessionHashCodec.VERSION_FIELD));
            if (!Arrays.equals(mine, inRedis))
                return reload(id, held);
        }
        return Freshness.CURRENT;
    }

    /** Redis holds the copy's content version: the copy takes the access times of the metadata Redis holds. */
    private Freshness sameVersion(String id, StoredSessionData stored, byte[] metadataBytes) throws Exception
    {
        SessionMetadata metadata = codec.decodeMetadataOrUnknown(metadataBytes);
        if (metadata == null || metadata.getFormat() == 0)
            return reload(id, stored);
        stored.takeAccessFrom(metadata.getAccessed(), metadata.getLastAccessed(), metadata.getExpiry(),
            metadata.hasLastNode() ? metadata.getLastNode() : null);
        // Found current: its requests come to this node, which may now take a lease on it.
        stored.setLeaseWanted(true);
        return Freshness.CURRENT;
    }

    /** Reads the session again, as a load does, and makes the held copy that. */
    private Freshness reload(String id, StoredSessionData stored) throws Exception
    {
        // Redis going away meanwhile is as Redis being down when asked first.
        return replaced(id, stored, (StoredSessionData)store.load(id));
    }

    private Freshness replaced(String id, StoredSessionData stored, StoredSessionData fresher)
    {
        stored.setLeaseWanted(false);
        stored.endLease();
        if (fresher == null)
            return deletedOrLost(id);
        // This node's own copy, whose changes Redis refused (full, or not serving for now): Redis has nothing later.
        if (fresher == stored)
            return Freshness.CURRENT;
        // Which versions, for whoever wonders why a node went back to Redis's copy (an outage's lost change was found so).
        if (LOG.isDebugEnabled())
            LOG.debug("Session {} of {}: the held copy (version {}) takes Redis's (version {})", LoggedId.of(id), keys.context(),
                stored.getStoredVersion(), fresher.getStoredVersion());
        stored.replaceWith(fresher);
        return Freshness.REFRESHED;
    }

    /**
     * A held session that Redis has not: deleted by a node (its tombstone says so), or lost by Redis (a
     * restart without its data, a failover, an eviction). A lost one is kept, as any held session is: its
     * next save finds it gone without a tombstone and writes it back whole.
     */
    private Freshness deletedOrLost(String id)
    {
        return calls.run(redis -> redis.exists(keys.tombstone(id))) ? Freshness.GONE : Freshness.CURRENT;
    }
}
