package io.github.jettyredis.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.client.RedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.codec.SessionDelta;
import io.github.jettyredis.session.codec.SessionHashCodec;
import io.github.jettyredis.session.codec.StoredSessionData;
import io.github.jettyredis.session.codec.proto.SessionMetadata;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.NullSessionCache;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnreadableSessionDataException;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.annotation.Name;
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
 * follows the session's own expiry, and a per-context sorted set of expiry times so that expired sessions
 * are found without scanning keys. Every command touches a single key, so it runs on Redis Cluster as well.
 *
 * <p>Made by {@link RedisSessionDataStoreFactory}, one per context.</p>
 */
@ManagedObject("Redis session data store")
public class RedisSessionDataStore extends AbstractSessionDataStore
{
    private static final Logger LOG = LoggerFactory.getLogger(RedisSessionDataStore.class);

    /** Time the TTL margin adds on top of grace and save periods, for clock skew between nodes. */
    static final long CLOCK_SKEW_ALLOWANCE_MS = TimeUnit.SECONDS.toMillis(60);
    private static final int ORPHAN_BATCH = 500;
    /** The most the stored expiry of a session may lag its own, see {@link #expiryDriftToleranceMs}. */
    static final long MAX_EXPIRY_DRIFT_MS = 1000;
    /** How long a node's claim to expire a session stops others; after that (the node died) it is taken over. */
    static final long EXPIRY_CLAIM_HOLD_MS = TimeUnit.SECONDS.toMillis(60);

    private final RedisClientFactory clientFactory;
    private final RedisClientSettings settings;
    private final SessionHashCodec codec;
    private final String prefix;
    /** Names this store instance in expiry claims; worker names are often the same on every node. */
    private final String claimant = UUID.randomUUID().toString();
    private boolean broadcastInvalidation = true;
    private SessionKeys keys;
    private UnifiedJedis redis;
    private InvalidationBroadcast invalidations;

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

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        keys = new SessionKeys(prefix, _context.getCanonicalContextPath(), _context.getVhost());
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
        // A NullSessionCache holds no session in memory, so there is nothing to drop on other nodes' deletions.
        if (broadcastInvalidation && !(_context.getSessionManager().getSessionCache() instanceof NullSessionCache))
        {
            invalidations = new InvalidationBroadcast(redis, _context, keys.deletionChannel(), claimant);
            invalidations.start();
        }
        LOG.debug("Started {}", this);
    }

    @Override
    protected void doStop() throws Exception
    {
        try
        {
            if (invalidations != null)
                invalidations.stop();
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
                invalidations = null;
                redis = null;
                super.doStop();
            }
        }
    }

    @Override
    public SessionData doLoad(String id) throws Exception
    {
        Map<byte[], byte[]> fields;
        try
        {
            fields = redis.hgetAll(keys.session(id));
        }
        catch (JedisDataException e)
        {
            // WRONGTYPE: something that is not one of our hashes sits under the key.
            throw new UnreadableSessionDataException(id, _context, e);
        }
        if (fields.isEmpty())
            return null;
        try
        {
            return codec.decode(id, _context.getCanonicalContextPath(), _context.getVhost(), fields);
        }
        catch (Exception e)
        {
            throw new UnreadableSessionDataException(id, _context, e);
        }
    }

    @Override
    public void doStore(String id, SessionData data, long lastSaveTime) throws Exception
    {
        byte[] member = id.getBytes(StandardCharsets.UTF_8);
        // Never saved under this id (new, or renamed by changeSessionId): write it whole.
        SessionDelta delta = codec.encodeDelta(data, lastSaveTime <= 0);
        if (delta.isMetadataOnly() && data instanceof StoredSessionData stored &&
            stored.isOnlyExpiryDriftSinceStored(expiryDriftToleranceMs(data)))
        {
            // Jetty saves a changed session when the response commits and again when the request ends,
            // only to move the expiry by the few milliseconds in between: Redis keeps the first one.
            return;
        }
        byte[][] write = SessionScripts.writeArgs(keys.session(id), delta, ttlMs(data.getExpiry(), System.currentTimeMillis()));
        Response<Object> written;
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            written = SessionScripts.WRITE.queue(pipeline, write);
            if (data.getExpiry() > 0)
                pipeline.zadd(keys.expiryIndex(), data.getExpiry(), member);
            else
                pipeline.zrem(keys.expiryIndex(), member);
            pipeline.sync();
        }
        if (SessionScripts.isOne(SessionScripts.WRITE.result(written, redis, write)))
        {
            if (data instanceof StoredSessionData stored)
            {
                stored.setStoredAttributes(delta.storedAfter());
                stored.markMetadataStored();
            }
        }
        else
        {
            // Another node deleted the session (invalidated or expired) while this one held it: keep it dead.
            redis.zrem(keys.expiryIndex(), member);
            LOG.info("Session {} of {} was deleted in Redis by another node; not re-creating it", id, keys.context());
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
     * Finds the sessions to expire and claims each in Redis, so that exactly one node expires it.
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
        long now = System.currentTimeMillis();
        long graceMs = TimeUnit.SECONDS.toMillis(getGracePeriodSec());
        Set<String> expired = new HashSet<>();
        _context.run(() ->
        {
            expired.addAll(doCheckExpired(candidates, now));
            expired.addAll(doGetExpired(now - graceMs));
        });
        _lastExpiryCheckTime = now;
        Set<String> claimed = claimExpiry(expired, now);
        if (_context.getSessionManager().getSessionCache() instanceof NullSessionCache)
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
     * {@link NullSessionCache} gives none back, so a session that expired between requests would vanish
     * without its listeners. This node claimed these sessions, so it expires them here, exactly once.
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
     * @return the ids this node may expire: those it claimed, and those already gone from Redis (so that
     * a node holding one in memory drops it)
     */
    private Set<String> claimExpiry(Set<String> ids, long now)
    {
        if (ids.isEmpty())
            return ids;
        Map<String, byte[][]> calls = new LinkedHashMap<>();
        Map<String, Response<Object>> replies = new LinkedHashMap<>();
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            for (String id : ids)
            {
                byte[][] call = SessionScripts.claimArgs(keys.session(id), claimant, now, EXPIRY_CLAIM_HOLD_MS);
                calls.put(id, call);
                replies.put(id, SessionScripts.CLAIM_EXPIRY.queue(pipeline, call));
            }
            pipeline.sync();
        }
        Set<String> mine = new HashSet<>();
        for (Map.Entry<String, Response<Object>> reply : replies.entrySet())
        {
            Object result = SessionScripts.CLAIM_EXPIRY.result(reply.getValue(), redis, calls.get(reply.getKey()));
            if (!(result instanceof Long claim) || claim != 0L)
                mine.add(reply.getKey());
        }
        return mine;
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
     * look for it a grace period after expiry, and their scavenge cycle needs time to find it) and a minute
     * for clock skew between nodes.
     *
     * @return the margin in milliseconds
     */
    @ManagedAttribute(value = "ms a session's key outlives its expiry", readonly = true)
    public long getTtlMarginMs()
    {
        return TimeUnit.SECONDS.toMillis(Math.max(getSavePeriodSec(), 0) + 2L * Math.max(getGracePeriodSec(), 0)) +
            CLOCK_SKEW_ALLOWANCE_MS;
    }

    @Override
    public SessionData newSessionData(String id, long created, long accessed, long lastAccessed, long maxInactiveMs)
    {
        return new StoredSessionData(id, _context.getCanonicalContextPath(), _context.getVhost(), created, accessed, lastAccessed, maxInactiveMs);
    }

    @Override
    public boolean doExists(String id) throws Exception
    {
        SessionMetadata metadata = metadata(id, redis.hget(keys.session(id), SessionHashCodec.METADATA_FIELD));
        // Undecodable metadata (expiry 0) counts as existing, so its id is not handed out again.
        return metadata != null && !isExpired(metadata.getExpiry(), System.currentTimeMillis());
    }

    @Override
    public Set<String> doCheckExpired(Set<String> candidates, long time)
    {
        Set<String> expired = new HashSet<>();
        if (candidates.isEmpty())
            return expired;
        Map<String, Response<byte[]>> replies = new LinkedHashMap<>();
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            for (String id : candidates)
                replies.put(id, pipeline.hget(keys.session(id), SessionHashCodec.METADATA_FIELD));
            pipeline.sync();
        }
        for (Map.Entry<String, Response<byte[]>> reply : replies.entrySet())
        {
            SessionMetadata metadata = metadata(reply.getKey(), reply.getValue().get());
            if (metadata == null || isExpired(metadata.getExpiry(), time))
                expired.add(reply.getKey());
        }
        return expired;
    }

    @Override
    public Set<String> doGetExpired(long before)
    {
        Set<String> expired = new HashSet<>();
        // The index holds exactly the stored expiry of each mortal session: a range read is the whole job.
        for (byte[] member : redis.zrangeByScore(keys.expiryIndex(), Double.NEGATIVE_INFINITY, before))
            expired.add(new String(member, StandardCharsets.UTF_8));
        return expired;
    }

    @Override
    public void doCleanOrphans(long time)
    {
        int deleted = 0;
        for (byte[] context : redis.smembers(SessionKeys.contextRegistry(prefix)))
        {
            SessionKeys contextKeys = SessionKeys.ofRegisteredContext(prefix, new String(context, StandardCharsets.UTF_8));
            List<byte[]> ids;
            do
            {
                ids = redis.zrangeByScore(contextKeys.expiryIndex(), Double.NEGATIVE_INFINITY, time, 0, ORPHAN_BATCH);
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
        List<Response<Long>> deletions = new ArrayList<>(ids.size());
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            for (byte[] id : ids)
                deletions.add(pipeline.del(contextKeys.session(new String(id, StandardCharsets.UTF_8))));
            pipeline.zrem(contextKeys.expiryIndex(), ids.toArray(new byte[0][]));
            pipeline.sync();
        }
        return (int)deletions.stream().mapToLong(Response::get).sum();
    }

    @Override
    public boolean delete(String id) throws Exception
    {
        byte[][] delete = {keys.session(id), SessionKeys.bytes(keys.deletionChannel()), InvalidationBroadcast.message(claimant, id)};
        Response<Object> deleted;
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            deleted = SessionScripts.DELETE.queue(pipeline, delete);
            pipeline.zrem(keys.expiryIndex(), id.getBytes(StandardCharsets.UTF_8));
            pipeline.sync();
        }
        return SessionScripts.isOne(SessionScripts.DELETE.result(deleted, redis, delete));
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
