// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a node does with the answer to a write or check that asked for a lease ({@link SessionLeases#answered}),
 * on the shared test server, under a prefix of its own: the interleavings that two real nodes cannot be made
 * to hit on purpose.
 */
public class SessionLeasesTest
{
    private static final long LEASE_MS = 60_000;

    private final UnifiedJedis redis = RedisTestServer.shared().newClient();
    private final SessionKeys keys = new SessionKeys(RedisTestServer.uniquePrefix(), "_app", "0.0.0.0");
    private final RedisAvailability availability = new RedisAvailability(redis, "test");
    private final SessionLeases leases = new SessionLeases("nodeA", keys, new RedisCalls(redis, availability, failure -> { },
        new SharedPipelines(0)), null, LEASE_MS);
    private final StoredSessionData copy = new StoredSessionData("s", "/app", "0.0.0.0", 1, 1, 1, 60_000);
    private final SessionScripts.LeaseRequest asked = SessionScripts.LeaseRequest.asking("nodeA", LEASE_MS);

    @AfterEach
    public void close()
    {
        redis.del(keys.session("s"));
        availability.close();
        redis.close();
    }

    /** The node asks for leases, and its deletion listener listens, as a started node's does. */
    private void grantingAndListening()
    {
        leases.setGranting(true);
        leases.listenerListening();
    }

    /** Redis holds the session with this node's lease, as a write that asked for one leaves it. */
    private void leasedInRedis()
    {
        long now = (Long)redis.eval("local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000)");
        redis.hset(keys.session("s"), Map.of(SessionKeys.bytes("#version"), SessionKeys.bytes("v1"),
            SessionKeys.bytes("#lease"), SessionKeys.bytes("nodeA@" + (now + LEASE_MS))));
    }

    @Test
    public void aGrantedLeaseIsUsedUntilAlmostItsEnd()
    {
        grantingAndListening();
        leasedInRedis();
        long asked = System.nanoTime();
        leases.answered("s", copy, this.asked, true, true, asked);
        assertTrue(leases.holds(copy));
        assertTrue(copy.isLeaseWanted(), "its next writes renew it");
        assertFalse(copy.hasLeaseAfter(asked + LEASE_MS * 1_000_000 * 9 / 10), "used a tenth less than it lasts, from before it was asked");
    }

    /**
     * The deletion listener lost its connection (and made a new one) while a save that asked for a lease was on
     * its way: Redis may have lost the leases meanwhile (a restart, a failover), and another node changed the
     * session without asking this one. The lease granted is not used, and given back. It used to be held under the
     * new epoch, so the node served its copy unasked for most of a lease.
     */
    @Test
    public void aLeaseAskedForBeforeTheListenerLostItsConnectionIsNotUsed()
    {
        grantingAndListening();
        leasedInRedis();
        long asked = System.nanoTime();
        leases.listenerLost();
        leases.listenerListening();
        leases.answered("s", copy, this.asked, true, true, asked);
        assertFalse(leases.holds(copy));
        assertNull(redis.hget(keys.session("s"), SessionKeys.bytes("#lease")), "given back");
    }

    @Test
    public void aLeaseGrantedAfterTheNodeStoppedAskingIsGivenBack()
    {
        grantingAndListening();
        leasedInRedis();
        long asked = System.nanoTime();
        leases.setGranting(false);
        leases.answered("s", copy, this.asked, true, true, asked);
        assertNull(redis.hget(keys.session("s"), SessionKeys.bytes("#lease")), "no other node waits for it");
    }

    /**
     * Another node asked for the lease while this node's save, which asked for one, was on its way: Redis may
     * have granted it after the node gave it up, and the other node waits for it. It is given up again at once.
     */
    @Test
    public void aLeaseGrantedAfterTheNodeGaveItUpIsGivenUpAgain()
    {
        grantingAndListening();
        leasedInRedis();
        long asked = System.nanoTime();
        copy.revokeLease(System.nanoTime());
        leases.answered("s", copy, this.asked, true, true, asked);
        assertFalse(leases.holds(copy));
        assertNull(redis.hget(keys.session("s"), SessionKeys.bytes("#lease")), "given up in Redis");
        assertFalse(copy.isLeaseWanted());
        assertEquals(SessionScripts.LeaseRequest.none("nodeA"), leases.forWrite(copy, SessionScripts.UPDATE), "and not asked for again for a while");
    }

    @Test
    public void anAnswerWithoutALeaseEndsTheOneTheCopyHad()
    {
        grantingAndListening();
        leases.answered("s", copy, asked, true, true, System.nanoTime());
        leases.answered("s", copy, asked, true, false, System.nanoTime());
        assertFalse(leases.holds(copy));
    }

    /**
     * A holder's saves leave its lease as it is until half of it is gone (Redis then runs no lease commands
     * for them), and renew it from then on; a whole write always asks again (it replaces the hash, the lease
     * field with it).
     */
    @Test
    public void aHolderRenewsItsLeaseOnlyOnceHalfOfItIsGone()
    {
        grantingAndListening();
        copy.setStoredVersion("v1");
        long asked = System.nanoTime();
        leases.answered("s", copy, this.asked, true, true, asked);
        SessionScripts.LeaseRequest save = leases.forWrite(copy, SessionScripts.UPDATE);
        assertEquals(SessionScripts.LeaseRequest.keeping("nodeA"), save);
        leases.answered("s", copy, save, true, false, System.nanoTime());
        assertTrue(leases.holds(copy), "a save that kept the lease leaves it held");
        assertEquals(this.asked, leases.forWrite(copy, SessionScripts.REPLACE));

        // The same lease, as if it had been granted half a lease ago (answered() takes no grant asked for before
        // the listener's connection, which this test made a moment ago).
        long halfGone = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(LEASE_MS / 2);
        assertTrue(copy.holdLeaseUnlessRevokedSince(halfGone, halfGone + TimeUnit.MILLISECONDS.toNanos(LEASE_MS * 9 / 10),
            copy.getLeaseEpoch()));
        assertTrue(leases.holds(copy), "still held, with less than half of it left");
        assertEquals(this.asked, leases.forWrite(copy, SessionScripts.UPDATE), "renewed once half of it is gone");
    }

    /** A save that kept the lease but found the session gone from Redis (lost, or deleted) ends the lease. */
    @Test
    public void aKeptLeaseEndsWhenTheSaveFindsTheSessionGone()
    {
        grantingAndListening();
        leases.answered("s", copy, asked, true, true, System.nanoTime());
        leases.answered("s", copy, SessionScripts.LeaseRequest.keeping("nodeA"), false, false, System.nanoTime());
        assertFalse(leases.holds(copy));
    }

    @Test
    public void aLostListenerConnectionVoidsTheLease()
    {
        grantingAndListening();
        leases.answered("s", copy, asked, true, true, System.nanoTime());
        leases.listenerLost();
        assertFalse(leases.holds(copy));
    }

    /**
     * A lease taken while the deletion listener does not listen could not be asked back: another node's change
     * of the session would wait until it ends. None is asked for before the listener listens, nor after it lost
     * its connection until it listens again.
     */
    @Test
    public void noLeaseIsAskedForWhileTheListenerDoesNotListen()
    {
        leases.setGranting(true);
        copy.setStoredVersion("v1");
        copy.setLeaseWanted(true);
        SessionScripts.LeaseRequest none = SessionScripts.LeaseRequest.none("nodeA");
        assertEquals(none, leases.forWrite(copy, SessionScripts.CREATE), "before the listener listens");
        assertEquals(none, leases.forCheck(copy), "before the listener listens");

        leases.listenerListening();
        assertEquals(SessionScripts.LeaseRequest.asking("nodeA", LEASE_MS), leases.forWrite(copy, SessionScripts.CREATE));
        assertEquals(asked, leases.forCheck(copy));

        leases.listenerLost();
        assertEquals(none, leases.forWrite(copy, SessionScripts.CREATE), "after the listener lost its connection");
        assertEquals(none, leases.forCheck(copy), "after the listener lost its connection");
    }
}
