// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.Map;

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

    @AfterEach
    public void close()
    {
        redis.del(keys.session("s"));
        availability.close();
        redis.close();
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
        leases.setGranting(true);
        leasedInRedis();
        long asked = System.nanoTime();
        leases.answered("s", copy, true, asked);
        assertTrue(leases.holds(copy));
        assertTrue(copy.isLeaseWanted(), "its next writes renew it");
        assertFalse(copy.hasLeaseAfter(asked + LEASE_MS * 1_000_000 * 9 / 10), "used a tenth less than it lasts, from before it was asked");
    }

    /**
     * Another node asked for the lease while this node's save, which asked for one, was on its way: Redis may
     * have granted it after the node gave it up, and the other node waits for it. It is given up again at once.
     */
    @Test
    public void aLeaseGrantedAfterTheNodeGaveItUpIsGivenUpAgain()
    {
        leases.setGranting(true);
        leasedInRedis();
        long asked = System.nanoTime();
        copy.revokeLease(System.nanoTime());
        leases.answered("s", copy, true, asked);
        assertFalse(leases.holds(copy));
        assertNull(redis.hget(keys.session("s"), SessionKeys.bytes("#lease")), "given up in Redis");
        assertFalse(copy.isLeaseWanted());
        assertEquals(SessionScripts.LeaseRequest.none("nodeA"), leases.forWrite(copy, false, false), "and not asked for again for a while");
    }

    @Test
    public void anAnswerWithoutALeaseEndsTheOneTheCopyHad()
    {
        leases.setGranting(true);
        leases.answered("s", copy, true, System.nanoTime());
        leases.answered("s", copy, false, System.nanoTime());
        assertFalse(leases.holds(copy));
    }

    @Test
    public void aLostListenerConnectionVoidsTheLease()
    {
        leases.setGranting(true);
        leases.answered("s", copy, true, System.nanoTime());
        leases.voidAll();
        assertFalse(leases.holds(copy));
    }
}
