// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A context's expiry index: a sorted set of the ids of its mortal sessions scored by their stored expiry
 * ({@link SessionKeys#expiryIndex()}), so that expired sessions are found by a range read whose cost
 * follows the number of expired sessions, not of live ones. Kept by each write and deletion of a session,
 * corrected by the expiry claims (which check each session's own stored expiry), and trimmed of long
 * expired sessions of every context under the prefix (their orphans), so that it never grows without bound.
 */
public final class ExpiryIndex
{
    private static final int ORPHAN_BATCH = 500;

    private final String prefix;
    private final SessionKeys keys;
    private final RedisCalls calls;
    /**
     * This node's member that is no session, scored never to expire: as long as the index holds it, the index
     * was not evicted or lost since this node wrote it (an index emptied of sessions keeps it). One per node,
     * so that each node finds out for itself, even after another made the index again. Session ids never
     * start with '#'.
     */
    private final byte[] presence;

    /**
     * @param prefix the key prefix, under which the context registry lists every context
     * @param keys the context's key layout
     * @param calls how to reach Redis
     * @param node this node's name (its worker name), for its presence mark in the index
     */
    public ExpiryIndex(String prefix, SessionKeys keys, RedisCalls calls, String node)
    {
        this.prefix = prefix;
        this.keys = keys;
        this.calls = calls;
        this.presence = SessionKeys.bytes("#present:" + node);
    }

    /**
     * Records the context in the registry of contexts under the prefix, where orphans are looked for, and
     * marks its index present. A Redis that answers but takes no write for now (full, not serving, still
     * loading) lets the node start: its first scavenge after that finds the index without the mark and makes it
     * present ({@link #isGone}).
     *
     * @throws redis.clients.jedis.exceptions.JedisException if Redis cannot be reached, or refused otherwise (an
     * ACL that does not grant the index's commands), or is a node of a Redis Cluster that a client for one Redis reached
     */
    public void register()
    {
        try
        {
            restore(Map.of());
        }
        catch (JedisException e)
        {
            // A plain command redirected: a client for one Redis (redis://) given a node of a Cluster, whose other slots
            // it would never reach; a Cluster client follows MOVED itself.
            if (ClusterSlots.isRedirection(e) && !ClusterSlots.isCluster(calls.client()))
                throw new JedisDataException("it answered as a node of a Redis Cluster, which needs a redis-cluster:// URI (" +
                    e.getMessage() + ")", e);
            RedisFailure failure = RedisFailure.of(e);
            if (!failure.refusesEveryone() && failure != RedisFailure.NOT_THE_MASTER && failure != RedisFailure.LOADING)
                throw e;
        }
    }

    /** @return whether the index lost this node's presence mark since {@link #register} or {@link #restore} wrote it */
    public boolean isGone()
    {
        return calls.run(redis -> redis.zscore(keys.expiryIndex(), presence)) == null;
    }

    /**
     * Makes the index present again with the given entries, and the context registered.
     *
     * @param expiries session id to its expiry, for the sessions whose entries are known here
     */
    public void restore(Map<String, Long> expiries)
    {
        calls.run(redis ->
        {
            Response<Long> present;
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                pipeline.sadd(SessionKeys.contextRegistry(prefix), SessionKeys.bytes(keys.context()));
                present = pipeline.zadd(keys.expiryIndex(), Double.POSITIVE_INFINITY, presence);
                expiries.forEach((id, expiry) -> queueUpdate(pipeline, id, expiry));
                pipeline.sync();
            }
            // Read within the call: a Redis that refused the index (full, a replica) fails the call, counted as any.
            return present.get();
        });
    }

    /**
     * Whether a save must move a session's index entry. An entry may lag the session's expiry by less than
     * the tolerance (whoever reads the index checks the session's own {@code #expiry} before acting on it),
     * but must never be later than it, or the session would be found expired late.
     *
     * @param indexed the expiry the entry has ({@link StoredSessionData#getIndexedExpiry()})
     * @param expiry the session's expiry after the save; 0 or less for never
     * @param toleranceMs how far the entry may lag
     * @return true if the save must write the entry
     */
    public static boolean needsUpdate(long indexed, long expiry, long toleranceMs)
    {
        if (indexed == StoredSessionData.UNKNOWN_INDEX_ENTRY)
            return true;
        if (expiry <= 0 || indexed <= 0)
            return (expiry <= 0) != (indexed <= 0);
        return expiry < indexed || expiry - indexed >= toleranceMs;
    }

    /**
     * Queues, with a session's write, the entry the index must have for it.
     *
     * @param pipeline the write's pipeline
     * @param id the session id
     * @param expiry its expiry; 0 or less (immortal) takes it out
     * @return the command's reply, to read after the pipeline is synced
     */
    public Response<Long> queueUpdate(AbstractPipeline pipeline, String id, long expiry)
    {
        if (expiry > 0)
            return pipeline.zadd(keys.expiryIndex(), expiry, SessionKeys.bytes(id));
        return queueRemove(pipeline, id);
    }

    /**
     * @param pipeline a pipeline of the session's
     * @param id the session id, to take out
     * @return the command's reply, to read after the pipeline is synced
     */
    public Response<Long> queueRemove(AbstractPipeline pipeline, String id)
    {
        return pipeline.zrem(keys.expiryIndex(), SessionKeys.bytes(id));
    }

    /**
     * @param redis the client of a call under way
     * @param id the session id, to take out
     */
    public void remove(UnifiedJedis redis, String id)
    {
        redis.zrem(keys.expiryIndex(), SessionKeys.bytes(id));
    }

    /**
     * @param before a time
     * @return the ids whose indexed expiry is at or before it
     */
    public Set<String> expiredBefore(long before)
    {
        Set<String> expired = new HashSet<>();
        for (byte[] member : calls.run(redis -> redis.zrangeByScore(keys.expiryIndex(), Double.NEGATIVE_INFINITY, before)))
            expired.add(new String(member, StandardCharsets.UTF_8));
        return expired;
    }

    /**
     * Sets entries to the expiries the sessions have in Redis.
     *
     * @param expiries session id to its stored expiry; 0 takes it out (deleted, immortal, not a session)
     * @throws JedisException if Redis refused an entry (full, say: the entries are corrected again at the next
     * scavenge that finds them), or could not be reached
     */
    public void correct(Map<String, Long> expiries)
    {
        if (expiries.isEmpty())
            return;
        calls.run(redis ->
        {
            List<Response<Long>> replies = new ArrayList<>(expiries.size());
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                expiries.forEach((id, expiry) -> replies.add(queueUpdate(pipeline, id, expiry)));
                pipeline.sync();
            }
            return readAll(replies);
        });
    }

    /** Reads every reply within the call, so that a refused command (a full Redis) fails it, and is counted. */
    private static Void readAll(List<Response<Long>> replies)
    {
        replies.forEach(Response::get);
        return null;
    }

    /**
     * Deletes the sessions of every context under the prefix that expired long ago (no node claimed them:
     * their nodes are gone) as a node's deletion does (a tombstone, a message to the nodes that may hold a
     * copy), and their index entries. Each session's own stored expiry decides, not its entry, which may
     * lag it: one used since is left alone and its entry moved; a key that is no session hash is left alone
     * and its entry removed.
     *
     * @param time sessions whose expiry is at or before it are deleted
     * @param deleter how the deletions are made and signed
     * @return how many sessions were deleted
     */
    public int deleteExpiredOfEveryContext(long time, Deleter deleter)
    {
        int deleted = 0;
        int notMoved = 0;
        for (byte[] context : calls.run(redis -> redis.smembers(SessionKeys.contextRegistry(prefix))))
        {
            SessionKeys contextKeys = SessionKeys.ofRegisteredContext(prefix, new String(context, StandardCharsets.UTF_8));
            // Past the entries left where they were (their moves refused): read again, they would end no batch.
            int offset = 0;
            List<byte[]> ids;
            do
            {
                int from = offset;
                ids = calls.run(redis -> redis.zrangeByScore(contextKeys.expiryIndex(), Double.NEGATIVE_INFINITY, time, from, ORPHAN_BATCH));
                if (!ids.isEmpty())
                {
                    Sweep sweep = deleteAll(contextKeys, ids, time, deleter);
                    deleted += sweep.deleted();
                    offset += sweep.notMoved();
                }
            }
            while (ids.size() == ORPHAN_BATCH);
            notMoved += offset;
        }
        if (notMoved > 0)
            calls.availability().refusedForMemory(notMoved + " expiry index entries of sessions used again not moved by the sweep of long " +
                "expired sessions under " + prefix + "; the scavenges' claims move them");
        return deleted;
    }

    /**
     * What a batch of the sweep did.
     *
     * @param deleted how many sessions it deleted
     * @param notMoved how many entries of sessions used again it left where they were (a full Redis refused their moves)
     */
    private record Sweep(int deleted, int notMoved)
    {
    }

    /** How the orphan sweep deletes a session: the arguments of a {@link SessionScripts#DELETE}. */
    public interface Deleter
    {
        /**
         * @param keys the keys of the session's context
         * @param id the session id
         * @param expiredBy the latest expiry that counts as expired
         * @return the arguments of a conditional {@link SessionScripts#DELETE}
         */
        byte[][] deleteArgs(SessionKeys keys, String id, long expiredBy);
    }

    private Sweep deleteAll(SessionKeys contextKeys, List<byte[]> ids, long time, Deleter deleter)
    {
        return calls.run(redis ->
        {
            List<byte[][]> args = new ArrayList<>(ids.size());
            List<Response<Object>> replies = new ArrayList<>(ids.size());
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (byte[] id : ids)
                {
                    byte[][] call = deleter.deleteArgs(contextKeys, new String(id, StandardCharsets.UTF_8), time);
                    args.add(call);
                    replies.add(SessionScripts.DELETE.queue(pipeline, call));
                }
                pipeline.sync();
            }
            int deleted = 0;
            List<byte[]> usedAgain = new ArrayList<>();
            List<byte[]> done = new ArrayList<>();
            Map<byte[], byte[]> userEntries = new LinkedHashMap<>();
            for (int i = 0; i < ids.size(); i++)
            {
                SessionScripts.Deletion deletion;
                try
                {
                    deletion = SessionScripts.deletion(SessionScripts.DELETE.result(replies.get(i), redis, args.get(i)));
                }
                catch (JedisDataException notASession)
                {
                    // Redis still loading answers every command so: the whole call failed, not this key.
                    if (RedisAvailability.isUnreachable(notASession))
                        throw notASession;
                    deletion = new SessionScripts.Deletion(0, null, false, null);
                }
                if (deletion.result() < 0)
                    usedAgain.add(ids.get(i));
                else
                {
                    deleted += (int)deletion.result();
                    done.add(ids.get(i));
                    if (deletion.userToken() != null)
                        userEntries.put(ids.get(i), contextKeys.user(deletion.userToken()));
                }
            }
            return new Sweep(deleted, moveEntries(redis, contextKeys, usedAgain, done, userEntries));
        });
    }

    /**
     * Takes the entries of deleted sessions out (of the expiry index and of their users' indexes), and moves
     * those of sessions used again to their expiry.
     *
     * @return how many of the latter a full Redis refused to move (counted; each is left where it was)
     */
    private int moveEntries(UnifiedJedis redis, SessionKeys contextKeys, List<byte[]> usedAgain, List<byte[]> done,
                                    Map<byte[], byte[]> userEntries)
    {
        List<Response<byte[]>> expiries = new ArrayList<>(usedAgain.size());
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            for (byte[] id : usedAgain)
                expiries.add(pipeline.hget(contextKeys.session(new String(id, StandardCharsets.UTF_8)), SessionHashCodec.EXPIRY_FIELD));
            if (!done.isEmpty())
                pipeline.zrem(contextKeys.expiryIndex(), done.toArray(new byte[0][]));
            // The sets of long-gone users expire on their own (UserIndex): taking the entry out is enough.
            userEntries.forEach((id, userKey) -> pipeline.zrem(userKey, id));
            pipeline.sync();
        }
        List<Response<Long>> moved = new ArrayList<>(usedAgain.size());
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            for (int i = 0; i < usedAgain.size(); i++)
            {
                byte[] stored = expiries.get(i).get();
                long expiry = stored == null ? 0 : Long.parseLong(new String(stored, StandardCharsets.US_ASCII));
                if (expiry > 0)
                    moved.add(pipeline.zadd(contextKeys.expiryIndex(), expiry, usedAgain.get(i)));
                else
                    moved.add(pipeline.zrem(contextKeys.expiryIndex(), usedAgain.get(i)));
            }
            pipeline.sync();
        }
        int refused = 0;
        for (Response<Long> reply : moved)
        {
            try
            {
                reply.get();
            }
            catch (JedisDataException e)
            {
                // A full Redis refuses a ZADD: the sweep goes on with the deletions, which free memory.
                if (!RedisAvailability.isFull(e))
                    throw e;
                calls.refusedWithin(e);
                refused++;
            }
        }
        return refused;
    }
}
