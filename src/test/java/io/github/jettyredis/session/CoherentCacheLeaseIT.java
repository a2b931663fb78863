// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coherent cache's leases ({@code jetty.session.redis.leaseMs}): a node whose session's requests keep
 * coming to it uses its copy without asking Redis, and still every request, on any node, sees the previous
 * one's change. The nodes hear deletion broadcasts, as they do by default: that is how a lease's holder is
 * asked to give it up.
 */
public class CoherentCacheLeaseIT
{
    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    private JettyNode start(String name, JettyNode.Cache cache) throws Exception
    {
        return start(name, cache, node -> {});
    }

    /**
     * Starts a node and waits until its deletion listener listens: until then the node asks for no lease (it
     * could not be asked to give one up), and its first requests would be checked, not leased.
     */
    private JettyNode start(String name, JettyNode.Cache cache, Consumer<JettyNode> configure) throws Exception
    {
        JettyNode node = cluster.start(name, cache, configure);
        Await.until(name + " listens for deletions", Duration.ofSeconds(10), () -> node.store().getLeaseEpoch() >= 1);
        return node;
    }

    private static RedisSessionCache cache(JettyNode node)
    {
        return (RedisSessionCache)node.webapp().getSessionHandler().getSessionCache();
    }

    private String get(String url)
    {
        try
        {
            return cluster.get(url);
        }
        catch (Exception e)
        {
            throw new AssertionError(url, e);
        }
    }

    private static void awaitIdle(JettyNode node)
    {
        try
        {
            node.awaitIdle();
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private String lease(String id)
    {
        byte[] lease = cluster.redis().hget(cluster.keys().session(id), SessionKeys.bytes("#lease"));
        return lease == null ? null : new String(lease);
    }

    @Test
    public void requestsThatKeepToOneNodeUseItsCopyWithoutAskingRedis() throws Exception
    {
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS);
        cluster.get(a.url("op=create"));
        for (int i = 1; i <= 5; i++)
            assertEquals(Integer.toString(i), cluster.get(a.url("op=incr&name=n")));
        assertEquals(5, cache(a).getLeasedHits(), "the session made on this node is leased from its first save");
        assertEquals(5, cache(a).getCurrentHits(), "leased uses count as current");
    }

    @Test
    public void aLeaseOfNoneAsksRedisAtEveryRequest() throws Exception
    {
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS, node -> ((RedisSessionCacheFactory)node.cacheFactory()).setLeaseMs(0));
        cluster.get(a.url("op=create"));
        for (int i = 1; i <= 3; i++)
            assertEquals(Integer.toString(i), cluster.get(a.url("op=incr&name=n")));
        assertEquals(0, cache(a).getLeasedHits());
        assertEquals(3, cache(a).getCurrentHits(), "each request checked its copy against Redis");
    }

    /**
     * The holder's saves leave its lease as Redis has it until half of it is gone, then renew it, before it
     * runs out: every request of the session uses the copy under the lease.
     */
    @Test
    public void theHoldersSavesRenewItsLeaseOnlyOnceHalfOfItIsGone() throws Exception
    {
        long leaseMs = 4000;
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS, node -> ((RedisSessionCacheFactory)node.cacheFactory()).setLeaseMs((int)leaseMs));
        String id = cluster.get(a.url("op=create"));
        cluster.awaitIdle();
        String granted = lease(id);
        assertNotNull(granted);
        assertEquals("1", cluster.get(a.url("op=incr&name=n")));
        assertEquals("2", cluster.get(a.url("op=incr&name=n")));
        cluster.awaitIdle();
        assertEquals(granted, lease(id), "saves early in the lease leave it as it is");

        int[] requests = {2};
        Await.until("a save renews the lease", Duration.ofMillis(3 * leaseMs), () ->
        {
            requests[0]++;
            assertEquals(Integer.toString(requests[0]), get(a.url("op=incr&name=n")));
            awaitIdle(a);
            return !granted.equals(lease(id));
        });
        assertEquals(requests[0], cache(a).getLeasedHits(), "no request found the lease run out");
    }

    /**
     * With a save period, a request that only reads a leased session costs no round trip: Jetty does not save
     * it, and the lease spares the check. A change made with {@code setAttribute} is still saved at once, and
     * another node sees it at its next request.
     */
    @Test
    public void withASavePeriodARequestThatOnlyReadsALeasedSessionSendsNothing() throws Exception
    {
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS, node -> node.sessions().setSavePeriodSec(60));
        JettyNode b = start("nodeB", JettyNode.Cache.REDIS, node -> node.sessions().setSavePeriodSec(60));
        cluster.get(a.url("op=create"));
        assertEquals("1", cluster.get(a.url("op=incr&name=n")));
        cluster.awaitIdle();
        SessionStoreCounters counters = a.store().getCounters();
        long saves = counters.getSavesWhole() + counters.getSavesDelta() + counters.getSavesSkipped();
        long leased = cache(a).getLeasedHits();
        long current = cache(a).getCurrentHits();

        for (int i = 0; i < 3; i++)
            assertEquals("1", cluster.get(a.url("op=get&name=n")));
        cluster.awaitIdle();
        assertEquals(saves, counters.getSavesWhole() + counters.getSavesDelta() + counters.getSavesSkipped(), "no save asked of the store");
        assertEquals(leased + 3, cache(a).getLeasedHits(), "no check either: the copy was used under its lease");
        assertEquals(current + 3, cache(a).getCurrentHits());

        assertEquals("2", cluster.get(a.url("op=incr&name=n")));
        assertEquals("3", cluster.get(b.url("op=incr&name=n")), "the change was saved at once: the other node sees it");
        assertEquals("4", cluster.get(a.url("op=incr&name=n")));
    }

    /**
     * A node whose deletion listener lost its connection may have missed a request to give a lease up, and
     * Redis may have restarted without its leases: it uses none it took before, and takes a new one at its
     * next check.
     */
    @Test
    public void aLostListenerConnectionVoidsTheNodesLeases() throws Exception
    {
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS);
        cluster.get(a.url("op=create"));
        assertEquals("1", cluster.get(a.url("op=incr&name=n")));
        long leased = cache(a).getLeasedHits();
        assertEquals(1, leased);

        long epoch = a.store().getLeaseEpoch();
        cluster.redis().sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "pubsub");
        // Voided when the connection was lost, and again when the listener listened again.
        Await.until("A listens again", Duration.ofSeconds(10), () -> a.store().getLeaseEpoch() >= epoch + 2);
        long current = cache(a).getCurrentHits();
        assertEquals("2", cluster.get(a.url("op=incr&name=n")));
        assertEquals(leased, cache(a).getLeasedHits(), "the copy was checked, not used under the old lease");
        assertEquals(current + 1, cache(a).getCurrentHits());
        assertEquals("3", cluster.get(a.url("op=incr&name=n")));
        assertEquals(leased + 1, cache(a).getLeasedHits(), "the check took a new lease");
    }

    /** The strict cache uses a copy only once Redis answered for it, so that a stalled Redis is found first. */
    @Test
    public void theStrictCacheTakesNoLease() throws Exception
    {
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS_STRICT);
        String id = cluster.get(a.url("op=create"));
        for (int i = 1; i <= 3; i++)
            assertEquals(Integer.toString(i), cluster.get(a.url("op=incr&name=n")));
        cluster.awaitIdle();
        assertEquals(0, cache(a).getLeasedHits());
        assertNull(lease(id));
    }

    /** Two nodes, and a session made on the first and changed there once: that node holds the session's lease. */
    private record LeasedOnA(JettyNode a, JettyNode b, String id)
    {
    }

    private LeasedOnA leasedOnA() throws Exception
    {
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS);
        JettyNode b = start("nodeB", JettyNode.Cache.REDIS);
        String id = cluster.get(a.url("op=create"));
        assertEquals("1", cluster.get(a.url("op=incr&name=n")));
        cluster.awaitIdle();
        assertNotNull(lease(id), "A holds a lease");
        return new LeasedOnA(a, b, id);
    }

    /**
     * The holder of a lease is asked to give it up when another node changes the session: the change is made
     * once it did, and the holder's next request, which no longer uses its copy unasked, sees it. Then the
     * requests alternate, and each still sees the previous one's change.
     */
    @Test
    public void aChangeOnAnotherNodeWaitsForTheLeaseAndTheHolderSeesItAtItsNextRequest() throws Exception
    {
        LeasedOnA leased = leasedOnA();
        JettyNode a = leased.a();
        JettyNode b = leased.b();
        assertEquals("2", cluster.get(b.url("op=incr&name=n")));
        assertEquals(1, cache(b).getLeaseWaits(), "B's change waited for A's lease");
        assertEquals("3", cluster.get(a.url("op=incr&name=n")));

        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            seen.add(cluster.get((i % 2 == 0 ? b : a).url("op=incr&name=n")));
            cluster.awaitIdle();
        }
        assertEquals(List.of("4", "5", "6", "7", "8", "9"), seen);
        assertEquals(1, cache(a).getLeaseWaits() + cache(b).getLeaseWaits(), "alternating requests take no lease, so wait for none");
    }

    /**
     * A request of the holder is in the session, under the lease, when another node changes it: the holder gives
     * its lease up, the change is made, then the request saves its own change over it. The holder's next request
     * must read the session again, as its copy lacks the other node's change (it used to take its own save's
     * content version for Redis's, and serve the copy from before that change).
     */
    @Test
    public void aHolderWhoseRequestSavedAfterAnotherNodesChangeReadsTheSessionAgain() throws Exception
    {
        LeasedOnA leased = leasedOnA();
        JettyNode a = leased.a();
        JettyNode b = leased.b();
        assertEquals("ok", cluster.whileInTheSession(a, "op=hold&name=other&value=x", () ->
        {
            assertEquals("2", cluster.get(b.url("op=incr&name=n")));
            assertEquals(1, cache(b).getLeaseWaits(), "B's change waited for A's lease");
        }));
        cluster.awaitIdle();
        assertEquals("2", cluster.get(a.url("op=get&name=n")), "A must not serve its copy from before B's change");
        assertEquals("3", cluster.get(a.url("op=incr&name=n")));
        cluster.awaitIdle();
        assertEquals("x", cluster.get(b.url("op=get&name=other")));
        assertEquals("4", cluster.get(b.url("op=incr&name=n")));
    }

    /** A holder that never answers (its node died) holds another node's change up only until its lease ends. */
    @Test
    public void aHolderThatNeverAnswersHoldsAChangeUpOnlyUntilItsLeaseEnds() throws Exception
    {
        LeasedOnA leased = leasedOnA();
        // In place of A's, a lease of a node that is gone, as long as a default one.
        cluster.leaseOfAnotherNode(leased.id(), "gone");

        assertEquals("2", cluster.get(leased.b().url("op=incr&name=n")));
        assertEquals(1, cache(leased.b()).getLeaseWaits());
        assertEquals("3", cluster.get(leased.a().url("op=incr&name=n")), "A's copy, whose lease was not in Redis any more, was checked");
    }

    /**
     * While an invalidation waits for another node's lease, the session lives, and its expiry index entry with
     * it: the scavenger finds the session by it, should the invalidation never go through. The entry used to go
     * with the first, refused, try.
     */
    @Test
    public void aSessionWhoseInvalidationWaitsForALeaseKeepsItsIndexEntry() throws Exception
    {
        LeasedOnA leased = leasedOnA();
        cluster.leaseOfAnotherNode(leased.id(), "gone");
        byte[] member = SessionKeys.bytes(leased.id());
        assertNotNull(cluster.redis().zscore(cluster.keys().expiryIndex(), member));

        CompletableFuture<String> invalidation = CompletableFuture.supplyAsync(() -> get(leased.b().url("op=invalidate")));
        Await.until("the invalidation to be refused by the lease", Duration.ofSeconds(10), () -> cache(leased.b()).getLeaseWaits() == 1);
        assertNotNull(cluster.redis().zscore(cluster.keys().expiryIndex(), member), "the waiting session's index entry");
        assertEquals("ok", invalidation.get(10, TimeUnit.SECONDS));
        assertNull(cluster.redis().zscore(cluster.keys().expiryIndex(), member), "gone with the session");
        assertFalse(cluster.redis().exists(cluster.keys().session(leased.id())));
    }

    /**
     * A change that waits for another node's lease leaves the session in its user's index: a logout everywhere
     * meanwhile must find it. The entry used to be taken out after each refused try (as for a save of a session
     * that is gone), and for good if the change gave up.
     */
    @Test
    public void aChangeWaitingForALeaseLeavesTheSessionInItsUsersIndex() throws Exception
    {
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS, CoherentCacheLeaseIT::indexedByUser);
        JettyNode b = start("nodeB", JettyNode.Cache.REDIS, CoherentCacheLeaseIT::indexedByUser);
        String id = cluster.get(a.url("op=create"));
        assertEquals("ok", cluster.get(a.url("op=set&name=user&value=alice")));
        cluster.awaitIdle();
        byte[] alice = cluster.keys().user(SessionKeys.userToken("alice"));
        byte[] member = SessionKeys.bytes(id);
        assertNotNull(cluster.redis().zscore(alice, member));
        cluster.leaseOfAnotherNode(id, "gone");

        // A new timeout moves the session's expiry, and so its entries in the indexes, with the change.
        CompletableFuture<String> change = CompletableFuture.supplyAsync(() -> get(b.url("op=ttl&n=7200")));
        Await.until("the change to be refused by the lease", Duration.ofSeconds(10), () -> cache(b).getLeaseWaits() == 1);
        assertNotNull(cluster.redis().zscore(alice, member), "the session is still alice's while its change waits");
        assertEquals("ok", change.get(10, TimeUnit.SECONDS));
        assertNotNull(cluster.redis().zscore(alice, member));
        assertEquals("7200", cluster.get(a.url("op=interval")));
    }

    /** Sessions indexed by the user their {@code user} attribute names. */
    private static void indexedByUser(JettyNode node)
    {
        node.sessions().setUserSessions(true);
        node.sessions().setUserAttribute("user");
    }

    /**
     * A logout everywhere whose deletion of a session fails (here a lease that another node keeps renewing, as a
     * node of a build without the wanted mark would) returns, does not count that session, and says so. It used
     * to fail on its next pass, on the session Jetty left invalid in memory; then it counted it as invalidated,
     * and the node failed to stop, on that same invalid session.
     */
    @Test
    public void aLogoutEverywhereThatCannotDeleteASessionReturnsWithoutCountingIt() throws Exception
    {
        JettyNode a = start("nodeA", JettyNode.Cache.REDIS, CoherentCacheLeaseIT::indexedByUser);
        String id = cluster.get(a.url("op=create"));
        assertEquals("ok", cluster.get(a.url("op=set&name=user&value=alice")));
        cluster.awaitIdle();
        byte[] key = cluster.keys().session(id);
        // Taken before the logout begins, then renewed well before its end, as long as the test needs.
        try (AutoCloseable otherNode = cluster.leaseRenewedByAnotherNode(id, "old"))
        {
            assertEquals(0, a.store().getUserSessions().invalidateAll("alice"), "the session is still there");
        }
        assertTrue(cluster.redis().exists(key));
        // Jetty invalidated the object before the deletion failed: it is not kept (nor passivated at stop, which
        // Jetty's cache fails on), and the next request reads what Redis holds.
        assertFalse(a.holdsInMemory(id));
        assertEquals("alice", cluster.get(a.url("op=get&name=user")));
    }

    @Test
    public void anInvalidationOnAnotherNodeIsSeenByTheHolderAtItsNextRequest() throws Exception
    {
        LeasedOnA leased = leasedOnA();
        assertEquals("ok", cluster.get(leased.b().url("op=invalidate")));
        assertEquals(1, cache(leased.b()).getLeaseWaits(), "the invalidation waited for A's lease");
        assertEquals("none", cluster.get(leased.a().url("op=get&name=n")));
        assertEquals(1, cluster.destroyedCount(leased.id()));
    }

    @Test
    public void aNodeThatStopsGivesItsLeasesUp() throws Exception
    {
        LeasedOnA leased = leasedOnA();
        leased.a().server().stop();
        assertNull(lease(leased.id()), "given up as the node stopped");
        assertEquals("2", cluster.get(leased.b().url("op=incr&name=n")));
        assertEquals(0, cache(leased.b()).getLeaseWaits(), "the other node's change did not wait");
    }
}
