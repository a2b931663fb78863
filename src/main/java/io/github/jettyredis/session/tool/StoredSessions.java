// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.internal.SessionScripts;
import io.github.jettyredis.session.internal.UserIndex;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.Tuple;

/**
 * The sessions Redis holds under one prefix, read and deleted as the store lays them out ({@link SessionKeys}):
 * the registry of contexts, each context's expiry index, each session's hash and tombstone. Every command
 * touches one key or one session's keys, as the store's do, so this works on Redis Cluster and with the
 * store's ACL user.
 */
final class StoredSessions
{
    /** How the tool signs the deletions it announces: not a store's, so that every node drops its copy. */
    static final String SENDER = "jetty-session-redis-tool";
    /**
     * How long after its latest entry's expiry a user's set lives, as the tool changes it: the tool does not
     * know the nodes' TTL margin, so it takes one no smaller than theirs with Jetty's default periods (a grace
     * period of an hour counts twice), so that it never shortens a set the nodes still need.
     */
    private static final long USER_SET_MARGIN_MS = TimeUnit.HOURS.toMillis(3);

    private final UnifiedJedis redis;
    private final String prefix;

    /**
     * @param redis the client
     * @param prefix the key prefix of the store
     */
    StoredSessions(UnifiedJedis redis, String prefix)
    {
        this.redis = redis;
        this.prefix = prefix;
    }

    /** @return the contexts registered under the prefix, sorted */
    List<String> contexts()
    {
        List<String> contexts = new ArrayList<>();
        for (byte[] context : redis.smembers(SessionKeys.contextRegistry(prefix)))
            contexts.add(new String(context, StandardCharsets.UTF_8));
        contexts.sort(null);
        return contexts;
    }

    /**
     * @param context a context as the registry names it ({@code _app_0.0.0.0}) or a context path ({@code /app}),
     * which must then match one registered context
     * @return its keys
     * @throws ToolFailure (failed) if no registered context matches, listing those there are
     */
    SessionKeys context(String context) throws ToolFailure
    {
        List<String> known = contexts();
        if (known.contains(context))
            return SessionKeys.ofRegisteredContext(prefix, context);
        if (context.startsWith("/"))
        {
            // Jetty's canonical context path: the root is "_", every '/', '.' and '\' of a path becomes '_'.
            String canonical = context.equals("/") ? "_" : context.replace('/', '_').replace('.', '_').replace('\\', '_');
            List<String> matches = known.stream().filter(name -> name.startsWith(canonical + "_") &&
                name.indexOf('_', canonical.length() + 1) < 0).toList();
            if (matches.size() == 1)
                return SessionKeys.ofRegisteredContext(prefix, matches.get(0));
        }
        throw ToolFailure.failed("No context " + context + " under prefix '" + prefix + "'; known: " +
            (known.isEmpty() ? "none" : String.join(", ", known)));
    }

    /**
     * @param keys a context's keys
     * @param before a time
     * @return how many sessions of the context its expiry index holds (mortal ones), and how many of them expire
     * at or before the time
     */
    long[] counts(SessionKeys keys, long before)
    {
        // The nodes' presence marks are scored +inf: below Double.MAX_VALUE, only sessions count.
        return new long[]{redis.zcount(keys.expiryIndex(), Double.NEGATIVE_INFINITY, Double.MAX_VALUE),
            redis.zcount(keys.expiryIndex(), Double.NEGATIVE_INFINITY, before)};
    }

    /**
     * @param keys a context's keys
     * @param limit the most to list
     * @return ids and indexed expiries of the context's mortal sessions, soonest expiry first
     */
    List<Tuple> sessions(SessionKeys keys, int limit)
    {
        return redis.zrangeByScoreWithScores(keys.expiryIndex(), Double.NEGATIVE_INFINITY, Double.MAX_VALUE, 0, limit);
    }

    /** @return every field of the session's hash; empty if there is none */
    Map<byte[], byte[]> hash(SessionKeys keys, String id)
    {
        return redis.hgetAll(keys.session(id));
    }

    /** @return the session key's time to live in ms, -1 for none, -2 if there is no key */
    long ttl(SessionKeys keys, String id)
    {
        return redis.pttl(keys.session(id));
    }

    /** @return the tombstone's time to live in ms, -2 if there is none */
    long tombstoneTtl(SessionKeys keys, String id)
    {
        return redis.pttl(keys.tombstone(id));
    }

    /** @return the session's entry in its context's expiry index, or null */
    Double indexEntry(SessionKeys keys, String id)
    {
        return redis.zscore(keys.expiryIndex(), SessionKeys.bytes(id));
    }

    /**
     * Deletes a session as a node's invalidation does, with the store's own script: the hash goes, a tombstone
     * stays for as long as the hash would have lived (so that no node writes it back), the deletion is announced
     * on the context's channel (so that nodes holding the session drop it), its index entry goes, and so does its
     * entry in its user's set, if sessions are indexed by user.
     *
     * @return true if there was a session to delete
     */
    boolean delete(SessionKeys keys, String id)
    {
        byte[][] args = SessionScripts.deleteArgs(keys, id, SENDER, RedisSessionDataStore.TOMBSTONE_WITHOUT_TTL_MS,
            RedisSessionDataStore.CLOCK_SKEW_ALLOWANCE_MS, 0, null);
        Response<Object> reply;
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            reply = SessionScripts.DELETE.queue(pipeline, args);
            pipeline.zrem(keys.expiryIndex(), SessionKeys.bytes(id));
            pipeline.sync();
        }
        SessionScripts.Deletion deletion = SessionScripts.deletion(SessionScripts.DELETE.result(reply, redis, args));
        if (deletion.userToken() != null)
            new UserIndex(keys, () -> USER_SET_MARGIN_MS).remove(redis, deletion.userToken(), id);
        return deletion.result() > 0;
    }
}
