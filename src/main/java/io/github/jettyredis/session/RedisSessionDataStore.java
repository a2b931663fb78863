// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.jettyredis.session.client.RedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.codec.AttributeSerializer;
import io.github.jettyredis.session.codec.proto.SessionMetadata;
import io.github.jettyredis.session.internal.CatchUp;
import io.github.jettyredis.session.internal.ContentVersions;
import io.github.jettyredis.session.internal.ExpiryClaims;
import io.github.jettyredis.session.internal.ExpiryIndex;
import io.github.jettyredis.session.internal.HeldSessions;
import io.github.jettyredis.session.internal.LoggedId;
import io.github.jettyredis.session.internal.RedisAvailability;
import io.github.jettyredis.session.internal.RedisCalls;
import io.github.jettyredis.session.internal.RedisLinks;
import io.github.jettyredis.session.internal.RefusedSave;
import io.github.jettyredis.session.internal.Renewals;
import io.github.jettyredis.session.internal.SessionDelta;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.internal.SessionLeases;
import io.github.jettyredis.session.internal.SessionScripts;
import io.github.jettyredis.session.internal.SessionScripts.Write;
import io.github.jettyredis.session.internal.SessionSizeLimits;
import io.github.jettyredis.session.internal.SessionUserIndex;
import io.github.jettyredis.session.internal.SharedPipelines;
import io.github.jettyredis.session.internal.StoredSessionData;
import io.github.jettyredis.session.internal.UnreadableSession;
import io.github.jettyredis.session.internal.UserIndex;
import io.github.jettyredis.session.internal.UserNames;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.HouseKeeper;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionIdManager;
import org.eclipse.jetty.session.UnreadableSessionDataException;
import org.eclipse.jetty.session.UnwriteableSessionDataException;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A Jetty {@link org.eclipse.jetty.session.SessionDataStore} that keeps the sessions of one context in
 * Redis: one hash per session whose Redis TTL follows the session's own expiry, a tombstone for each
 * deleted one, and a per-context index of expiry times so that expired sessions are found without scanning
 * keys (README, "Design"). Every command touches the keys of one session or of one context, so it runs on
 * Redis Cluster as well.
 *
 * <p>What it promises when things go wrong (README, "When Redis fails"): a session deleted by one node is
 * never written again by another; a session Redis lost is written back whole by a node that holds it; a
 * session held in memory keeps working while Redis cannot be reached, and its changes are written when it
 * answers again; a session is expired by exactly one node, and never while it lives; an attribute that
 * cannot be read or written costs only itself.</p>
 *
 * <p>Made by {@link RedisSessionDataStoreFactory}, one per context.</p>
 */
@ManagedObject("Redis session data store")
public class RedisSessionDataStore extends AbstractSessionDataStore
{
    private static final Logger LOG = LoggerFactory.getLogger(RedisSessionDataStore.class);

    /** Time the TTL margin adds on top of grace, save and scavenge periods, for clock skew between nodes. */
    public static final long CLOCK_SKEW_ALLOWANCE_MS = TimeUnit.SECONDS.toMillis(60);
    /** How long the tombstone of a session without TTL (immortal, or already gone) lives. */
    public static final long TOMBSTONE_WITHOUT_TTL_MS = TimeUnit.DAYS.toMillis(1);
    /** The most the stored expiry of a session may lag its own, see {@link #expiryDriftToleranceMs}. */
    static final long MAX_EXPIRY_DRIFT_MS = 1000;

    private final RedisClientFactory clientFactory;
    private final RedisClientSettings settings;
    private final SessionHashCodec codec;
    private final String prefix;
    /** Names this store instance in expiry claims and deletion messages; worker names are often the same on every node. */
    private final String claimant = UUID.randomUUID().toString();
    private final AtomicLong unreadableAttributes = new AtomicLong();
    private SessionStoreCounters counters = new SessionStoreCounters(true);
    /** Numbers the content versions this store writes (with its claimant, unique across nodes). */
    private final AtomicLong versions = new AtomicLong();
    /** Until when every save writes its session's index entry (the index was found gone). */
    private volatile long reindexUntil;
    /**
     * The session that this thread last could not read or ask about, Redis being unreachable (or full, or not
     * serving, with changes of it kept). Jetty makes a session for a request that asked for one it could not read
     * in two steps, one call apart: is the requested id in use ({@link #doExists}), then a new session
     * ({@link #newSessionData}), under the requested id if it is in use. If Redis answers the first step, the
     * second must still not replace the user's session with a new one.
     */
    private final ThreadLocal<UnknownSession> existenceUnknown = new ThreadLocal<>();

    /** Jetty's expiry candidates that a failed scavenge could not look at, for the next one. */
    private final Set<String> candidatesToRetry = ConcurrentHashMap.newKeySet();
    /** Whether this thread writes a kept save again, for the catch-up. */
    private final ThreadLocal<Boolean> catchingUp = ThreadLocal.withInitial(() -> false);

    /**
     * A session this thread could not read or ask about, and when ({@link System#nanoTime()}); {@code anyId}: the
     * mark of a failed existence check, which holds for whatever id Jetty then makes a session under. A failed
     * load's or check's mark holds only for its own id (Jetty reusing the requested id): it must not turn away a
     * new visitor that a later request of this thread serves.
     */
    private record UnknownSession(String id, long at, boolean anyId)
    {
    }
    private RedisLinks links = new RedisLinks();
    private boolean broadcastInvalidation = true;
    private int pipelinesInFlight = StoreProperty.PIPELINES_IN_FLIGHT.defaultInt();
    private SessionKeys keys;
    private UnifiedJedis redis;
    private RedisLinks.Link link;
    private RedisCalls calls;
    private HeldSessions held;
    private final Renewals renewals = new Renewals();
    private ExpiryIndex index;
    private ExpiryClaims claims;
    private CatchUp catchUp;
    private HeldCopyCheck heldCopies;
    private SessionLeases leases;
    private long leaseMs;
    private Runnable onRedisBack;
    private Runnable onAnswerNotFromTheMaster;
    private SessionOperations operations;
    private boolean listening;
    private boolean indexUsers;
    private UserNames userNames = new UserNames(null);
    private int maxSessionsPerUser;
    private MaxSessionsPolicy whenMaxSessionsExceeded = MaxSessionsPolicy.INVALIDATE_OLDEST;
    private SessionUserIndex userIndex;
    private UserSessions userSessions;

    /**
     * @param clientFactory supplies the client when the store starts
     * @param settings the connection settings handed to the client factory
     * @param serializer turns attribute values into bytes and back
     * @param prefix the prefix of every key
     */
    public RedisSessionDataStore(RedisClientFactory clientFactory, RedisClientSettings settings, AttributeSerializer serializer, String prefix)
    {
        this.clientFactory = clientFactory;
        this.settings = settings;
        this.codec = new SessionHashCodec(serializer);
        this.prefix = prefix;
        addBean(counters);
    }

    /**
     * @param ms how long a lease this store asks for lasts (see {@link SessionLeases}), 0 for none; set by
     * {@link RedisSessionCache} before start, the one cache that uses them
     */
    void setLeaseMs(long ms)
    {
        checkStarted();
        this.leaseMs = ms;
    }

    /** @return how long a lease this store asks for lasts, in ms; 0 when it asks for none */
    @ManagedAttribute(value = "how long a lease on a session this node asks for lasts (ms, 0: none)", readonly = true)
    public long getLeaseMs()
    {
        return leases == null ? leaseMs : leases.leaseMs();
    }

    /** Asks for no more leases and gives up those held: the cache is shutting down, its last saves are under way. */
    void stopLeasing()
    {
        if (leases != null)
            leases.stop();
    }

    /** @return how many times a request used a held copy under this node's lease, without asking Redis */
    long getLeasedUses()
    {
        return counters.getLeasedUses();
    }

    /**
     * @return how many times leases were voided so far: each time the deletion listener lost or made its
     * connection (for tests, which wait for a reconnection)
     */
    long getLeaseEpoch()
    {
        return leases == null ? 0 : leases.epoch();
    }

    /** @return how many changes of this node waited for another node to give up its lease */
    long getLeaseWaits()
    {
        return counters.getLeaseWaits();
    }

    /** @param links what the stores of this server share per Redis client; set by the factory before start */
    void setRedisLinks(RedisLinks links)
    {
        checkStarted();
        this.links = links;
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        codec.getSerializer().checkUsable();
        keys = new SessionKeys(prefix, _context.getCanonicalContextPath(), _context.getVhost());
        held = new HeldSessions(_context);
        connect();
        // Every store respects other nodes' leases, from its first write; it takes none until told it may (below).
        leases = new SessionLeases(claimant, keys, calls, held, leaseMs);
        claims = new ExpiryClaims(keys, calls, codec, claimant);
        catchUp = new CatchUp(_context, keys, calls, held, new CatchUp.Writes()
        {
            @Override
            public void store(String id, SessionData data, long lastSaveTime) throws Exception
            {
                catchingUp.set(true);
                try
                {
                    doStore(id, data, lastSaveTime);
                }
                finally
                {
                    catchingUp.remove();
                }
            }

            @Override
            public void writeWhole(String id, SessionData data) throws Exception
            {
                save(id, data, restoring(data, false), SessionScripts.RESTORE);
            }

            @Override
            public void delete(String id) throws Exception
            {
                RedisSessionDataStore.this.delete(id);
            }
        });
        heldCopies = new HeldCopyCheck(new HeldCopyCheck.Store()
        {
            @Override
            public SessionData load(String id) throws Exception
            {
                return RedisSessionDataStore.this.load(id);
            }

            @Override
            public StoredSessionData decode(String id, Map<byte[], byte[]> fields) throws Exception
            {
                return loaded(id, fields);
            }

            @Override
            public Write writeBack(String id, StoredSessionData held)
            {
                return RedisSessionDataStore.this.writeBack(id, held);
            }
        }, _context, keys, calls, codec, leases, catchUp, counters);
        onRedisBack = catchUp::writeWhatRedisMissed;
        link.availability().onRecovery(onRedisBack);
        onAnswerNotFromTheMaster = leases::answeredNotByTheMaster;
        link.availability().onAnswerNotFromTheMaster(onAnswerNotFromTheMaster);
        // Only a cache that keeps sessions in memory has something to drop when another node deletes one.
        listening = broadcastInvalidation && held.keepsSessions();
        // Only a store told of deletions, and so asked to give leases up, takes them.
        leases.setGranting(listening);
        if (listening)
        {
            link.deletions().register(keys.deletionChannel(), claimant, held::drop, leases::revoked, () ->
            {
                leases.listenerListening();
                catchUp.checkHeldSessions();
            }, leases::listenerLost);
        }
        operations = new SessionOperations(_context);
        addBean(operations);
        if (indexUsers)
        {
            userSessions = new UserSessions(_context, keys, calls, userIndex.index(), codec, maxSessionsPerUser, whenMaxSessionsExceeded);
            addBean(userSessions, true);
        }
        if (scavengeIntervalMs() <= 0)
            LOG.warn("No session scavenger runs for {}: expired sessions are only found when they are requested, and " +
                "sessionDestroyed does not fire for the others", keys.context());
        LOG.info("Sessions of {} in Redis: {}", keys.context(), getConfiguration());
    }

    /**
     * @return the store's effective configuration in one line, as the start logs it: the Redis settings
     * (passwords masked), the client factory they were given to, the key prefix, the serializer, the size
     * limits and Jetty's periods
     */
    @ManagedAttribute(value = "effective configuration (passwords masked)", readonly = true)
    public String getConfiguration()
    {
        SessionSizeLimits limits = codec.getSizeLimits();
        String users = indexUsers ? String.format(", userSessions=true, userAttribute=%s, maxSessionsPerUser=%d, whenMaxSessionsExceeded=%s",
            userNames.attribute(), maxSessionsPerUser, whenMaxSessionsExceeded.configName()) : ", userSessions=false";
        // The factory is named: one of the user's own may build its client from other settings than these.
        return String.format("%s, clientFactory=%s, prefix=%s, serializer=%s, maxAttributeBytes=%d, maxSessionBytes=%d, " +
                "gracePeriodSec=%d, savePeriodSec=%d, broadcastInvalidation=%s, pipelinesInFlight=%d, metrics=%s%s", settings,
            clientFactory.getClass().getName(), prefix, codec.getSerializer().getClass().getName(), limits.maxAttributeBytes(),
            limits.maxSessionBytes(), getGracePeriodSec(), getSavePeriodSec(), broadcastInvalidation, pipelinesInFlight,
            counters.isCounting(), users);
    }

    /** Gets the client and registers the context, or fails the start naming the address. */
    private void connect() throws Exception
    {
        try
        {
            // Cluster and Sentinel clients connect as they are built; a standalone one at its first command.
            redis = clientFactory.getClient(_context, settings);
            link = links.acquire(redis, clientFactory, settings);
            calls = new RedisCalls(redis, link.availability(), counters::redisFailed, new SharedPipelines(pipelinesInFlight), prefix);
            index = new ExpiryIndex(prefix, keys, calls, _context.getWorkerName() == null ? claimant : _context.getWorkerName());
            userIndex = new SessionUserIndex(new UserIndex(keys, this::getTtlMarginMs), userNames, indexUsers, new UserEvents());
            index.register();
        }
        catch (JedisException e)
        {
            disconnect();
            throw new IllegalStateException("Cannot use Redis at " + settings.address() + " (jetty.session.redis.uri) for the sessions of " +
                keys.context() + ": " + e.getMessage() + settings.tlsHint(e), e);
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        try
        {
            candidatesToRetry.clear();
            if (leases != null)
                leases.stop();
            if (listening)
                link.deletions().unregister(keys.deletionChannel());
            if (link != null)
            {
                link.availability().removeRecoveryListener(onRedisBack);
                link.availability().removeAnswerNotFromTheMasterListener(onAnswerNotFromTheMaster);
            }
            removeBean(operations);
            if (userSessions != null)
            {
                userSessions.stop();
                removeBean(userSessions);
                userSessions = null;
            }
        }
        finally
        {
            try
            {
                disconnect();
            }
            finally
            {
                listening = false;
                super.doStop();
            }
        }
    }

    /** Gives back what the store shares and the client, whatever happened before, or the shared pool is never closed. */
    private void disconnect() throws Exception
    {
        try
        {
            if (link != null)
                links.release(redis);
        }
        finally
        {
            if (redis != null)
                clientFactory.releaseClient(_context, redis);
            link = null;
            calls = null;
            redis = null;
        }
    }

    @Override
    public SessionData doLoad(String id) throws Exception
    {
        long start = counters.started();
        // A load begins a request's steps, or a later one's: what an earlier step on this thread could not tell is past.
        existenceUnknown.remove();
        Map<byte[], byte[]> fields;
        try
        {
            if (!catchUp.beforeLoad(id))
                return null;
            SessionData kept = catchUp.refusedCopy(id);
            // (Under its own id: one just renamed, Jetty's renewal under way, is not this id's any more.)
            if (kept != null && id.equals(kept.getId()))
            {
                held.add(id);
                return kept;
            }
            fields = readHash(id);
        }
        catch (JedisException e)
        {
            if (RedisAvailability.isUnreachable(e))
            {
                counters.loadUnreachable();
                // Redis may answer Jetty's next question, whether the id exists, and the request would then be
                // given a new session under it, saved in place of the one that could not be read.
                existenceUnknown.set(new UnknownSession(id, System.nanoTime(), false));
            }
            throw e;
        }
        StoredSessionData data = loaded(id, fields);
        counters.loadTook(start);
        return data;
    }

    /** @return the session the fields of its hash hold, or null if there are none or it is about to expire elsewhere */
    private StoredSessionData loaded(String id, Map<byte[], byte[]> fields) throws Exception
    {
        if (fields.isEmpty())
        {
            counters.loadMissing();
            return null;
        }
        StoredSessionData data;
        try
        {
            data = decode(id, fields);
        }
        catch (UnreadableSessionDataException e)
        {
            counters.loadUnreadable();
            throw e;
        }
        long bytes = 0;
        for (Map.Entry<byte[], byte[]> field : fields.entrySet())
            bytes += field.getKey().length + field.getValue().length;
        counters.loadFound(bytes);
        if (!takeOverIfAboutToExpire(id, data))
            return null;
        held.add(id);
        return data;
    }

    private Map<byte[], byte[]> readHash(String id) throws UnreadableSessionDataException
    {
        try
        {
            return calls.runShared(pipeline -> pipeline.hgetAll(keys.session(id)), (redis, hash) -> hash.get());
        }
        catch (JedisDataException e)
        {
            if (RedisAvailability.isUnreachable(e))
                throw e;
            // WRONGTYPE: something that is not one of our hashes sits under the key.
            throw new UnreadableSession(id, _context, e);
        }
    }

    /** Decodes a session; attributes that cannot be read are left out, logged and counted. */
    private StoredSessionData decode(String id, Map<byte[], byte[]> fields) throws UnreadableSessionDataException
    {
        StoredSessionData data;
        try
        {
            data = codec.decode(id, _context.getCanonicalContextPath(), _context.getVhost(), fields);
        }
        catch (IOException | RuntimeException e)
        {
            throw new UnreadableSession(id, _context, e);
        }
        userIndex.loaded(data);
        Map<String, String> unreadable = data.getUnreadableAttributeReasons();
        unreadableAttributes.addAndGet(unreadable.size());
        unreadable.forEach((name, reason) -> LOG.warn("Session {} of {}: attribute '{}' cannot be read and is left out " +
            "(Redis keeps it): {}", LoggedId.of(id), keys.context(), name, reason));
        return data;
    }

    /**
     * Tells the other nodes that this one serves the session now, when it is about to expire: a node holding
     * an older copy expires the sessions it last served once their expiry passes, and would otherwise expire
     * this one while this node's request runs (its save comes only at the end).
     *
     * @return false if the session turned out to be deleted meanwhile
     */
    private boolean takeOverIfAboutToExpire(String id, StoredSessionData data)
    {
        long now = System.currentTimeMillis();
        long expiry = data.getExpiry();
        String node = _context.getWorkerName();
        if (expiry <= now || Objects.equals(node, data.getLastNode()) || expiry - now >= data.getMaxInactiveMs() / 2)
            return true;
        data.setLastNode(node);
        data.setExpiry(data.calcExpiry(now));
        try
        {
            Write result = write(id, data, codec.encodeMetadataOnly(data), SessionScripts.UPDATE);
            if (result.isWritten())
                data.markMetadataStored();
            return result != Write.DELETED;
        }
        catch (JedisException e)
        {
            LOG.debug("Cannot take over session {} of {}: {}", LoggedId.of(id), keys.context(), e.toString());
            return true;
        }
    }

    @Override
    public void store(String id, SessionData data) throws Exception
    {
        // Another node deleted the session while requests of this node were in it, which finish with it. Refused
        // even with nothing to write: Jetty's cache puts a session back in memory after its last request's save,
        // unless that save fails, and a node without the check would then serve it as if no one had deleted it.
        if (held.refusesSave(id, data))
            throw new RefusedSave(id, _context, "Session " + LoggedId.of(id) +
                " was deleted by another node while requests of this node were in it: not written again, not kept in memory");
        if (data instanceof StoredSessionData stored && stored.isRenewalRefused())
            throw new RefusedSave(id, _context, renewalRefusal(id));
        super.store(id, data);
    }

    @Override
    public void doStore(String id, SessionData data, long lastSaveTime) throws Exception
    {
        // Never saved under this id (new, or renamed by changeSessionId): written whole, and only if new. Unless
        // this node already read or wrote this copy there (a write-back of a copy Redis lost, or a kept save
        // written once Redis was back) while Jetty still takes it for unsaved (its lastSaved goes back to 0 when
        // a save throws): the hash in the way is then the session's own, which a create would refuse, then and at
        // every save after. FaultsUnderLoadIT lost changes after a restart with data without this check.
        StoredSessionData copy = data instanceof StoredSessionData stored ? stored : null;
        boolean create = lastSaveTime <= 0 && !(copy != null && copy.isStoredUnder(id));
        Renewals.Renewal renewal = create && copy != null ? renewals.renewalOf(id, copy) : null;
        if (renewal != null && renewal.deletedBefore())
        {
            // Not thrown: Jetty's cache, when this save fails, never counts out the request its renewal counted in,
            // and would keep the copy in memory for good. Refused at every later save of the copy instead.
            LOG.warn(refuseRenewal(id, copy));
            return;
        }
        if (renewal != null)
            copy.setRenewal(renewal);
        SessionDelta delta = codec.encodeDelta(data, create);
        delta.unwritable().forEach((name, reason) -> LOG.warn("Session {} of {}: attribute '{}' is not saved (Redis " +
            "keeps what it had): {}", LoggedId.of(id), keys.context(), name, reason));
        if (isOnlyExpiryDrift(id, data, delta))
        {
            // Jetty saves a changed session when the response commits and again when the request ends,
            // only to move the expiry by the few milliseconds in between: Redis keeps the first one.
            held.saved(id);
            counters.saveSkipped();
            return;
        }
        long start = counters.started();
        save(id, data, delta, create ? SessionScripts.CREATE : delta.whole() ? SessionScripts.REPLACE : SessionScripts.UPDATE);
        counters.saveTook(start);
    }

    /**
     * A session given a new id (a login) while Redis could not take the write under it has that write kept, and its
     * old id's deletion kept too if Redis could not be reached then; the catch-up makes the deletion first when the
     * write is refused again (Redis back but full). The kept copy learns that the tombstone is its own renewal's,
     * as a renewal's write does at once, so that its write, once Redis takes it, is not refused for it.
     */
    private void keptRenewalsOf(String oldId, Renewals.Renewal renewal)
    {
        if (!held.hasUnsaved())
            return;
        for (SessionData kept : held.unsaved().values())
            if (kept instanceof StoredSessionData copy && copy.isStoredUnder(oldId) && !oldId.equals(copy.getId()) && copy.getRenewal() == null)
                copy.setRenewal(renewal);
    }

    /**
     * @return whether the copy, which Redis holds nothing of under its id, is of a session this node read or wrote
     * under another id that has a tombstone: given a new id (changeSessionId) after it was deleted, rather than
     * lost by Redis
     */
    private boolean isDeletedUnderEarlierId(String id, SessionData data)
    {
        if (!(data instanceof StoredSessionData stored))
            return false;
        String earlier = stored.getStoredUnder();
        if (earlier == null || earlier.equals(id))
            return false;
        // The tombstone of this node's own renewal (the session was there when it deleted the old id), whose write
        // under the new id Redis did not take then (full, or not there): a login, to be written now, not refused.
        Renewals.Renewal renewal = stored.getRenewal() != null ? stored.getRenewal() : keptRenewal(id, earlier);
        if (renewal != null && renewal.oldId().equals(earlier) && !renewal.deletedBefore())
        {
            stored.setRenewal(renewal);
            return false;
        }
        return calls.run(redis -> redis.exists(keys.tombstone(earlier)));
    }

    /**
     * With a cache that holds no session ({@code NullSessionCache}), Jetty renews the id on a copy it loads for
     * the renewal, whose write under the new id Redis may refuse (full) and this node then keeps; the request's
     * own copy takes the new id after, knowing nothing of the renewal, and is saved when the request leaves.
     *
     * @return the renewal that the kept copy under the id learnt, if that copy was renamed from the same earlier id
     */
    private Renewals.Renewal keptRenewal(String id, String earlier)
    {
        return held.unsavedData(id) instanceof StoredSessionData kept && kept.isStoredUnder(earlier) ? kept.getRenewal() : null;
    }

    /**
     * Refuses a copy given a new id after its session was deleted, now and at every later save, and drops it from
     * memory.
     *
     * @return why, for the log
     */
    private String refuseRenewal(String id, StoredSessionData copy)
    {
        copy.refuseRenewal();
        held.drop(id);
        return renewalRefusal(id);
    }

    private String renewalRefusal(String id)
    {
        return "Session " + LoggedId.of(id) + " of " + keys.context() + " is the new id that a request of this node gave a session " +
            "deleted meanwhile (by another node, or expired): not written under it, not kept in memory";
    }

    /**
     * A change of user (the container authenticated another one) changes no attribute, but is no drift; nor is a
     * save of a copy Redis does not hold under this id (a new id whose write this node keeps: Redis has nothing to
     * keep).
     */
    private boolean isOnlyExpiryDrift(String id, SessionData data, SessionDelta delta)
    {
        return delta.isMetadataOnly() && data instanceof StoredSessionData stored && stored.isStoredUnder(id) && !held.isUnsaved(id) &&
            stored.isOnlyExpiryDriftSinceStored(expiryDriftToleranceMs(data)) &&
            userIndex.isUserUnchanged(data);
    }

    /**
     * Writes a session, then acts on what Redis said: a session Redis lost is written again whole (unless
     * another node already wrote back a copy changed later, which is then kept and this node's dropped), one
     * another node deleted is dropped from memory (never written again), and a save that cannot reach Redis,
     * or that a full Redis refused (having written nothing of it), is kept for when it can be written.
     */
    private void save(String id, SessionData data, SessionDelta delta, String mode) throws UnwriteableSessionDataException
    {
        try
        {
            if (!SessionScripts.RESTORE.equals(mode))
                delta = versioned(data, delta);
            Write result = write(id, data, delta, mode);
            // Jetty's own renewal found nothing under the old id, and the request's session took the new id alone.
            if (result == Write.LOST && isDeletedUnderEarlierId(id, data))
                throw new RefusedSave(id, _context, refuseRenewal(id, (StoredSessionData)data));
            if (result == Write.LOST)
            {
                LOG.info("Session {} of {} was not in Redis, and no node deleted it (Redis lost it): writing it back whole",
                    LoggedId.of(id), keys.context());
                delta = restoring(data, delta.version() != null);
                result = write(id, data, delta, SessionScripts.RESTORE);
            }
            switch (result)
            {
                case WRITTEN, MERGED ->
                {
                    recordStored(id, data, delta, result == Write.MERGED);
                    counters.saved(delta.whole(), delta.bytes());
                }
                case SUPERSEDED ->
                {
                    // Other nodes held the session too, and one whose copy changed later wrote it back first.
                    LOG.info("Session {} of {} was written back by another node from a copy changed later than this node's: " +
                        "this node's copy is dropped, and read again from Redis at its next use", LoggedId.of(id), keys.context());
                    held.dropReplaced(id);
                }
                case DELETED ->
                {
                    held.drop(id);
                    throw new RefusedSave(id, _context, "Session " + LoggedId.of(id) + " was deleted by another node (invalidated, " +
                        "expired or given a new id): not written again, and dropped from this node's memory");
                }
                default -> throw new RefusedSave(id, _context,
                    "Another session with id " + LoggedId.of(id) + " is in Redis (maybe one this node cannot read): not replaced");
            }
        }
        catch (JedisException e)
        {
            if (RedisAvailability.isFull(e))
                calls.availability().refusedForMemory("session " + LoggedId.of(id) + " of " + keys.context() + " not saved, nothing of it " +
                    "written; kept in memory, and written when Redis has room (at a scavenge, or before the session is next loaded)");
            else if (!RedisAvailability.isUnreachable(e))
                throw e;
            // Kept, with the session itself, until Redis can take it: see CatchUp.
            held.unsaved(id, data, RedisAvailability.refusesEveryone(e));
            // Counted once, not again at each of the catch-up's tries while Redis refuses it.
            if (!catchingUp.get())
                counters.saveKept();
        }
    }

    /**
     * @return the save with a new content version when it changes more than what every request changes (the
     * access times, expiry and last node), so that nodes holding the session know to read it again
     */
    private SessionDelta versioned(SessionData data, SessionDelta delta)
    {
        boolean onlyAccess = !delta.changesAttributes() && data instanceof StoredSessionData stored && stored.isOnlyAccessSinceStored();
        return onlyAccess ? delta : delta.withVersion(newVersion());
    }

    /**
     * @return a new content version: the time of the change (12 hex digits of ms, so that versions compare
     * as their times do), then this store's own token and counter, so that no two saves make the same one
     */
    private String newVersion()
    {
        // Built by hand: String.format parses its pattern on every call, and this runs on every changing save.
        String time = Long.toHexString(System.currentTimeMillis());
        StringBuilder version = new StringBuilder(32);
        for (int i = time.length(); i < 12; i++)
            version.append('0');
        return version.append(time).append(claimant, 0, 8).append(Long.toHexString(versions.incrementAndGet())).toString();
    }

    /**
     * @param changed whether the copy has content Redis never had (a change kept while Redis was away)
     * @return the write-back of a whole session Redis lost, with the version of the copy's content: the
     * version Redis had for it, or a new one if it changed since, marked as written back
     * ({@link ContentVersions}). Several nodes may hold copies and write them back; the {@code restore}
     * write keeps the one with the latest version, changed last.
     */
    private SessionDelta restoring(SessionData data, boolean changed)
    {
        String stored = data instanceof StoredSessionData copy ? copy.getStoredVersion() : null;
        return codec.encodeDelta(data, true).withVersion(ContentVersions.writtenBack(changed || stored == null ? newVersion() : stored));
    }

    /**
     * One round trip: the write script on the session's keys and, when the expiry moved far enough from it,
     * the session's expiry index entry; with {@code userSessions}, its user's index entry when the user
     * changed (a login, a logout) or the expiry index entry moves.
     */
    private Write write(String id, SessionData data, SessionDelta delta, String mode)
    {
        LeaseWait wait = new LeaseWait(id);
        while (true)
        {
            // Before the request is made: a lease given up from then on is given up again if Redis grants it.
            long sent = System.nanoTime();
            SessionScripts.LeaseRequest lease = leases.forWrite(data, mode);
            Object reply = writeOnce(id, data, delta, mode, lease);
            Write result = Write.of(reply);
            if (result != Write.LEASED)
            {
                if (data instanceof StoredSessionData stored)
                    leases.answered(id, stored, lease, result.isWritten(), Write.granted(reply), sent);
                return result;
            }
            wait.refusedBy(SessionScripts.leaseRefusal(reply));
        }
    }

    /**
     * The wait of one change of this node for other nodes' leases on its session: each refusal is waited out
     * (see {@link SessionLeases#awaitRelease}), until a lease's end and a second more. Redis keeps the holder
     * from renewing a lease a change was refused for, so the change goes through by that end even if the holder
     * never hears that it is wanted; it fails only if other nodes keep taking new leases meanwhile.
     */
    private final class LeaseWait
    {
        private final String id;
        private String lastHolder;
        private int refusals;
        private long giveUpAt;

        private LeaseWait(String id)
        {
            this.id = id;
        }

        private void refusedBy(SessionScripts.LeaseRefusal refusal)
        {
            long now = System.nanoTime();
            if (lastHolder == null)
                giveUpAt = now + TimeUnit.MILLISECONDS.toNanos(refusal.waitMs() + SessionScripts.LEASE_WAIT_SLACK_MS);
            else if (now - giveUpAt > 0)
                throw new IllegalStateException("Session " + LoggedId.of(id) + " of " + keys.context() + " stayed leased by other nodes for longer " +
                    "than a lease lasts: not changed");
            if (!refusal.holder().equals(lastHolder))
                counters.leaseWait();
            leases.awaitRelease(id, refusal, refusals++, lastHolder);
            lastHolder = refusal.holder();
        }
    }

    /** One round trip of {@link #write}; replies what the script did. */
    private Object writeOnce(String id, SessionData data, SessionDelta delta, String mode, SessionScripts.LeaseRequest lease)
    {
        SessionDelta indexed = needsIndexEntry(data, delta) ? delta.withIndexEntry() : delta;
        SessionUserIndex.Save user = userIndex.save(id, data, indexed);
        SessionDelta save = user.recording(indexed);
        String baseVersion = data instanceof StoredSessionData copy ? copy.getStoredVersion() : null;
        byte[][] args = SessionScripts.writeArgs(keys, id, mode, save, ttlMs(data.getExpiry(), System.currentTimeMillis()), lease,
            baseVersion);
        Object reply = calls.runShared(pipeline ->
        {
            Response<Object> written = SessionScripts.WRITE.queue(pipeline, args);
            if (save.indexed() != null)
                index.queueUpdate(pipeline, id, save.indexed());
            // Another slot than the session's: after its script, in the same round trip.
            user.queue(pipeline);
            return written;
        }, (redis, written) ->
        {
            Object script = SessionScripts.WRITE.result(written, redis, args);
            Write outcome = Write.of(script);
            user.readReplies(redis);
            if (outcome == Write.DELETED)
                index.remove(redis, id);
            if (!outcome.isWritten())
                user.undo(redis, outcome == Write.LEASED || outcome == Write.SUPERSEDED, () -> recordedUser(redis, id));
            return script;
        });
        if (Write.of(reply).isWritten())
        {
            if (save.indexed() != null && data instanceof StoredSessionData stored)
                stored.setIndexedExpiry(save.indexed());
            user.written();
        }
        return reply;
    }

    /** @return the token of the user the session's hash records now, null for none */
    private String recordedUser(UnifiedJedis redis, String id)
    {
        byte[] user = redis.hget(keys.session(id), SessionHashCodec.USER_FIELD);
        return user == null ? null : new String(user, StandardCharsets.US_ASCII);
    }

    /** What saves tell of users' sessions, for {@link UserSessions} (not there with {@code userSessions} off). */
    private final class UserEvents implements SessionUserIndex.Events
    {
        @Override
        public void loggedIn(String userToken, String id, long entries)
        {
            UserSessions sessions = userSessions;
            if (sessions != null)
                sessions.added(userToken, id, entries);
        }

        @Override
        public void loggedOutDuringRenewal(String userToken, String id)
        {
            UserSessions sessions = userSessions;
            if (sessions != null)
                sessions.loggedOutDuringRenewal(id);
        }
    }

    /**
     * Records the user the container authenticated for a request of a session, called by
     * {@link AuthenticatedUserHandler} while the request still holds the session (see
     * {@link SessionUserIndex#authenticatedAs}).
     *
     * @param data the session's data
     * @param name the name of the user the request was authenticated as
     */
    void authenticatedAs(SessionData data, String name)
    {
        if (userIndex != null)
            userIndex.authenticatedAs(data, name);
    }

    /**
     * Whole writes always set the entry (the hash they replace may be another's), and so does every write for a
     * while after the index was found gone; others when it lags too far.
     */
    private boolean needsIndexEntry(SessionData data, SessionDelta delta)
    {
        long indexed = data instanceof StoredSessionData stored ? stored.getIndexedExpiry() : StoredSessionData.UNKNOWN_INDEX_ENTRY;
        return delta.whole() || System.currentTimeMillis() < reindexUntil ||
            ExpiryIndex.needsUpdate(indexed, data.getExpiry(), indexLagToleranceMs(data));
    }

    /**
     * The index is never empty (see {@link ExpiryIndex#register}): gone, it was evicted (an {@code allkeys-*}
     * {@code maxmemory-policy}) or Redis lost its data. It is made again with the sessions this node holds,
     * and for the context's max-inactive interval (at least the grace period) every save writes its
     * session's entry, so that each session used meanwhile, on any node that found it gone, is indexed again.
     */
    private void restoreIndexIfGone(long now)
    {
        if (!index.isGone())
            return;
        // The entries this node knows Redis had: held sessions it loaded or saved with one.
        Map<String, Long> entries = new LinkedHashMap<>();
        for (String id : held.ids())
        {
            ManagedSession session = held.find(id);
            if (session != null && session.getSessionData() instanceof StoredSessionData stored && stored.getIndexedExpiry() > 0)
                entries.put(id, stored.getIndexedExpiry());
        }
        // Opened first: a restore whose write went in but whose reply was lost finds the index present next time.
        long windowMs = Math.max(TimeUnit.SECONDS.toMillis(_context.getSessionManager().getMaxInactiveInterval()),
            TimeUnit.SECONDS.toMillis(getGracePeriodSec()));
        reindexUntil = now + windowMs;
        if (scavengeStep("The expiry index of " + keys.context() + ", gone from Redis, made again", () -> index.restore(entries)) != null)
            return;
        LOG.warn("The expiry index of {} was gone from Redis (evicted under an allkeys-* maxmemory-policy, or Redis lost its " +
            "data): this node wrote again the entries of the {} sessions it holds, and for the next {} s every save writes its " +
            "session's entry. A session no node uses meanwhile expires with its key, without sessionDestroyed", keys.context(),
            entries.size(), TimeUnit.MILLISECONDS.toSeconds(windowMs));
    }

    /**
     * @return how far a session's expiry index entry may lag its expiry: a tenth of its max-inactive
     * interval, so that a session in use moves it about ten times per interval rather than at every
     * request, and under half the grace period, so that the index search ({@link #doGetExpired}, which looks
     * a grace period back) never finds a session in use
     */
    long indexLagToleranceMs(SessionData data)
    {
        return Math.max(0, Math.min(data.getMaxInactiveMs() / 10, TimeUnit.SECONDS.toMillis(getGracePeriodSec()) / 2));
    }

    /**
     * @param missedChange whether the write went in beside another node's change that the copy had not seen
     * ({@link Write#MERGED}): Redis then holds both under this write's version, so the copy, which lacks the
     * other's, knows no version Redis holds, and is read again at its next use
     */
    private void recordStored(String id, SessionData data, SessionDelta delta, boolean missedChange)
    {
        if (data instanceof StoredSessionData stored)
        {
            stored.setStoredAttributes(delta.storedAfter());
            stored.markMetadataStored();
            stored.setStoredUnder(id);
            if (missedChange)
                stored.setStoredVersion(null);
            else if (delta.version() != null)
                stored.setStoredVersion(delta.version());
        }
        held.saved(id);
        // Written whole: also the first save of a session given a new id (changeSessionId), which no load or
        // newSessionData registered under that id; held under it, the catch-up checks it as any other.
        if (delta.whole())
            held.add(id);
    }

    /**
     * @return how far the stored expiry may lag the session's own before a save that changes nothing else
     * is sent: under a second, and under 1% of the session's max-inactive interval
     */
    static long expiryDriftToleranceMs(SessionData data)
    {
        return Math.min(MAX_EXPIRY_DRIFT_MS, Math.max(0, data.getMaxInactiveMs() / 100));
    }

    /**
     * Finds the sessions to expire and claims each in Redis, so that exactly one node expires it, and only
     * once it is dead everywhere.
     *
     * <p>Jetty's base class searches the whole context ({@link #doGetExpired}) only when more than a grace
     * period passed since its previous call, and every scavenge resets that clock, so with the defaults
     * (scavenge every 600 s, grace 3600 s) it searches once, at the first scavenge, and sessions that
     * expire while no node holds them in memory are never expired (no {@code sessionDestroyed}). The
     * expiry index makes the search cheap, so this store runs it at every scavenge.</p>
     */
    @Override
    public Set<String> getExpired(Set<String> candidates)
    {
        if (!isStarted())
            throw new IllegalStateException("Not started");
        // Jetty hands each candidate (a held session whose timer found it expired) over once, and takes it out of its
        // own set first: one that a failed scavenge could not look at is kept here for the next.
        Set<String> all = new HashSet<>(candidates);
        all.addAll(candidatesToRetry);
        candidatesToRetry.clear();
        try
        {
            return claimExpired(all);
        }
        catch (RuntimeException e)
        {
            // Not thrown on: Jetty's scavenger would log it at WARN with the id of every candidate, and session ids are
            // bearer credentials. What the index has as expired, it still has next time.
            keepCandidates(all, e);
            scavengeStepFailed("The scavenge of " + keys.context() + " (no session expired by it)", e);
            return new HashSet<>();
        }
    }

    /**
     * Keeps candidates that a scavenge could not claim because Redis could not take the claims for now (not reached,
     * not serving, full), for the next one. Not after any other failure: a candidate that fails every claim would make
     * every scavenge fail.
     */
    private void keepCandidates(Set<String> candidates, RuntimeException failure)
    {
        if (isForNow(failure))
            candidatesToRetry.addAll(candidates);
    }

    /** @return whether Redis may take what it failed for at a later try: not reached, not serving for now (a slot moving), or full */
    private static boolean isForNow(RuntimeException failure)
    {
        return RedisAvailability.isUnreachable(failure) || RedisAvailability.isFull(failure);
    }

    /** The steps of {@link #getExpired}. */
    private Set<String> claimExpired(Set<String> candidates)
    {
        long now = System.currentTimeMillis();
        long graceMs = TimeUnit.SECONDS.toMillis(getGracePeriodSec());

        // 1. Housekeeping: forget what the cache no longer holds and last scavenge's claims, write what Redis missed.
        held.prune();
        claims.forget();
        catchUp.writeWhatRedisMissed();
        restoreIndexIfGone(now);

        // 2. What is due: the cache's candidates as Redis sees them, and what the index says expired a grace period ago
        // (on a single Redis, the claim scripts read the index themselves).
        Map<String, Long> due = new LinkedHashMap<>();
        boolean claimsInsideIndex = claims.claimsInsideIndex();
        _context.run(() ->
        {
            due.putAll(claims.dueOf(candidates, now, graceMs, _context.getWorkerName()));
            if (!claimsInsideIndex)
                for (String id : doGetExpired(now - graceMs))
                    due.putIfAbsent(id, now - graceMs);
        });
        _lastExpiryCheckTime = now;

        // 3. Claim each; copies of sessions another node deleted or used again go quietly; the index follows Redis.
        // (What the first claims took is expired even if the index's claims fail: the index still has theirs next time.)
        // If they fail, the other steps still run: the sweep's deletions, say, which a full Redis takes, free memory.
        ExpiryClaims.Outcome outcome = ExpiryClaims.Outcome.empty();
        RuntimeException claimsFailed = scavengeStep("The claims of the sessions of " + keys.context() + " due now",
            () -> claims.claim(due, now, getTtlMarginMs(), outcome));
        if (claimsFailed != null)
            keepCandidates(candidates, claimsFailed);
        if (claimsInsideIndex)
            scavengeStep("The claims of the sessions that the expiry index of " + keys.context() + " has as expired",
                () -> claims.claimIndexed(now - graceMs, now, getTtlMarginMs(), outcome));
        counters.claimed(outcome.claimed().size(), outcome.gone().size());
        outcome.gone().forEach(held::drop);
        outcome.alive().keySet().stream().filter(candidates::contains).forEach(held::dropReplaced);
        scavengeStep("The correction of expiry index entries of " + keys.context() + " (sessions used again, or deleted elsewhere)",
            () -> index.correct(outcome.indexCorrections()));

        // 4. Expire, with their listeners, the claimed sessions no cache holds (a NullSessionCache).
        Set<String> expired = held.keepsSessions() ? outcome.claimed() : held.expireUnheld(outcome.claimed(), this::load);

        // 5. Now and then, delete long expired sessions of every context.
        if (now > _lastOrphanSweepTime + 10 * graceMs)
        {
            // Again at the next scavenge if Redis could not take it for now; otherwise (an ACL, data it cannot read), as
            // planned, so that a sweep that cannot go through does not fail every scavenge.
            RuntimeException failure = scavengeStep("The sweep of long expired sessions under " + prefix, () -> cleanOrphans(now - 10 * graceMs));
            if (failure == null || !isForNow(failure))
                _lastOrphanSweepTime = now;
        }
        return expired;
    }

    /**
     * Runs a step of a scavenge that the next scavenge makes again if this one cannot (it finds the same sessions and
     * entries), so that its failure does not cost this scavenge what the other steps did.
     *
     * @return null if it went through, else how it failed
     */
    private RuntimeException scavengeStep(String what, Runnable step)
    {
        try
        {
            step.run();
            return null;
        }
        catch (RuntimeException e)
        {
            scavengeStepFailed(what, e);
            return e;
        }
    }

    /** Logs what a scavenge could not do: a full Redis as the store's other refused writes, one not reached at DEBUG (the availability warns). */
    private void scavengeStepFailed(String what, RuntimeException e)
    {
        if (RedisAvailability.isFull(e))
            calls.availability().refusedForMemory(what + ": not done; tried again at the next scavenge");
        else if (RedisAvailability.isUnreachable(e))
            LOG.debug("{}: not done, as Redis cannot be asked now ({}); tried again at the next scavenge", what, e.toString());
        else
            LOG.warn("{}: failed; tried again at the next scavenge", what, e);
    }

    /**
     * The Redis TTL of a session: its remaining time plus {@link #getTtlMarginMs()}, or none (-1) for an
     * immortal session.
     */
    long ttlMs(long expiry, long now)
    {
        if (expiry <= 0)
            return -1;
        return Math.max(expiry - now, 0) + getTtlMarginMs();
    }

    /**
     * How long Redis keeps a session after its expiry: the save period (a session written less often than
     * it is used can be that much younger than Redis thinks), twice the grace period (other nodes only
     * look for it a grace period after expiry), the scavenge interval (they look only that often) and a
     * minute for clock skew between nodes.
     *
     * @return the margin in milliseconds
     */
    @ManagedAttribute(value = "ms a session's key outlives its expiry", readonly = true)
    public long getTtlMarginMs()
    {
        return TimeUnit.SECONDS.toMillis(Math.max(getSavePeriodSec(), 0) + 2L * Math.max(getGracePeriodSec(), 0)) +
            scavengeIntervalMs() + CLOCK_SKEW_ALLOWANCE_MS;
    }

    /** @return how often this server's scavenger runs (Jetty adds up to 10% to spread nodes), or 0 if never */
    private long scavengeIntervalMs()
    {
        SessionIdManager ids = _context == null ? null : _context.getSessionManager().getSessionIdManager();
        HouseKeeper houseKeeper = ids == null ? null : ids.getSessionHouseKeeper();
        long seconds = houseKeeper == null ? 0 : houseKeeper.getIntervalSec();
        return seconds > 0 ? TimeUnit.SECONDS.toMillis(seconds) : 0;
    }

    /**
     * A new session, unless Redis is known to be unreachable, or could not be asked whether the session the
     * request asked for exists (Jetty asks just before): then the request fails with 503, because a session
     * that cannot be stored would be lost, and a user whose session could not be read would lose it for good
     * to a new one in its place.
     */
    private static long unknownSince(UnknownSession unknown)
    {
        return unknown == null ? Long.MAX_VALUE : System.nanoTime() - unknown.at();
    }

    @Override
    public SessionData newSessionData(String id, long created, long accessed, long lastAccessed, long maxInactiveMs)
    {
        UnknownSession unknown = existenceUnknown.get();
        existenceUnknown.remove();
        // A mark older than a second is another request's (a check not followed by a new session).
        if (unknownSince(unknown) < TimeUnit.SECONDS.toNanos(1) && (unknown.anyId() || unknown.id().equals(id)))
            throw new HttpException.RuntimeException(HttpStatus.SERVICE_UNAVAILABLE_503,
                "Sessions are unavailable: Redis at " + settings.address() + " could not tell whether the requested session exists");
        if (calls != null && calls.availability().isStillDown())
            throw new HttpException.RuntimeException(HttpStatus.SERVICE_UNAVAILABLE_503,
                "Sessions are unavailable: Redis at " + settings.address() + " cannot be reached");
        // Whatever thread asks, and however long after the load: a new session under this id would be saved over
        // the changes this node keeps of the session that has it.
        if (held != null && held.isUnsaved(id))
            throw new HttpException.RuntimeException(HttpStatus.SERVICE_UNAVAILABLE_503,
                "Sessions are unavailable: Redis at " + settings.address() + " has not taken the changes of the session with that id yet");
        if (held != null)
            held.add(id);
        return new StoredSessionData(id, _context.getCanonicalContextPath(), _context.getVhost(), created, accessed, lastAccessed, maxInactiveMs);
    }

    @Override
    public boolean doExists(String id) throws Exception
    {
        // Logged out while Redis could not take the deletion: Jetty must not make a new session under the id. And one
        // whose changes Redis has not taken (a new session, say, which Redis never had) is in use: Jetty then makes
        // its new session under this id, which newSessionData refuses (503), rather than under a new id in its place.
        if (held != null && held.isUndeleted(id))
            return false;
        if (held != null && held.isUnsaved(id))
            return true;
        byte[] stored;
        try
        {
            stored = calls.run(redis -> redis.hget(keys.session(id), SessionHashCodec.METADATA_FIELD));
        }
        catch (JedisException e)
        {
            if (RedisAvailability.isUnreachable(e))
                existenceUnknown.set(new UnknownSession(id, System.nanoTime(), true));
            throw e;
        }
        // Another session's mark is another request's; this one's, its failed load's, which Redis answering now
        // does not undo.
        UnknownSession unknown = existenceUnknown.get();
        if (unknown != null && !unknown.id().equals(id))
            existenceUnknown.remove();
        SessionMetadata metadata = codec.decodeMetadataOrUnknown(stored);
        // Undecodable metadata (format 0, no expiry) counts as existing, so its id is not handed out again.
        return metadata != null && !(metadata.getExpiry() > 0 && metadata.getExpiry() <= System.currentTimeMillis());
    }

    @Override
    public Set<String> doCheckExpired(Set<String> candidates, long time)
    {
        return claims.dueOf(candidates, time, TimeUnit.SECONDS.toMillis(getGracePeriodSec()), _context.getWorkerName()).keySet();
    }

    @Override
    public Set<String> doGetExpired(long before)
    {
        // The index holds the stored expiry of each mortal session: a range read finds them (the claim checks each).
        return index.expiredBefore(before);
    }

    @Override
    public void doCleanOrphans(long time)
    {
        int deleted = index.deleteExpiredOfEveryContext(time, (contextKeys, id, expiredBy) ->
            SessionScripts.deleteArgs(contextKeys, id, claimant, TOMBSTONE_WITHOUT_TTL_MS, CLOCK_SKEW_ALLOWANCE_MS, expiredBy, null));
        if (deleted > 0)
            LOG.debug("Deleted {} sessions that expired before {}", deleted, time);
    }

    /**
     * Deletes a session and leaves its tombstone. A session this node claimed to expire is deleted only if
     * it was not used again meanwhile; if it was, this throws, and Jetty, which fires the listeners only
     * after the store deleted, fires none. A deletion (a logout) that cannot reach Redis is kept and made
     * when Redis answers again; meanwhile this node treats the session as gone.
     */
    @Override
    public boolean delete(String id) throws Exception
    {
        held.remove(id);
        long expiredBy = claims.expiredBy(id);
        SessionScripts.Deletion deletion;
        try
        {
            deletion = deleteInRedis(id, expiredBy);
        }
        catch (JedisException e)
        {
            renewals.deleted(null);
            // A logout must not be lost to an outage; an expiry is found again by the next scavenge.
            if (expiredBy > 0 || !RedisAvailability.isUnreachable(e))
                throw e;
            held.undeleted(id);
            return true;
        }
        Renewals.Renewal renewal = new Renewals.Renewal(id, deletion.deletedBefore(), deletion.userToken(), deletion.userLogoutMark());
        renewals.deleted(renewal);
        keptRenewalsOf(id, renewal);
        held.deleted(id);
        long deleted = deletion.result();
        if (deleted > 0)
            counters.deleted();
        if (deleted < 0)
            throw new IllegalStateException("Session " + LoggedId.of(id) + " of " + keys.context() + " was used again after this node " +
                "found it expired: not expiring it");
        return deleted > 0;
    }

    /**
     * The delete script with the index entry: together, or after it for a conditional deletion; then the
     * session's entry in its user's index, which the script names (whether or not {@code userSessions} is
     * on now: it may have been when the session was saved).
     */
    private SessionScripts.Deletion deleteInRedis(String id, long expiredBy)
    {
        // An invalidation or a new id waits for other nodes' leases; an expiry does not: their copies expired too.
        byte[][] args = SessionScripts.deleteArgs(keys, id, claimant, TOMBSTONE_WITHOUT_TTL_MS, CLOCK_SKEW_ALLOWANCE_MS, expiredBy,
            expiredBy == 0 ? claimant : null);
        LeaseWait wait = new LeaseWait(id);
        while (true)
        {
            AtomicReference<SessionScripts.LeaseRefusal> refused = new AtomicReference<>();
            SessionScripts.Deletion result = deleteOnce(id, expiredBy, args, refused);
            if (refused.get() == null)
                return result;
            wait.refusedBy(refused.get());
        }
    }

    /** One try of {@link #deleteInRedis}; sets {@code refused} if another node's lease refused it. */
    private SessionScripts.Deletion deleteOnce(String id, long expiredBy, byte[][] args, AtomicReference<SessionScripts.LeaseRefusal> refused)
    {
        // The script in a call of its own: a call that fails is made again (RedisCalls), and the script, made again
        // after it went through, would find the session deleted before (a renewal takes that for another node's
        // deletion); nothing after it in the same call may fail and run it again.
        Object script = calls.run(redis -> SessionScripts.DELETE.run(redis, args));
        refused.set(SessionScripts.leaseRefusal(script));
        SessionScripts.Deletion deletion = SessionScripts.deletion(script);
        // Refused (another node's lease, or used again): the session lives on, and so does its index entry, which
        // the scavenger finds it by.
        if (deletion.result() < 0)
            return deletion;
        try
        {
            return calls.run(redis ->
            {
                UserIndex.Change userEntry;
                try (AbstractPipeline pipeline = redis.pipelined())
                {
                    index.queueRemove(pipeline, id);
                    userEntry = userIndex.queueDeletion(pipeline, deletion, id);
                    pipeline.sync();
                }
                if (userEntry != null)
                    return deletion.withUserLogoutMark(userEntry.logoutMark(redis));
                return deletion;
            });
        }
        catch (JedisException e)
        {
            // The session is deleted: told as not deleted, it would be deleted again later, and that deletion
            // would find its own tombstone. Its entries are left, which reads and the scavenger find gone.
            LOG.warn("Session {} of {} is deleted, but its index entries are not: {}", LoggedId.of(id), keys.context(), e.toString());
            return deletion.withoutUser();
        }
    }

    /**
     * Checks the sessions held in memory against Redis now, as each time the deletion listener listens
     * (again): for tests, which cannot time a reconnection to the moment they need.
     */
    void checkHeldSessions()
    {
        catchUp.checkHeldSessions();
    }

    /**
     * Makes a copy of a session held in memory the one Redis holds ({@link HeldCopyCheck#refresh}). The
     * caller holds the session's lock.
     *
     * @param id the session id
     * @param held the copy held in memory
     * @param awaitLaterCopies whether to wait for other nodes' copies of a session Redis lost
     * @return what Redis holds, compared with the copy
     * @throws Exception if the session cannot be read again, Redis unreachable included
     */
    HeldCopyCheck.Freshness refresh(String id, SessionData held, boolean awaitLaterCopies) throws Exception
    {
        try
        {
            return heldCopies.refresh(id, held, awaitLaterCopies);
        }
        catch (JedisException e)
        {
            // A strict cache leaves the copy unused, and the request may ask for a new session in its place.
            if (RedisAvailability.isUnreachable(e))
                existenceUnknown.set(new UnknownSession(id, System.nanoTime(), false));
            throw e;
        }
    }

    /**
     * Drops a held session that the check found deleted by another node, as a deletion broadcast does: requests
     * of this node already in it finish with it.
     *
     * @param id the session id
     */
    void dropDeleted(String id)
    {
        held.drop(id);
    }

    /**
     * @param id a session id
     * @param session a session the cache is about to put in memory under that id
     * @return whether it is a session another node deleted while requests of this node were in it (dropped
     * from memory, left to those requests): the cache must not put it back
     */
    boolean isDropped(String id, ManagedSession session)
    {
        return held.isDropped(id, session);
    }

    /** Writes the held copy back whole, as a copy of a session Redis lost; returns what Redis said. */
    private Write writeBack(String id, StoredSessionData held)
    {
        SessionDelta delta = restoring(held, false);
        AtomicReference<Write> written = new AtomicReference<>();
        // As a save: in the context, as the attribute values' encoders may need.
        _context.run(() -> written.set(write(id, held, delta, SessionScripts.RESTORE)));
        if (written.get().isWritten())
            recordStored(id, held, delta, written.get() == Write.MERGED);
        return written.get();
    }

    @Override
    public boolean isPassivating()
    {
        return true;
    }

    /** @return what an operator can do to this context's sessions (also a JMX bean); null before the store starts */
    public SessionOperations getOperations()
    {
        return operations;
    }

    /**
     * @return the sessions of this context by user, for the application and operators (also a JMX bean);
     * null unless {@code userSessions} is on, and before the store starts
     */
    public UserSessions getUserSessions()
    {
        return userSessions;
    }

    /**
     * Indexes sessions by user; set before the store starts.
     *
     * @param enabled whether to index sessions by user (default false)
     * @param userAttribute the session attribute that names the user; null or empty for the container's
     * authentication (a form login's {@code SessionAuthentication})
     * @param maxSessionsPerUser the most sessions a user may have, 0 for no limit
     * @param whenExceeded what happens when a user logs in once more than the maximum
     * @throws IllegalArgumentException naming the property of a negative maximum
     */
    public void setUserSessions(boolean enabled, String userAttribute, int maxSessionsPerUser, MaxSessionsPolicy whenExceeded)
    {
        checkStarted();
        if (maxSessionsPerUser < 0)
            throw new IllegalArgumentException(StoreProperty.MAX_SESSIONS_PER_USER + " must be 0 (no limit) or more, not " + maxSessionsPerUser);
        this.indexUsers = enabled;
        this.userNames = new UserNames(userAttribute);
        this.maxSessionsPerUser = maxSessionsPerUser;
        this.whenMaxSessionsExceeded = Objects.requireNonNull(whenExceeded);
    }

    /** @return whether sessions are indexed by user */
    @ManagedAttribute(value = "sessions indexed by user", readonly = true)
    public boolean isUserSessions()
    {
        return indexUsers;
    }

    /**
     * @param inFlight the most shared pipelines this store has on their way to Redis at once (default 2): loads,
     * checks and saves that requests make while that many are on their way go together in the next one; 0:
     * each is a round trip of its own. Set before the store starts.
     */
    public void setPipelinesInFlight(int inFlight)
    {
        checkStarted();
        this.pipelinesInFlight = inFlight;
    }

    /** @return the most shared pipelines this store has on their way to Redis at once; 0: none shared */
    @ManagedAttribute(value = "most shared pipelines on their way to Redis at once (0: none shared)", readonly = true)
    public int getPipelinesInFlight()
    {
        return pipelinesInFlight;
    }

    /**
     * @param broadcast whether this node drops sessions from memory as soon as another node deletes them
     * (default true); set before the store starts
     */
    public void setBroadcastInvalidation(boolean broadcast)
    {
        checkStarted();
        this.broadcastInvalidation = broadcast;
    }

    /**
     * @param maxAttributeBytes the most bytes one encoded attribute value may take in Redis, 0 for no limit
     * (default 1 MiB): a bigger value is not saved (logged, naming the attribute), and Redis keeps what it had
     * @param maxSessionBytes the most bytes a session's encoded values may take together, 0 for no limit
     * (default 4 MiB): the changes of a save that would grow a session past it are not saved
     * @throws IllegalArgumentException naming the property of a negative limit
     */
    public void setSizeLimits(int maxAttributeBytes, int maxSessionBytes)
    {
        codec.setSizeLimits(new SessionSizeLimits(maxAttributeBytes, maxSessionBytes));
    }

    /** @return the most bytes one encoded attribute value may take, 0 for no limit */
    @ManagedAttribute(value = "most bytes of one encoded attribute value (0: no limit)", readonly = true)
    public int getMaxAttributeBytes()
    {
        return codec.getSizeLimits().maxAttributeBytes();
    }

    /** @return the most bytes a session's encoded values may take together, 0 for no limit */
    @ManagedAttribute(value = "most bytes of a session's encoded attribute values (0: no limit)", readonly = true)
    public int getMaxSessionBytes()
    {
        return codec.getSizeLimits().maxSessionBytes();
    }

    /** @return how many sessions of this context Redis holds that expire (its expiry index's entries): one Redis command */
    @ManagedAttribute(value = "sessions of this context in Redis (expiry index entries; immortal ones not counted)", readonly = true)
    public long getLiveSessions()
    {
        return calls == null ? 0 : calls.run(redis -> redis.zcount(keys.expiryIndex(), Double.NEGATIVE_INFINITY, Double.MAX_VALUE));
    }

    /**
     * @return what this store did since it started (also a JMX bean of the store); with {@code metrics} off,
     * counters that count nothing (and are no bean)
     */
    public SessionStoreCounters getCounters()
    {
        return counters;
    }

    /**
     * @param metrics whether the store counts what it does ({@link #getCounters()}, default true); off, it
     * neither counts nor times anything, and has no counters bean. Set before the store starts.
     */
    public void setMetrics(boolean metrics)
    {
        checkStarted();
        if (metrics == counters.isCounting())
            return;
        removeBean(counters);
        counters = new SessionStoreCounters(metrics);
        if (metrics)
            addBean(counters);
    }

    /** @return whether the store counts what it does */
    @ManagedAttribute(value = "counts what it does (SessionStoreCounters)", readonly = true)
    public boolean isMetrics()
    {
        return counters.isCounting();
    }

    /** @return whether this node listens for deletions by other nodes */
    @ManagedAttribute(value = "drops sessions deleted by other nodes from memory at once", readonly = true)
    public boolean isBroadcastInvalidation()
    {
        return broadcastInvalidation;
    }

    /** @return the number of attributes that could not be read since the store started (each left out of its session) */
    @ManagedAttribute(value = "attributes that could not be read and were left out of their session", readonly = true)
    public long getUnreadableAttributes()
    {
        return unreadableAttributes.get();
    }

    /** @return whether the last command failed to reach Redis and none has succeeded since */
    @ManagedAttribute(value = "Redis could not be reached by the last command", readonly = true)
    public boolean isRedisDown()
    {
        return calls != null && calls.availability().isDown();
    }

    /** @return the number of sessions held in memory whose changes Redis does not have yet */
    @ManagedAttribute(value = "sessions whose changes are waiting for Redis", readonly = true)
    public int getUnsavedSessions()
    {
        return held == null ? 0 : held.unsaved().size();
    }

    /**
     * @return this store's context as its keys and logs name it (canonical path, {@code _}, virtual host), e.g.
     * {@code _app_0.0.0.0}; null before the store starts
     */
    @ManagedAttribute(value = "the context, as keys and logs name it (canonical path_vhost)", readonly = true)
    public String getContextName()
    {
        return keys == null ? null : keys.context();
    }

    /** @return the prefix of every key this store writes */
    @ManagedAttribute(value = "prefix of every key", readonly = true)
    public String getPrefix()
    {
        return prefix;
    }

    /** @return the most pooled connections of this store's client, as configured or sized from the server */
    @ManagedAttribute(value = "most pooled connections", readonly = true)
    public int getMaxConnections()
    {
        return settings.getMaxConnections();
    }

    /** @return the Redis address from the settings, without password */
    @ManagedAttribute(value = "Redis address", readonly = true)
    public String getRedisAddress()
    {
        return settings.address();
    }

    /**
     * @return the key layout of this store's context (an internal type, for the project's own tests and
     * tools: the layout is described in README, "Storage layout"); null before the store starts
     */
    public SessionKeys getKeys()
    {
        return keys;
    }

    @Override
    public String toString()
    {
        return String.format("%s[context=%s, %s]", super.toString(), keys == null ? null : keys.context(), getConfiguration());
    }
}
