// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leases in the store's scripts ({@link SessionLeases}): who gets one, what it refuses, how it ends. Run on
 * the shared test server, under a prefix of its own.
 */
public class LeaseScriptsTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long LONG_LEASE_MS = 60_000;

    private final UnifiedJedis redis = RedisTestServer.shared().newClient();
    private final SessionKeys keys = new SessionKeys(RedisTestServer.uniquePrefix(), "_app", "0.0.0.0");

    @BeforeEach
    public void created()
    {
        assertEquals(6L, write("create", "nodeA", true, LONG_LEASE_MS, "", "v1", "cart", "1-item"), "a new session's maker gets a lease");
    }

    @AfterEach
    public void close()
    {
        redis.del(keys.session("s"), keys.tombstone("s"));
        redis.close();
    }

    /** A write of the session, as {@link SessionScripts#writeArgs} lays it out: mode, TTL, lease, no deletion, the fields. */
    private Object write(String mode, String token, boolean changesContent, long leaseMs, String baseVersion, String version, String field, String value)
    {
        List<byte[]> args = new ArrayList<>(List.of(keys.session("s"), keys.tombstone("s")));
        List<String> rest = new ArrayList<>(List.of(mode, "60000", token, changesContent ? "1" : "0", Long.toString(leaseMs), baseVersion, "0",
            "#meta", "m"));
        if (version != null)
            rest.addAll(List.of("#version", version));
        rest.addAll(List.of(field, value));
        rest.forEach(arg -> args.add(SessionKeys.bytes(arg)));
        return SessionScripts.WRITE.run(redis, args.toArray(byte[][]::new));
    }

    private Object delete(String token)
    {
        return SessionScripts.DELETE.run(redis, SessionScripts.deleteArgs(keys, "s", "sender", 60_000, 60_000, 0, token));
    }

    private List<?> refresh(String version, String token, long leaseMs)
    {
        return (List<?>)SessionScripts.REFRESH.run(redis, SessionScripts.refreshArgs(keys, "s", SessionKeys.bytes(version),
            SessionScripts.LeaseRequest.asking(token, leaseMs)));
    }

    private String stored(String field)
    {
        byte[] value = redis.hget(keys.session("s"), SessionKeys.bytes(field));
        return value == null ? null : new String(value);
    }

    private String holder()
    {
        String lease = stored("#lease");
        return lease == null ? null : lease.substring(0, lease.indexOf('@'));
    }

    @Test
    public void anotherNodesChangeIsRefusedNamingTheHolderAndWritesNothing()
    {
        Object reply = write("update", "nodeB", true, 0, "v1", "v2", "cart", "2-items");
        assertEquals(SessionScripts.Write.LEASED, SessionScripts.Write.of(reply));
        SessionScripts.LeaseRefusal refusal = SessionScripts.leaseRefusal(reply);
        assertNotNull(refusal);
        assertEquals("nodeA", refusal.holder());
        assertTrue(refusal.waitMs() > 0 && refusal.waitMs() <= LONG_LEASE_MS, "waits at most the lease: " + refusal.waitMs());
        assertEquals("1-item", stored("cart"));
        assertEquals("v1", stored("#version"));
    }

    @Test
    public void anotherNodesTouchGoesThroughAndLeavesTheLease()
    {
        assertEquals(1L, write("update", "nodeB", false, 0, "v1", null, "#expiry", "123"));
        assertEquals("123", stored("#expiry"));
        assertEquals("nodeA", holder());
    }

    @Test
    public void theHoldersOwnChangeGoesThroughAndRenewsTheLease()
    {
        String before = stored("#lease");
        assertEquals(6L, write("update", "nodeA", true, LONG_LEASE_MS, "v1", "v2", "cart", "2-items"));
        assertEquals("2-items", stored("cart"));
        assertEquals("nodeA", holder());
        assertTrue(Long.parseLong(stored("#lease").substring(6)) >= Long.parseLong(before.substring(6)), "renewed, never shortened");
    }

    @Test
    public void aCopyBehindRedisGetsNoLease()
    {
        assertEquals(1L, write("update", "nodeA", true, 0, "v1", "v2", "cart", "2-items"), "changed, no lease asked for");
        redis.hdel(keys.session("s"), SessionKeys.bytes("#lease"));
        assertEquals(7L, write("update", "nodeB", true, LONG_LEASE_MS, "v1", "v3", "cart", "3-items"),
            "written, but its copy had v1 and Redis v2: no lease, and the writer told its copy missed a change");
        assertEquals("3-items", stored("cart"));
        assertNull(stored("#lease"));
        List<?> checked = refresh("v1", "nodeB", LONG_LEASE_MS);
        assertEquals(1L, checked.get(0), "the check gives the whole session instead");
        assertNull(stored("#lease"));
    }

    @Test
    public void aCheckOfACurrentCopyGetsTheLeaseOnlyWhenNoOtherNodeHoldsOne()
    {
        List<?> checked = refresh("v1", "nodeB", LONG_LEASE_MS);
        assertEquals(List.of(0L, 0L), List.of(checked.get(0), checked.get(2)), "current, but nodeA holds the lease");
        assertEquals(1L, SessionScripts.RELEASE_LEASE.run(redis, SessionScripts.releaseArgs(keys, "s", "nodeA")));
        checked = refresh("v1", "nodeB", LONG_LEASE_MS);
        assertEquals(List.of(0L, 1L), List.of(checked.get(0), checked.get(2)));
        assertEquals("nodeB", holder());
    }

    @Test
    public void onlyTheHolderGivesItsLeaseUp()
    {
        assertEquals(0L, SessionScripts.RELEASE_LEASE.run(redis, SessionScripts.releaseArgs(keys, "s", "nodeB")));
        assertEquals(0L, SessionScripts.RELEASE_LEASE.run(redis, SessionScripts.releaseArgs(keys, "s", "node")), "a token that is a prefix of the holder's");
        assertEquals("nodeA", holder());
        assertEquals(1L, SessionScripts.RELEASE_LEASE.run(redis, SessionScripts.releaseArgs(keys, "s", "nodeA")));
        assertEquals(1L, write("update", "nodeB", true, 0, "v1", "v2", "cart", "2-items"), "free again");
    }

    @Test
    public void aLeaseEndsByItselfOnRedisClock() throws InterruptedException
    {
        assertEquals(6L, write("update", "nodeA", true, 200, "v1", "v2", "cart", "2-items"), "a short lease");
        Await.until("the lease ended", TIMEOUT, () -> SessionScripts.Write.of(write("update", "nodeB", true, 0, "v2", "v3", "cart", "3-items")) ==
            SessionScripts.Write.WRITTEN);
        assertEquals("3-items", stored("cart"));
    }

    /**
     * The holder may not hear that another node wants its lease (its deletion listener stalled, or its message
     * lost), and its saves renew the lease: Redis refuses them, so the lease ends when it would have, and the
     * waiting change goes through. The holder used to renew it at every save, and the change gave up.
     */
    @Test
    public void aLeaseAnotherNodesChangeWaitsForIsNotRenewed() throws InterruptedException
    {
        assertEquals(6L, write("update", "nodeA", true, 300, "v1", "v2", "cart", "2-items"), "a short lease");
        assertEquals(SessionScripts.Write.LEASED, SessionScripts.Write.of(write("update", "nodeB", true, 0, "v2", "v3", "cart", "3-items")));
        assertEquals(1L, write("update", "nodeA", true, LONG_LEASE_MS, "v2", "v4", "cart", "4-items"),
            "the holder's change is written, its lease not renewed");
        assertEquals(List.of(0L, 0L), List.of(refresh("v4", "nodeA", LONG_LEASE_MS).get(0), refresh("v4", "nodeA", LONG_LEASE_MS).get(2)),
            "nor taken again by a check");
        Await.until("the lease to end", TIMEOUT, () -> SessionScripts.Write.of(write("update", "nodeB", true, 0, "v4", "v5", "cart", "5-items")) ==
            SessionScripts.Write.WRITTEN);
        assertEquals("5-items", stored("cart"));
    }

    @Test
    public void aLeaseAnInvalidationWaitsForIsNotRenewed() throws InterruptedException
    {
        assertEquals(6L, write("update", "nodeA", true, 300, "v1", "v2", "cart", "2-items"), "a short lease");
        assertEquals("nodeA", SessionScripts.leaseRefusal(delete("nodeB")).holder());
        assertEquals(1L, write("update", "nodeA", true, LONG_LEASE_MS, "v2", "v3", "cart", "3-items"), "not renewed");
        Await.until("the lease to end", TIMEOUT, () -> SessionScripts.leaseRefusal(delete("nodeB")) == null);
        assertFalse(redis.exists(keys.session("s")));
    }

    @Test
    public void theHolderOfALeaseAnotherNodeWantedMayHaveOneAgainOnlyAfterTheWaitingNodeGaveUp() throws InterruptedException
    {
        assertEquals(6L, write("update", "nodeA", true, 200, "v1", "v2", "cart", "2-items"), "a short lease");
        // Before the refusal, so before the lease's end, from which the waiting node's slack counts.
        long wantedAt = System.nanoTime();
        assertEquals(SessionScripts.Write.LEASED, SessionScripts.Write.of(write("update", "nodeB", true, 0, "v2", "v3", "cart", "3-items")));
        Await.until("a lease for the holder again", TIMEOUT, () -> refresh("v2", "nodeA", LONG_LEASE_MS).get(2).equals(1L));
        long waitedMs = (System.nanoTime() - wantedAt) / 1_000_000;
        assertTrue(waitedMs >= SessionScripts.LEASE_WAIT_SLACK_MS, "not before the waiting node gave up: " + waitedMs + " ms");
        assertEquals("nodeA", holder());
        assertFalse(stored("#lease").endsWith("!"), "a new lease, not wanted yet");
    }

    @Test
    public void noOtherNodeGetsTheLeaseBeforeTheNodeWaitingForItWrote() throws InterruptedException
    {
        assertEquals(6L, write("update", "nodeA", true, 200, "v1", "v2", "cart", "2-items"), "a short lease");
        assertEquals(SessionScripts.Write.LEASED, SessionScripts.Write.of(write("update", "nodeB", true, 0, "v2", "v3", "cart", "3-items")));
        Await.until("the lease to end", TIMEOUT, () ->
        {
            assertEquals(0L, refresh("v2", "nodeC", LONG_LEASE_MS).get(2), "a third node's lease would refuse the waiting node again");
            return SessionScripts.Write.of(write("update", "nodeB", true, 0, "v2", "v3", "cart", "3-items")) == SessionScripts.Write.WRITTEN;
        });
        Await.until("a lease once the waiting node's slack is over", TIMEOUT, () -> refresh("v3", "nodeB", LONG_LEASE_MS).get(2).equals(1L));
        assertEquals("nodeB", holder());
    }

    @Test
    public void aWantedLeaseItsHolderGivesUpEndsAtOnceAndStaysMarked()
    {
        assertEquals(SessionScripts.Write.LEASED, SessionScripts.Write.of(write("update", "nodeB", true, 0, "v1", "v2", "cart", "2-items")));
        assertEquals(1L, SessionScripts.RELEASE_LEASE.run(redis, SessionScripts.releaseArgs(keys, "s", "nodeA")));
        assertTrue(stored("#lease").endsWith("!"), stored("#lease"));
        assertEquals(List.of(0L, 0L), List.of(refresh("v1", "nodeC", LONG_LEASE_MS).get(0), refresh("v1", "nodeC", LONG_LEASE_MS).get(2)),
            "no lease for a third node meanwhile");
        assertEquals(1L, write("update", "nodeB", true, 0, "v1", "v2", "cart", "2-items"), "the waiting node writes at once");
        assertEquals("2-items", stored("cart"));
    }

    /** The holder's whole write replaces the hash, lease field included, and ends its use of the lease. */
    @Test
    public void aWholeWriteOfTheHolderEndsTheWantedLeaseAndKeepsTheMark()
    {
        assertEquals(SessionScripts.Write.LEASED, SessionScripts.Write.of(write("update", "nodeB", true, 0, "v1", "v2", "cart", "2-items")));
        assertEquals(1L, write("replace", "nodeA", true, LONG_LEASE_MS, "v1", "v3", "cart", "3-items"), "written, not renewed");
        assertEquals("nodeA", holder());
        assertTrue(stored("#lease").endsWith("!"), "still marked: " + stored("#lease"));
        assertEquals(0L, refresh("v3", "nodeC", LONG_LEASE_MS).get(2), "no lease for a third node meanwhile");
        assertEquals(1L, write("update", "nodeB", true, 0, "v3", "v4", "cart", "4-items"), "the waiting node writes at once");
    }

    /** Another node's whole write, once the wanted lease ended, leaves the mark for the rest of the wait. */
    @Test
    public void aWholeWriteOfAnotherNodeKeepsTheMark() throws InterruptedException
    {
        assertEquals(6L, write("update", "nodeA", true, 200, "v1", "v2", "cart", "2-items"), "a short lease");
        assertEquals(SessionScripts.Write.LEASED, SessionScripts.Write.of(write("update", "nodeB", true, 0, "v2", "v3", "cart", "3-items")));
        String wanted = stored("#lease");
        Await.until("the lease to end", TIMEOUT, () -> Long.valueOf(1).equals(write("replace", "nodeC", true, LONG_LEASE_MS, "v2", "v3",
            "cart", "3-items")));
        assertEquals(wanted, stored("#lease"), "the hash went, the mark stays");
    }

    @Test
    public void anInvalidationByAnotherNodeWaitsForTheLease()
    {
        Object refused = delete("nodeB");
        assertEquals("nodeA", SessionScripts.leaseRefusal(refused).holder());
        assertTrue(redis.exists(keys.session("s")));
        assertFalse(redis.exists(keys.tombstone("s")));
        assertEquals(1L, SessionScripts.deletion(delete("nodeA")).result(), "the holder's own goes through");
        assertFalse(redis.exists(keys.session("s")));
    }

    @Test
    public void aDeletionWithoutATokenIgnoresLeases()
    {
        assertNull(SessionScripts.leaseRefusal(delete(null)));
        assertFalse(redis.exists(keys.session("s")));
    }

    @Test
    public void aWholeWriteByAnotherNodeIsAChange()
    {
        Object reply = write("replace", "nodeB", false, 0, "v1", "v2", "cart", "2-items");
        assertEquals(SessionScripts.Write.LEASED, SessionScripts.Write.of(reply), "a replace is a change, whatever the flag says");
    }
}
