// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.internal.SessionScripts;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.SafeEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Redis that is full ({@code maxmemory} with {@code noeviction}): saves fail with a clear error, nothing is
 * half-written, and changes reach Redis once it has room again. A Redis that evicts ({@code allkeys-*}) may
 * take the expiry index: it is made again.
 */
public class RedisFullIT
{
    @RegisterExtension
    @Order(1)
    final PrivateRedis redis = new PrivateRedis();

    @RegisterExtension
    @Order(2)
    final JettyNodes cluster = new JettyNodes(redis);

    /** Makes Redis full: it uses more than maxmemory, and evicts nothing. */
    private static void fill(UnifiedJedis admin)
    {
        admin.configSet("maxmemory-policy", "noeviction");
        admin.configSet("maxmemory", "1");
    }

    /** Waits for a whole scavenge of the node, and asserts that it counted a write a full Redis refused. */
    private static void awaitAScavengeCountingARefusal(JettyNode node) throws InterruptedException
    {
        long refused = node.store().getCounters().getRedisFull();
        node.awaitScavenges(1);
        assertTrue(node.store().getCounters().getRedisFull() > refused, "the refusal is counted: " + node.store().getCounters());
    }

    /** @return the attribute names Redis holds for the session */
    private Set<String> storedAttributes(UnifiedJedis admin, String id)
    {
        Set<String> names = new TreeSet<>();
        for (byte[] field : admin.hgetAll(cluster.keys().session(id)).keySet())
            if (field.length == 0 || field[0] != '#')
                names.add(SafeEncoder.encode(field));
        return names;
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aFullRedisHasNothingHalfWrittenAndGetsTheChangesOnceItHasRoom(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        String id = cluster.aliceLoggedIn(node);
        try (UnifiedJedis admin = redis.newClient())
        {
            Map<byte[], byte[]> before = admin.hgetAll(cluster.keys().session(id));
            fill(admin);
            // The request succeeds; its save is refused whole.
            ContentResponse set = cluster.client().GET(node.url("op=set&name=cart&value=2-items"));
            node.awaitIdle();
            assertEquals(HttpStatus.OK_200, set.getStatus(), set.getContentAsString());
            assertEquals(Set.of("user"), storedAttributes(admin, id));
            assertEquals(before.size(), admin.hgetAll(cluster.keys().session(id)).size(), "no field written");
            assertEquals(1, node.store().getUnsavedSessions(), "the change is kept until Redis has room");
            // Meanwhile the node serves the session with the change, whatever the cache: one that holds no session
            // is given the node's kept copy, not Redis's older one, whose save would write over the change.
            assertEquals("2-items", cluster.get(node.url("op=get&name=cart")));

            admin.configSet("maxmemory", "0");
            // The next request sees its change, and Redis gets it (before the session is loaded, or at its save).
            assertEquals("2-items", cluster.get(node.url("op=get&name=cart")));
            node.awaitIdle();
            assertEquals(Set.of("cart", "user"), storedAttributes(admin, id));
            assertEquals(0, node.store().getUnsavedSessions());
        }
    }

    /** Runs the store's write script on session {@code id} of context {@code _app}: mode, no lease, fields to delete, then pairs to set. */
    private static Object write(UnifiedJedis admin, SessionKeys keys, String id, String mode, List<String> deletes, String... pairs)
    {
        List<byte[]> args = new ArrayList<>(List.of(keys.session(id), keys.tombstone(id)));
        List<String> words = new ArrayList<>(List.of(mode, "60000", "node", "1", "0", "", Integer.toString(deletes.size())));
        words.addAll(deletes);
        words.addAll(List.of(pairs));
        words.forEach(word -> args.add(SessionKeys.bytes(word)));
        return SessionScripts.WRITE.run(admin, args.toArray(byte[][]::new));
    }

    /**
     * Every kind of write is refused whole by a full Redis: its first write is one Redis refuses when full. A
     * script that deleted something first (a tombstone, the old hash, an attribute) was let through whole, as
     * Redis lets a script that has written go on.
     */
    @Test
    public void aFullRedisRefusesEveryKindOfWriteWhole()
    {
        SessionKeys keys = new SessionKeys(RedisTestServer.uniquePrefix(), "_app", "0.0.0.0");
        try (UnifiedJedis admin = redis.newClient())
        {
            assertEquals(1L, write(admin, keys, "s", "create", List.of(), "#meta", "m1", "a", "1", "b", "2"));
            admin.set(keys.tombstone("t"), SessionKeys.bytes("deleted"));
            fill(admin);

            JedisDataException create = assertThrows(JedisDataException.class,
                () -> write(admin, keys, "t", "create", List.of(), "#meta", "m2", "a", "1"));
            assertTrue(create.getMessage().startsWith("OOM"), create.getMessage());
            assertTrue(admin.exists(keys.tombstone("t")), "the tombstone is still there");
            assertFalse(admin.exists(keys.session("t")));

            assertThrows(JedisDataException.class, () -> write(admin, keys, "s", "update", List.of("a"), "#meta", "m3"));
            assertThrows(JedisDataException.class, () -> write(admin, keys, "s", "replace", List.of(), "#meta", "m4", "c", "3"));
            assertEquals(Map.of("#meta", "m1", "a", "1", "b", "2"), admin.hgetAll(SafeEncoder.encode(keys.session("s"))));
        }
    }

    /** A full Redis refuses a node the lease a check asks for, but still answers the check. */
    @Test
    public void aFullRedisRefusesALeaseButAnswersTheCheck()
    {
        SessionKeys keys = new SessionKeys(RedisTestServer.uniquePrefix(), "_app", "0.0.0.0");
        try (UnifiedJedis admin = redis.newClient())
        {
            assertEquals(1L, write(admin, keys, "s", "create", List.of(), "#meta", "m1", "#version", "v1"));
            fill(admin);
            List<?> checked = (List<?>)SessionScripts.REFRESH.run(admin, SessionScripts.refreshArgs(keys, "s", SessionKeys.bytes("v1"),
                SessionScripts.LeaseRequest.asking("node", 2000)));
            assertEquals(0L, checked.get(0), "current");
            assertEquals("m1", new String((byte[])checked.get(1)));
            assertEquals(0L, checked.get(2), "no lease");
            assertFalse(admin.hexists(keys.session("s"), SessionKeys.bytes("#lease")));
        }
    }

    /** A full Redis still lets a node give up a lease another node waits for: the lease goes, mark and all. */
    @Test
    public void aFullRedisStillLetsAHolderGiveUpAWantedLease()
    {
        SessionKeys keys = new SessionKeys(RedisTestServer.uniquePrefix(), "_app", "0.0.0.0");
        try (UnifiedJedis admin = redis.newClient())
        {
            assertEquals(1L, write(admin, keys, "s", "create", List.of(), "#meta", "m1", "#version", "v1"));
            admin.hset(keys.session("s"), SessionKeys.bytes("#lease"), SessionKeys.bytes("node@" + (System.currentTimeMillis() + 60_000) + "!"));
            fill(admin);
            assertEquals(1L, SessionScripts.RELEASE_LEASE.run(admin, SessionScripts.releaseArgs(keys, "s", "node")));
            assertFalse(admin.hexists(keys.session("s"), SessionKeys.bytes("#lease")));
        }
    }

    /**
     * A logout is not refused by a full Redis: a deletion frees memory, and its tombstone must be written. Nor is
     * it lost when Redis refused the session's last change: the node's kept copy is the one logged out.
     */
    @ParameterizedTest
    @EnumSource(value = JettyNode.Cache.class, names = {"NULL", "DEFAULT"})
    public void aFullRedisStillTakesALogout(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        String id = cluster.aliceLoggedIn(node);
        try (UnifiedJedis admin = redis.newClient())
        {
            fill(admin);
            assertEquals("ok", cluster.get(node.url("op=set&name=cart&value=2-items")));
            node.awaitIdle();
            assertEquals(1, node.store().getUnsavedSessions(), "the change is kept");
            assertEquals("ok", cluster.get(node.url("op=invalidate")));
            node.awaitIdle();
            assertFalse(admin.exists(cluster.keys().session(id)), "the session is gone from Redis");
            assertTrue(admin.exists(cluster.keys().tombstone(id)), "its tombstone is there");
            assertEquals(1, cluster.destroyedCount(id));
            assertEquals(0, node.store().getUnsavedSessions(), "the kept change went with the session");
        }
    }

    /**
     * A login while Redis is full: Jetty's renewal deletes the old id (a deletion goes through) and creates the new
     * one (refused, kept). Once Redis has room, the session is there under its new id. Its kept create was written
     * as an update, found nothing, and took this node's own deletion of the old id for another node's logout.
     */
    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aLoginWhileRedisIsFullIsThereUnderItsNewIdOnceRedisHasRoom(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        String id = cluster.aliceLoggedIn(node);
        String newId;
        try (UnifiedJedis admin = redis.newClient())
        {
            fill(admin);
            newId = cluster.get(node.url("op=renew"));
            assertNotEquals(id, newId);
            node.awaitIdle();
            assertEquals("alice", cluster.get(node.url("op=get&name=user")));
            admin.configSet("maxmemory", "0");
            Await.until("the session is in Redis under its new id", Duration.ofSeconds(20),
                () -> storedAttributes(admin, newId).contains("user"));
        }
        assertEquals("alice", cluster.get(node.url("op=get&name=user")));
        assertEquals(newId, cluster.get(node.url("op=id")));
        JettyNode reader = cluster.start("reader", JettyNode.Cache.NULL);
        assertEquals("alice", cluster.get(reader.url("op=get&name=user")));
    }

    /**
     * A change Redis refused (full) whose write then keeps failing otherwise (here the node's ACL user has lost
     * the scripts) stays kept through the first failures, then is given up after the catch-up's bound of ten
     * failed attempts in a row ({@code CatchUp.SAVE_ATTEMPTS}), so that a write that can never go through is not
     * tried for ever.
     */
    @Test
    public void aKeptChangeWhoseWriteKeepsFailingIsGivenUpAfterTenAttempts() throws Exception
    {
        try (Jedis acl = redis.server().connect(); UnifiedJedis admin = redis.newClient())
        {
            acl.aclSetUser("app", "on", ">app-password", "~*", "&*", "+@all");
            JettyNode node = cluster.start("node", JettyNode.Cache.DEFAULT, configured ->
            {
                configured.sessions().setUser("app");
                configured.sessions().setPassword("app-password");
            });
            String id = cluster.aliceLoggedIn(node);
            fill(admin);
            assertEquals("ok", cluster.get(node.url("op=set&name=cart&value=2-items")));
            node.awaitIdle();
            assertEquals(1, node.store().getUnsavedSessions(), "the change is kept");

            acl.aclSetUser("app", "-evalsha", "-eval");
            long deniedBefore = deniedScripts(acl);
            admin.configSet("maxmemory", "0");
            Await.until("a write of the kept change is denied", Duration.ofSeconds(20), () -> deniedScripts(acl) > deniedBefore);
            assertEquals(1, node.store().getUnsavedSessions(), "kept after a failed attempt");
            Await.until("the kept change is given up", Duration.ofSeconds(60), () -> node.store().getUnsavedSessions() == 0);
            // Nothing else of the node runs a script meanwhile (no session expires, no user index, no lease).
            assertEquals(10, deniedScripts(acl) - deniedBefore, "given up after ten attempts, not before nor after");
            assertEquals(Set.of("user"), storedAttributes(admin, id));
        }
    }

    /** @return how many times the server denied {@code EVALSHA} or {@code EVAL} to a user, by its {@code ACL LOG} */
    private static long deniedScripts(Jedis admin)
    {
        return admin.aclLog().stream()
            .filter(entry -> "evalsha".equals(entry.getObject()) || "eval".equals(entry.getObject()))
            .mapToLong(entry -> entry.getCount())
            .sum();
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void whatAFullRedisRefusedIsWrittenAtTheNextScavengeWithoutARequest(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        String id = cluster.get(node.url("op=create"));
        node.awaitIdle();
        try (UnifiedJedis admin = redis.newClient())
        {
            fill(admin);
            cluster.get(node.url("op=set&name=cart&value=3-items"));
            node.awaitIdle();
            admin.configSet("maxmemory", "0");
            node.awaitScavenges(1);
            assertEquals(Set.of("cart"), storedAttributes(admin, id));
        }
    }

    /**
     * The expiry index is gone while Redis is full: the scavenge's attempt to make it again is refused, and counted
     * as any refused call (it used to go unseen, and the node logged the index as made again at every scavenge);
     * once Redis has room, a scavenge makes it again.
     */
    @Test
    public void anExpiryIndexGoneWhileRedisIsFullIsMadeAgainOnceItHasRoom() throws Exception
    {
        JettyNode node = cluster.start("node", JettyNode.Cache.DEFAULT);
        String id = cluster.get(node.url("op=create"));
        node.awaitIdle();
        byte[] index = cluster.keys().expiryIndex();
        try (UnifiedJedis admin = redis.newClient())
        {
            admin.del(index);
            fill(admin);
            awaitAScavengeCountingARefusal(node);
            assertFalse(admin.exists(index), "not made again while Redis is full");
            admin.configSet("maxmemory", "0");
            node.awaitScavenges(1);
            assertTrue(admin.zscore(index, SessionKeys.bytes(id)) != null, "made again once Redis has room");
        }
    }

    /**
     * A scavenge finds an index entry that lags its session (the session was used since) while Redis is full: the
     * entry cannot be moved to the session's expiry, and the refusal is counted as any refused write (it used to go
     * unseen: the replies were not read); a scavenge once Redis has room moves it.
     */
    @Test
    public void anIndexEntryAScavengeCannotMoveWhileRedisIsFullIsCountedAndMovedOnceItHasRoom() throws Exception
    {
        JettyNode node = cluster.start("node", JettyNode.Cache.DEFAULT);
        String id = cluster.get(node.url("op=create"));
        node.awaitIdle();
        byte[] index = cluster.keys().expiryIndex();
        byte[] member = SessionKeys.bytes(id);
        try (UnifiedJedis admin = redis.newClient())
        {
            // An entry long past, for a session whose own expiry is still ahead: found by the scavenge, and alive.
            admin.zadd(index, 1, member);
            fill(admin);
            awaitAScavengeCountingARefusal(node);
            assertEquals(1.0, admin.zscore(index, member), "not moved while Redis is full");
            admin.configSet("maxmemory", "0");
            node.awaitScavenges(1);
            assertTrue(admin.zscore(index, member) > System.currentTimeMillis(), "moved to the session's expiry once Redis has room");
            assertEquals(id, cluster.get(node.url("op=id")), "the session lives on");
        }
    }

    /**
     * The sweep of long expired sessions meets a full Redis: the index entries of sessions used again (more than a
     * batch of them) cannot be moved, and are counted and left where they are, while the sweep goes on to delete the
     * long expired session after them (a deletion frees memory). It used to read the same batch again for ever, then
     * (reading the refusals) to end at the first batch.
     */
    @Test
    public void theSweepOfLongExpiredSessionsGoesOnPastEntriesAFullRedisWillNotMove() throws Exception
    {
        byte[] index = cluster.keys().expiryIndex();
        int usedAgain = 600;
        byte[] orphan = cluster.keys().session("long-expired");
        try (UnifiedJedis admin = redis.newClient())
        {
            String later = Long.toString(System.currentTimeMillis() + TimeUnit.HOURS.toMillis(1));
            for (int i = 0; i < usedAgain; i++)
            {
                admin.hset(cluster.keys().session("used-again-" + i), SessionHashCodec.EXPIRY_FIELD, SafeEncoder.encode(later));
                admin.zadd(index, 1, SessionKeys.bytes("used-again-" + i));
            }
            admin.hset(orphan, SessionHashCodec.EXPIRY_FIELD, SafeEncoder.encode("1000"));
            admin.zadd(index, 2, SessionKeys.bytes("long-expired"));
            admin.sadd(SessionKeys.contextRegistry(cluster.prefix()), SessionKeys.bytes(cluster.keys().context()));
            fill(admin);

            // Its first scavenge sweeps.
            JettyNode node = cluster.start("node", JettyNode.Cache.DEFAULT);
            node.awaitScavenges(1);
            assertFalse(admin.exists(orphan), "the long expired session is deleted");
            assertNull(admin.zscore(index, SessionKeys.bytes("long-expired")));
            assertEquals(1.0, admin.zscore(index, SessionKeys.bytes("used-again-" + (usedAgain - 1))), "not moved while Redis is full");
            assertTrue(node.store().getCounters().getRedisFull() >= usedAgain, "each refused move is counted: " + node.store().getCounters());
        }
    }

    /**
     * While Redis is full, a held session's expiry passes: its claim is refused at every scavenge (and kept for the
     * next), and the scavenges' other steps still run, the sweep of long expired sessions among them, whose deletions
     * a full Redis takes and which free memory. A refused claim used to end the scavenge before them.
     */
    @Test
    public void whileRedisIsFullARefusedClaimDoesNotStopTheSweepOfLongExpiredSessions() throws Exception
    {
        JettyNode node = cluster.start("node", JettyNode.Cache.DEFAULT);
        // The first scavenge has swept: the next sweep is ten grace periods (10 s) later.
        node.awaitScavenges(1);
        // Expires (and its claims begin to be refused) seconds before the next sweep, which reaches sessions expired 10 s
        // before it: a sweep over 5 s late would delete it.
        String id = cluster.get(node.url("op=create&ttl=5"));
        node.awaitIdle();
        byte[] orphan = cluster.keys().session("long-expired");
        try (UnifiedJedis admin = redis.newClient())
        {
            admin.hset(orphan, SessionHashCodec.EXPIRY_FIELD, SafeEncoder.encode("1000"));
            admin.zadd(cluster.keys().expiryIndex(), 2, SessionKeys.bytes("long-expired"));
            fill(admin);
            Await.until("the long expired session is swept", Duration.ofSeconds(30), () -> !admin.exists(orphan));
            assertTrue(admin.exists(cluster.keys().session(id)), "the held session's claim refused: it is still there");
            assertEquals(0, cluster.destroyedCount(id));
            admin.configSet("maxmemory", "0");
            Await.until("the held session is expired once Redis has room", Duration.ofSeconds(20), () -> cluster.destroyedCount(id) == 1);
        }
    }

    /**
     * A node starts while Redis is full (a rolling restart meanwhile): its expiry index mark cannot be written, and
     * is once Redis has room; the sessions made meanwhile are kept, then written.
     */
    @Test
    public void aNodeStartsWhileRedisIsFullAndItsSessionsReachRedisOnceItHasRoom() throws Exception
    {
        try (UnifiedJedis admin = redis.newClient())
        {
            fill(admin);
            JettyNode node = cluster.start("node", JettyNode.Cache.DEFAULT);
            String id = cluster.get(node.url("op=create"));
            node.awaitIdle();
            assertEquals(1, node.store().getUnsavedSessions(), "the new session is kept");
            admin.configSet("maxmemory", "0");
            node.awaitScavenges(1);
            assertTrue(admin.exists(cluster.keys().session(id)), "written once Redis has room");
            assertTrue(admin.zscore(cluster.keys().expiryIndex(), SessionKeys.bytes(id)) != null, "and indexed");
        }
    }

    @Test
    public void anEvictedExpiryIndexIsMadeAgainAndSessionsUsedMeanwhileGetTheirEntriesBack() throws Exception
    {
        JettyNode holder = cluster.start("holder", JettyNode.Cache.DEFAULT);
        JettyNode reader = cluster.start("reader", JettyNode.Cache.NULL);
        String held = cluster.get(holder.url("op=create"));
        holder.awaitIdle();
        // A session of the other node, which holds nothing: only a save can index it again.
        HttpClient other = new HttpClient();
        other.start();
        try
        {
            String unheld = other.GET(reader.url("op=create&ttl=3")).getContentAsString();
            reader.awaitIdle();
            byte[] index = cluster.keys().expiryIndex();

            // What an allkeys-lru eviction does to it.
            cluster.redis().del(index);
            holder.awaitScavenges(1);
            assertTrue(cluster.redis().zscore(index, SessionKeys.bytes(held)) != null, "the held session is indexed again");
            assertNull(cluster.redis().zscore(index, SessionKeys.bytes(unheld)));

            assertEquals("ok", other.GET(reader.url("op=set&name=k&value=v")).getContentAsString());
            reader.awaitIdle();
            assertTrue(cluster.redis().zscore(index, SessionKeys.bytes(unheld)) != null, "a session saved meanwhile is indexed again");
            // So it is expired, with its listener, when it expires.
            Await.until("the unheld session expired", Duration.ofSeconds(20), () -> cluster.destroyedCount(unheld) == 1);
        }
        finally
        {
            other.stop();
        }
    }
}
