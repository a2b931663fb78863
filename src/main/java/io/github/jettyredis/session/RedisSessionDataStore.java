package io.github.jettyredis.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.jettyredis.session.SessionScripts.Claim;
import io.github.jettyredis.session.SessionScripts.Write;
import io.github.jettyredis.session.client.RedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.codec.SessionDelta;
import io.github.jettyredis.session.codec.SessionHashCodec;
import io.github.jettyredis.session.codec.StoredSessionData;
import io.github.jettyredis.session.codec.proto.SessionMetadata;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.HouseKeeper;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionIdManager;
import org.eclipse.jetty.session.UnreadableSessionDataException;
import org.eclipse.jetty.session.UnwriteableSessionDataException;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.thread.AutoLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A Jetty {@link org.eclipse.jetty.session.SessionDataStore} that keeps the sessions of one context in
 * Redis: one hash per session (see {@link SessionKeys} and {@link SessionHashCodec}) whose Redis TTL
 * follows the session's own expiry, a tombstone for each deleted one, and a per-context sorted set of expiry
 * times so that expired sessions are found without scanning keys. Every command touches the keys of one
 * session or one context, so it runs on Redis Cluster as well.
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
    static final long CLOCK_SKEW_ALLOWANCE_MS = TimeUnit.SECONDS.toMillis(60);
    /** How long the tombstone of a session without TTL (immortal, or already gone) lives. */
    static final long TOMBSTONE_WITHOUT_TTL_MS = TimeUnit.DAYS.toMillis(1);
    private static final int ORPHAN_BATCH = 500;
    /** The most the stored expiry of a session may lag its own, see {@link #expiryDriftToleranceMs}. */
    static final long MAX_EXPIRY_DRIFT_MS = 1000;
    /** How long a node's claim to expire a session stops others; after that (the node died) it is taken over. */
    static final long EXPIRY_CLAIM_HOLD_MS = TimeUnit.SECONDS.toMillis(60);

    private static final String CREATE = "create";
    private static final String UPDATE = "update";
    private static final String REPLACE = "replace";

    private final RedisClientFactory clientFactory;
    private final RedisClientSettings settings;
    private final SessionHashCodec codec;
    private final String prefix;
    /** Names this store instance in expiry claims and deletion messages; worker names are often the same on every node. */
    private final String claimant = UUID.randomUUID().toString();
    /** Sessions this node claimed to expire: id to the latest expiry that counts as expired. */
    private final Map<String, Long> expiring = new ConcurrentHashMap<>();
    private final AtomicLong unreadableAttributes = new AtomicLong();
    private final Runnable onRedisBack = this::saveUnsaved;
    private RedisLinks links = new RedisLinks();
    private boolean broadcastInvalidation = true;
    private SessionKeys keys;
    private UnifiedJedis redis;
    private RedisLinks.Link link;
    private RedisCalls calls;
    private HeldSessions held;
    private boolean listening;

    /**
     * @param clientFactory supplies the client when the store starts
     * @param settings the connection settings handed to the client factory
     * @param codec turns sessions into hash fields and back
     * @param prefix the prefix of every key
     */
    public RedisSessionDataStore(RedisClientFactory clientFactory, RedisClientSettings settings, SessionHashCodec codec, String prefix)
    {
        this.clientFactory = clientFactory;
        this.settings = settings;
        this.codec = codec;
        this.prefix = prefix;
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
        link = links.acquire(redis, clientFactory, settings);
        calls = new RedisCalls(redis, link.availability());
        link.availability().onRecovery(onRedisBack);
        // Only a cache that keeps sessions in memory has something to drop when another node deletes one.
        listening = broadcastInvalidation && held.keepsSessions();
        if (listening)
            link.deletions().register(keys.deletionChannel(), claimant, held::drop, this::catchUp);
        if (scavengeIntervalMs() <= 0)
            LOG.warn("No session scavenger runs for {}: expired sessions are only found when they are requested, and " +
                "sessionDestroyed does not fire for the others", keys.context());
        LOG.debug("Started {}", this);
    }

    /** Gets the client and registers the context, or fails the start naming the address. */
    private void connect() throws Exception
    {
        try
        {
            // Cluster and Sentinel clients connect as they are built; a standalone one at its first command.
            redis = clientFactory.getClient(_context, settings);
            redis.sadd(SessionKeys.contextRegistry(prefix), keys.context().getBytes(StandardCharsets.UTF_8));
        }
        catch (JedisException e)
        {
            if (redis != null)
                clientFactory.releaseClient(_context, redis);
            redis = null;
            throw new IllegalStateException("Cannot use Redis at " + settings.address() + " (jetty.session.redis.uri) for the sessions of " +
                keys.context() + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        try
        {
            if (listening)
                link.deletions().unregister(keys.deletionChannel());
            if (link != null)
            {
                link.availability().removeRecoveryListener(onRedisBack);
                links.release(redis);
            }
        }
        finally
        {
            // Give the client back whatever happened above, or the shared pool is never closed.
            try
            {
                if (redis != null)
                    clientFactory.releaseClient(_context, redis);
            }
            finally
            {
                listening = false;
                link = null;
                calls = null;
                redis = null;
                super.doStop();
            }
        }
    }

    @Override
    public SessionData doLoad(String id) throws Exception
    {
        // What this node changed or deleted while Redis could not be reached comes first.
        saveUnsavedFirst(id);
        if (held.isUndeleted(id))
            return null;
        Map<byte[], byte[]> fields;
        try
        {
            fields = calls.run(redis -> redis.hgetAll(keys.session(id)));
        }
        catch (JedisDataException e)
        {
            // WRONGTYPE: something that is not one of our hashes sits under the key.
            throw new UnreadableSessionDataException(id, _context, e);
        }
        if (fields.isEmpty())
            return null;
        StoredSessionData data;
        try
        {
            data = codec.decode(id, _context.getCanonicalContextPath(), _context.getVhost(), fields);
        }
        catch (IOException | RuntimeException e)
        {
            throw new UnreadableSessionDataException(id, _context, e);
        }
        reportUnreadableAttributes(id, data);
        if (!takeOverIfAboutToExpire(id, data))
            return null;
        held.add(id);
        return data;
    }

    private void reportUnreadableAttributes(String id, StoredSessionData data)
    {
        Map<String, String> reasons = data.getUnreadableAttributeReasons();
        if (reasons.isEmpty())
            return;
        unreadableAttributes.addAndGet(reasons.size());
        reasons.forEach((name, reason) -> LOG.warn("Session {} of {}: attribute '{}' cannot be read and is left out " +
            "(Redis keeps it): {}", id, keys.context(), name, reason));
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
            Write result = write(id, data, codec.encodeMetadataOnly(data), UPDATE);
            if (result == Write.WRITTEN)
                data.markMetadataStored();
            return result != Write.DELETED;
        }
        catch (JedisException e)
        {
            LOG.debug("Cannot take over session {} of {}: {}", id, keys.context(), e.toString());
            return true;
        }
    }

    @Override
    public void doStore(String id, SessionData data, long lastSaveTime) throws Exception
    {
        // Never saved under this id (new, or renamed by changeSessionId): written whole, and only if new.
        boolean create = lastSaveTime <= 0;
        SessionDelta delta = codec.encodeDelta(data, create);
        reportUnwritableAttributes(id, delta);
        if (isOnlyExpiryDrift(data, delta))
        {
            // Jetty saves a changed session when the response commits and again when the request ends,
            // only to move the expiry by the few milliseconds in between: Redis keeps the first one.
            held.saved(id);
            return;
        }
        save(id, data, delta, create ? CREATE : delta.whole() ? REPLACE : UPDATE);
    }

    private static boolean isOnlyExpiryDrift(SessionData data, SessionDelta delta)
    {
        return delta.isMetadataOnly() && data instanceof StoredSessionData stored &&
            stored.isOnlyExpiryDriftSinceStored(expiryDriftToleranceMs(data));
    }

    private void reportUnwritableAttributes(String id, SessionDelta delta)
    {
        delta.unwritable().forEach((name, reason) -> LOG.warn("Session {} of {}: attribute '{}' is not saved (Redis " +
            "keeps what it had): {}", id, keys.context(), name, reason));
    }

    /**
     * Writes a session, then acts on what Redis said: a session Redis lost is written again whole, one
     * another node deleted is dropped from memory (never written again), and a save that cannot reach Redis
     * is kept for when it answers.
     */
    private void save(String id, SessionData data, SessionDelta delta, String mode) throws UnwriteableSessionDataException
    {
        try
        {
            Write result = write(id, data, delta, mode);
            if (result == Write.LOST)
            {
                LOG.info("Session {} of {} was not in Redis, and no node deleted it (Redis lost it): writing it back whole",
                    id, keys.context());
                delta = codec.encodeDelta(data, true);
                result = write(id, data, delta, REPLACE);
            }
            switch (result)
            {
                case WRITTEN -> stored(id, data, delta);
                case DELETED ->
                {
                    held.drop(id);
                    throw new UnwriteableSessionDataException(id, _context, new IllegalStateException(
                        "Session " + id + " was deleted by another node (invalidated, expired or given a new id): " +
                            "not written again, and dropped from this node's memory"));
                }
                default -> throw new UnwriteableSessionDataException(id, _context, new IllegalStateException(
                    "Another session with id " + id + " is in Redis (maybe one this node cannot read): not replaced"));
            }
        }
        catch (JedisException e)
        {
            if (!RedisAvailability.isUnreachable(e))
                throw e;
            // Kept, with the session itself, until Redis answers again: see saveUnsaved.
            held.unsaved(id, data);
        }
    }

    private Write write(String id, SessionData data, SessionDelta delta, String mode)
    {
        byte[][] args = SessionScripts.writeArgs(keys, id, mode, delta, ttlMs(data.getExpiry(), System.currentTimeMillis()));
        byte[] member = SessionKeys.bytes(id);
        return calls.run(redis ->
        {
            Response<Object> written;
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                written = SessionScripts.WRITE.queue(pipeline, args);
                if (data.getExpiry() > 0)
                    pipeline.zadd(keys.expiryIndex(), data.getExpiry(), member);
                else
                    pipeline.zrem(keys.expiryIndex(), member);
                pipeline.sync();
            }
            Write result = Write.of(SessionScripts.WRITE.result(written, redis, args));
            if (result == Write.DELETED)
                redis.zrem(keys.expiryIndex(), member);
            return result;
        });
    }

    private void stored(String id, SessionData data, SessionDelta delta)
    {
        if (data instanceof StoredSessionData stored)
        {
            stored.setStoredAttributes(delta.storedAfter());
            stored.markMetadataStored();
        }
        held.saved(id);
    }

    /**
     * Writes the changes that could not reach Redis when they were saved, now that it answers: run when
     * Redis is back, at each scavenge, and before such a session is loaded.
     */
    private void saveUnsaved()
    {
        if (!isStarted() || calls.availability().isDown())
            return;
        for (String id : held.undeleted())
        {
            try
            {
                delete(id);
            }
            catch (Exception e)
            {
                LOG.warn("Cannot delete session {} of {}, deleted while Redis could not be reached", id, keys.context(), e);
            }
        }
        held.unsaved().forEach(this::saveUnsaved);
    }

    private void saveUnsavedFirst(String id)
    {
        if (calls.availability().isDown())
            return;
        if (held.isUndeleted(id))
        {
            try
            {
                delete(id);
            }
            catch (Exception e)
            {
                LOG.debug("Cannot delete session {} of {} yet: {}", id, keys.context(), e.toString());
            }
        }
        else if (held.isUnsaved(id))
        {
            SessionData data = held.unsaved().get(id);
            if (data != null)
                saveUnsaved(id, data);
        }
    }

    private void saveUnsaved(String id, SessionData data)
    {
        ManagedSession session = held.find(id);
        if (session != null && session.getSessionData() == data)
        {
            // The cache still holds it: requests may change it meanwhile.
            try (AutoLock lock = session.lock())
            {
                saveQuietly(id, data);
            }
        }
        else
            saveQuietly(id, data);
    }

    private void saveQuietly(String id, SessionData data)
    {
        _context.run(() ->
        {
            try
            {
                doStore(id, data, data.getLastSaved());
            }
            catch (Exception e)
            {
                held.saved(id);
                LOG.warn("Cannot write the changes of session {} of {} made while Redis could not be reached", id, keys.context(), e);
            }
        });
    }

    /**
     * Checks the sessions this node holds against Redis, when it listens for deletions again after missing
     * some: one deleted meanwhile is dropped from memory, one Redis lost (restarted empty, failed over to a
     * replica that missed writes) is written back whole.
     */
    private void catchUp()
    {
        Set<String> ids = held.ids();
        if (ids.isEmpty())
            return;
        Map<String, Response<Boolean>> hashes = new HashMap<>();
        Map<String, Response<Boolean>> tombstones = new HashMap<>();
        calls.run(redis ->
        {
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (String id : ids)
                {
                    hashes.put(id, pipeline.exists(keys.session(id)));
                    tombstones.put(id, pipeline.exists(keys.tombstone(id)));
                }
                pipeline.sync();
            }
            return null;
        });
        for (String id : ids)
        {
            if (hashes.get(id).get())
                continue;
            if (tombstones.get(id).get())
                held.drop(id);
            else
                writeBack(id);
        }
    }

    private void writeBack(String id)
    {
        ManagedSession session = held.find(id);
        if (session == null)
        {
            held.forget(id);
            return;
        }
        try (AutoLock lock = session.lock())
        {
            if (!session.isValid() || !session.isResident() || session.isExpiredAt(System.currentTimeMillis()))
                return;
            SessionData data = session.getSessionData();
            LOG.info("Session {} of {} is held in memory but not in Redis, and no node deleted it (Redis lost it): " +
                "writing it back whole", id, keys.context());
            _context.run(() ->
            {
                try
                {
                    save(id, data, codec.encodeDelta(data, true), REPLACE);
                }
                catch (UnwriteableSessionDataException e)
                {
                    LOG.warn("Cannot write back session {} of {}", id, keys.context(), e);
                }
            });
        }
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
     *
     * <ol>
     *   <li>Housekeeping: forget sessions the cache no longer holds, write what Redis missed.</li>
     *   <li>Find what is due: the cache's candidates as Redis sees them, and the index's long expired.</li>
     *   <li>Claim each in Redis, which checks the stored expiry again; drop from memory the copies of
     *   sessions another node deleted or used again.</li>
     *   <li>Expire, with their listeners, the claimed sessions no cache holds (a {@code NullSessionCache}).</li>
     *   <li>Now and then, delete long expired sessions of every context.</li>
     * </ol>
     */
    @Override
    public Set<String> getExpired(Set<String> candidates)
    {
        if (!isStarted())
            throw new IllegalStateException("Not started");
        long now = System.currentTimeMillis();
        long graceMs = TimeUnit.SECONDS.toMillis(getGracePeriodSec());
        held.prune();
        saveUnsaved();
        expiring.clear();

        Map<String, Long> due = new LinkedHashMap<>();
        _context.run(() ->
        {
            due.putAll(dueCandidates(candidates, now, graceMs));
            for (String id : doGetExpired(now - graceMs))
                due.putIfAbsent(id, now - graceMs);
        });
        _lastExpiryCheckTime = now;

        Set<String> claimed = claimExpiry(due, candidates, now);
        if (!held.keepsSessions())
            claimed = expireUnheld(claimed);

        if (now > _lastOrphanSweepTime + 10 * graceMs)
        {
            try
            {
                cleanOrphans(now - 10 * graceMs);
            }
            finally
            {
                _lastOrphanSweepTime = now;
            }
        }
        return claimed;
    }

    /**
     * Expires sessions that no cache holds, with their listeners. Jetty expires an id by deleting it from
     * the cache and firing {@code sessionDestroyed} on the session the cache gives back, but a
     * {@link org.eclipse.jetty.session.NullSessionCache} gives none back, so a session that expired between
     * requests would vanish without its listeners. This node claimed these sessions, so it expires them
     * here, exactly once.
     *
     * @return the ids left for Jetty: those already gone from Redis
     */
    private Set<String> expireUnheld(Set<String> ids)
    {
        SessionCache cache = _context.getSessionManager().getSessionCache();
        Set<String> gone = new HashSet<>();
        for (String id : ids)
        {
            try
            {
                SessionData data = load(id);
                if (data == null)
                    gone.add(id);
                else
                    // Fires the listeners, then removes the id from every context of this node, and so from Redis.
                    _context.run(() -> cache.newSession(data).invalidate());
            }
            catch (Exception e)
            {
                // Unreadable: no listener can be given this session; Jetty's own path deletes it.
                LOG.warn("Cannot expire session {} of {} with its listeners: {}", id, keys.context(), e.toString());
                gone.add(id);
            }
        }
        return gone;
    }

    /**
     * @param due session id to the latest expiry that counts as expired for it
     * @param candidates the ids this node's cache found expired (its copies)
     * @return the ids this node claimed: it expires them
     */
    private Set<String> claimExpiry(Map<String, Long> due, Set<String> candidates, long now)
    {
        if (due.isEmpty())
            return new HashSet<>();
        long tombstoneMs = getTtlMarginMs();
        Map<String, byte[][]> calls = new LinkedHashMap<>();
        due.forEach((id, expiredBy) -> calls.put(id, SessionScripts.claimArgs(keys, id, claimant, now, EXPIRY_CLAIM_HOLD_MS,
            expiredBy, tombstoneMs)));
        Map<String, Object> replies = this.calls.run(redis ->
        {
            Map<String, Response<Object>> queued = new LinkedHashMap<>();
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                calls.forEach((id, args) -> queued.put(id, SessionScripts.CLAIM_EXPIRY.queue(pipeline, args)));
                pipeline.sync();
            }
            Map<String, Object> results = new LinkedHashMap<>();
            queued.forEach((id, reply) -> results.put(id, replyOrError(() -> SessionScripts.CLAIM_EXPIRY.result(reply, redis, calls.get(id)))));
            return results;
        });

        Set<String> mine = new HashSet<>();
        Map<String, Long> indexFixes = new HashMap<>();
        replies.forEach((id, reply) ->
        {
            if (reply instanceof JedisDataException error)
            {
                notASession(id, error);
                indexFixes.put(id, 0L);
                return;
            }
            Claim claim = SessionScripts.claim(reply);
            switch (claim)
            {
                case CLAIMED, CLAIMED_LOST ->
                {
                    mine.add(id);
                    expiring.put(id, due.get(id));
                }
                case GONE ->
                {
                    // Another node deleted it and fired its listeners: this node's copy goes quietly.
                    held.drop(id);
                    indexFixes.put(id, 0L);
                }
                case ALIVE ->
                {
                    // Used again elsewhere since: this node's copy is older than Redis's.
                    if (candidates.contains(id))
                        held.drop(id);
                    indexFixes.put(id, SessionScripts.aliveExpiry(reply));
                }
                case HELD_ELSEWHERE ->
                {
                    // The node that claimed it expires it.
                }
            }
        });
        fixIndex(indexFixes);
        return mine;
    }

    private static Object replyOrError(java.util.function.Supplier<Object> reply)
    {
        try
        {
            return reply.get();
        }
        catch (JedisDataException e)
        {
            return e;
        }
    }

    /** Sets the index's entries to the stored expiries; 0 removes one (deleted, immortal, not a session). */
    private void fixIndex(Map<String, Long> expiries)
    {
        if (expiries.isEmpty())
            return;
        calls.run(redis ->
        {
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                expiries.forEach((id, expiry) ->
                {
                    if (expiry > 0)
                        pipeline.zadd(keys.expiryIndex(), expiry, SessionKeys.bytes(id));
                    else
                        pipeline.zrem(keys.expiryIndex(), SessionKeys.bytes(id));
                });
                pipeline.sync();
            }
            return null;
        });
    }

    private void notASession(String id, JedisDataException error)
    {
        LOG.warn("The key of session {} of {} holds something else ({}): left alone, and taken out of the expiry index",
            id, keys.context(), error.getMessage());
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
     * A new session, unless Redis is known to be unreachable: then the request fails with 503, because a
     * session that cannot be stored would be lost, and a user whose session could not be read would lose
     * it for good to a new one in its place.
     */
    @Override
    public SessionData newSessionData(String id, long created, long accessed, long lastAccessed, long maxInactiveMs)
    {
        if (calls != null && calls.availability().isStillDown())
            throw new HttpException.RuntimeException(HttpStatus.SERVICE_UNAVAILABLE_503,
                "Sessions are unavailable: Redis at " + settings.address() + " cannot be reached");
        if (held != null)
            held.add(id);
        return new StoredSessionData(id, _context.getCanonicalContextPath(), _context.getVhost(), created, accessed, lastAccessed, maxInactiveMs);
    }

    @Override
    public boolean doExists(String id) throws Exception
    {
        SessionMetadata metadata = metadata(id, calls.run(redis -> redis.hget(keys.session(id), SessionHashCodec.METADATA_FIELD)));
        // Undecodable metadata (expiry 0) counts as existing, so its id is not handed out again.
        return metadata != null && !isExpired(metadata.getExpiry(), System.currentTimeMillis());
    }

    @Override
    public Set<String> doCheckExpired(Set<String> candidates, long time)
    {
        return dueCandidates(candidates, time, TimeUnit.SECONDS.toMillis(getGracePeriodSec())).keySet();
    }

    /**
     * Which of the sessions this node's cache found expired are due, as Redis sees them (Jetty's JDBC store
     * does the same): those gone from Redis (the claim tells deleted from lost), those this node served last
     * that expired, and those another node served last that expired a grace period ago.
     *
     * @return session id to the latest expiry that counts as expired for it
     */
    private Map<String, Long> dueCandidates(Set<String> candidates, long time, long graceMs)
    {
        Map<String, Long> due = new LinkedHashMap<>();
        if (candidates.isEmpty())
            return due;
        Map<String, Object> replies = calls.run(redis ->
        {
            Map<String, Response<byte[]>> queued = new LinkedHashMap<>();
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (String id : candidates)
                    queued.put(id, pipeline.hget(keys.session(id), SessionHashCodec.METADATA_FIELD));
                pipeline.sync();
            }
            Map<String, Object> results = new LinkedHashMap<>();
            queued.forEach((id, reply) -> results.put(id, replyOrError(reply::get)));
            return results;
        });
        String node = _context.getWorkerName();
        replies.forEach((id, reply) ->
        {
            if (reply instanceof JedisDataException error)
            {
                notASession(id, error);
                return;
            }
            SessionMetadata metadata = metadata(id, (byte[])reply);
            if (metadata == null)
                due.put(id, time);
            else if (isExpired(metadata.getExpiry(), time) && metadata.hasLastNode() && metadata.getLastNode().equals(node))
                due.put(id, time);
            else if (isExpired(metadata.getExpiry(), time - graceMs))
                due.put(id, time - graceMs);
        });
        return due;
    }

    @Override
    public Set<String> doGetExpired(long before)
    {
        Set<String> expired = new HashSet<>();
        // The index holds the stored expiry of each mortal session: a range read finds them (the claim checks each).
        for (byte[] member : calls.run(redis -> redis.zrangeByScore(keys.expiryIndex(), Double.NEGATIVE_INFINITY, before)))
            expired.add(new String(member, StandardCharsets.UTF_8));
        return expired;
    }

    @Override
    public void doCleanOrphans(long time)
    {
        int deleted = 0;
        for (byte[] context : calls.run(redis -> redis.smembers(SessionKeys.contextRegistry(prefix))))
        {
            SessionKeys contextKeys = SessionKeys.ofRegisteredContext(prefix, new String(context, StandardCharsets.UTF_8));
            List<byte[]> ids;
            do
            {
                ids = calls.run(redis -> redis.zrangeByScore(contextKeys.expiryIndex(), Double.NEGATIVE_INFINITY, time, 0, ORPHAN_BATCH));
                if (!ids.isEmpty())
                    deleted += deleteAll(contextKeys, ids);
            }
            while (ids.size() == ORPHAN_BATCH);
        }
        if (deleted > 0)
            LOG.debug("Deleted {} sessions that expired before {}", deleted, time);
    }

    private int deleteAll(SessionKeys contextKeys, List<byte[]> ids)
    {
        return calls.run(redis ->
        {
            List<Response<Long>> deletions = new ArrayList<>(ids.size());
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (byte[] id : ids)
                    deletions.add(pipeline.del(contextKeys.session(new String(id, StandardCharsets.UTF_8))));
                pipeline.zrem(contextKeys.expiryIndex(), ids.toArray(new byte[0][]));
                pipeline.sync();
            }
            return (int)deletions.stream().mapToLong(Response::get).sum();
        });
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
        Long claimedExpiry = expiring.remove(id);
        long expiredBy = claimedExpiry == null ? 0 : claimedExpiry;
        long deleted;
        try
        {
            deleted = deleteInRedis(id, expiredBy);
        }
        catch (JedisException e)
        {
            // A logout must not be lost to an outage; an expiry is found again by the next scavenge.
            if (expiredBy > 0 || !RedisAvailability.isUnreachable(e))
                throw e;
            held.undeleted(id);
            return true;
        }
        held.deleted(id);
        if (deleted < 0)
            throw new IllegalStateException("Session " + id + " of " + keys.context() + " was used again after this node " +
                "found it expired: not expiring it");
        return deleted > 0;
    }

    private long deleteInRedis(String id, long expiredBy)
    {
        byte[][] args = SessionScripts.deleteArgs(keys, id, DeletionListener.message(claimant, id), TOMBSTONE_WITHOUT_TTL_MS,
            CLOCK_SKEW_ALLOWANCE_MS, expiredBy);
        byte[] member = SessionKeys.bytes(id);
        return calls.run(redis ->
        {
            Response<Object> reply;
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                reply = SessionScripts.DELETE.queue(pipeline, args);
                if (expiredBy == 0)
                    pipeline.zrem(keys.expiryIndex(), member);
                pipeline.sync();
            }
            long result = (Long)SessionScripts.DELETE.result(reply, redis, args);
            if (expiredBy > 0 && result >= 0)
                redis.zrem(keys.expiryIndex(), member);
            return result;
        });
    }

    @Override
    public boolean isPassivating()
    {
        return true;
    }

    /**
     * Changes one session's max-inactive interval from the server side, for operators: the session is
     * loaded through this node's session cache, changed as {@code HttpSession.setMaxInactiveInterval}
     * would, and saved, so its Redis TTL follows at once. Nodes that hold the session in a
     * {@code DefaultSessionCache} keep their copy until they evict it, as with any change made elsewhere.
     *
     * @param id the session id (without the node suffix of the cookie)
     * @param seconds the new interval; 0 or less makes the session immortal
     * @return false if there is no such session
     * @throws Exception if the session cannot be loaded or saved
     */
    @ManagedOperation(value = "Set the max inactive interval (seconds, <= 0 immortal) of a session", impact = "ACTION")
    public boolean setSessionMaxInactiveInterval(@Name("id") String id, @Name("seconds") int seconds) throws Exception
    {
        SessionCache cache = _context.getSessionManager().getSessionCache();
        ManagedSession session = cache.get(id);
        if (session == null)
            return false;
        try
        {
            session.setMaxInactiveInterval(seconds);
        }
        finally
        {
            cache.release(session);
        }
        return true;
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

    /** @return the prefix of every key this store writes */
    @ManagedAttribute(value = "prefix of every key", readonly = true)
    public String getPrefix()
    {
        return prefix;
    }

    /** @return the Redis address from the settings, without password */
    @ManagedAttribute(value = "Redis address", readonly = true)
    public String getRedisAddress()
    {
        return settings.address();
    }

    /** @return the key layout of this store's context; null before it starts */
    public SessionKeys getKeys()
    {
        return keys;
    }

    private static boolean isExpired(long expiry, long time)
    {
        return expiry > 0 && expiry <= time;
    }

    /** Decodes a metadata field; an undecodable one gives a metadata of format 0 (unknown), absent gives null. */
    private SessionMetadata metadata(String id, byte[] bytes)
    {
        if (bytes == null)
            return null;
        try
        {
            return codec.decodeMetadata(bytes);
        }
        catch (IOException e)
        {
            LOG.warn("Unreadable metadata of session {} in {}: {}", id, keys.context(), e.toString());
            return SessionMetadata.getDefaultInstance();
        }
    }

    @Override
    public String toString()
    {
        return String.format("%s[redis=%s,prefix=%s,context=%s,graceSec=%d,savePeriodSec=%d]", super.toString(),
            settings.address(), prefix, keys == null ? null : keys.context(), getGracePeriodSec(), getSavePeriodSec());
    }
}
