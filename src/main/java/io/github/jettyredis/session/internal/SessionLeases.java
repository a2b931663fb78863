// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The leases of one context's store: what lets a node whose sessions' requests come to it (a load balancer
 * with affinity) use the copies it holds without asking Redis first, and still never use one older than
 * what Redis holds.
 *
 * <p>A lease is a field of the session's hash ({@code #lease}: the holder's token and its end, by Redis's
 * clock), granted by a write or a check of the node whose copy is what Redis holds (same content version) and
 * that asks for one. While it lives, every other node's change of the session (a write that changes the
 * content, an invalidation, a new id) is refused by the script: that node asks the holder to give the
 * lease up (a message on the context's deletion channel), and writes again once it did, or once the lease
 * ended. So nothing changes the session behind the holder's back, and the holder, which ends its own use a
 * tenth of the lease early by its own clock (its lease began no earlier than it asked), needs no round trip
 * before a request uses its copy: its one round trip is the save, which renews the lease once half of it is
 * gone.</p>
 *
 * <p>A copy asks for a lease only after a check found it current (requests keep coming to this node), or
 * for a session made here; not for one read from Redis or found changed by another node, so sessions whose
 * requests alternate between nodes never make them wait for each other; and not for a lease's length after
 * it gave one up. A lease is asked for and used only while the deletion listener listens (a connection lost
 * or made again voids them all: Redis may have restarted without them, and this node could not have been
 * asked to give them up) and while Redis answers.</p>
 */
public final class SessionLeases
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionLeases.class);
    /** The first wait of a node whose change a lease refused, doubled at each refusal up to {@link #MAX_POLL_MS}. */
    private static final long FIRST_POLL_MS = 1;
    private static final long MAX_POLL_MS = 50;
    /** How many refusals by the same holder a waiting node lets pass before it asks the holder again. */
    private static final int ASK_AGAIN_EVERY = 10;

    private final String token;
    private final SessionKeys keys;
    private final RedisCalls calls;
    private final HeldSessions held;
    private final long leaseMs;
    private final long usableNanos;
    /** Changes whenever the deletion listener lost or made its connection: leases granted before are void. */
    private final AtomicLong epoch = new AtomicLong();
    /** When ({@link System#nanoTime()}) the epoch last changed: set just before it changes. */
    private volatile long epochChangedAt = System.nanoTime();
    private volatile boolean granting;
    /** Whether the deletion listener listens now: only then can another node ask this one to give a lease up. */
    private volatile boolean listening;

    /**
     * @param token the store's lease token (its claimant: unique to this store instance)
     * @param keys the context's keys
     * @param calls the store's calls
     * @param held the sessions the context's cache holds
     * @param leaseMs how long a lease lasts; 0 for none (the node never asks for one)
     */
    public SessionLeases(String token, SessionKeys keys, RedisCalls calls, HeldSessions held, long leaseMs)
    {
        this.token = token;
        this.keys = keys;
        this.calls = calls;
        this.held = held;
        this.leaseMs = leaseMs;
        this.usableNanos = TimeUnit.MILLISECONDS.toNanos(leaseMs - leaseMs / 10);
    }

    /** @param granting whether this node asks for leases from now on (its cache keeps sessions and is told of deletions) */
    public void setGranting(boolean granting)
    {
        this.granting = granting && leaseMs > 0;
    }

    /** @return how long a lease this node asks for lasts, in ms; 0 when it asks for none */
    public long leaseMs()
    {
        return granting ? leaseMs : 0;
    }

    /**
     * A node that holds a live lease on the session renews it only once half of it is gone: until then its
     * saves leave it as it is, and Redis runs three commands less for each (the version read, its clock, the
     * lease written).
     *
     * @param data the session's data, before the write
     * @param mode the write's mode ({@link SessionScripts#WRITE})
     * @return what a write of the session asks of leases
     */
    public SessionScripts.LeaseRequest forWrite(SessionData data, String mode)
    {
        if (!asks() || SessionScripts.RESTORE.equals(mode) || !(data instanceof StoredSessionData copy))
            return SessionScripts.LeaseRequest.none(token);
        if (SessionScripts.CREATE.equals(mode))
            return SessionScripts.LeaseRequest.asking(token, leaseMs);
        // Only an update: a whole write replaces the hash, its lease field with it.
        if (SessionScripts.UPDATE.equals(mode) && holds(copy, System.nanoTime() + usableNanos / 2))
            return SessionScripts.LeaseRequest.keeping(token);
        if (!copy.isLeaseWanted() || copy.getStoredVersion() == null || isCoolingDown(copy))
            return SessionScripts.LeaseRequest.none(token);
        return SessionScripts.LeaseRequest.asking(token, leaseMs);
    }

    /**
     * @param copy a held copy about to be checked against Redis
     * @return what the check asks of leases
     */
    public SessionScripts.LeaseRequest forCheck(StoredSessionData copy)
    {
        if (!asks() || !copy.isLeaseWanted() || isCoolingDown(copy))
            return SessionScripts.LeaseRequest.none(token);
        return SessionScripts.LeaseRequest.asking(token, leaseMs);
    }

    /**
     * A lease taken while no one could ask for it back would make another node's change of the session wait
     * until it ends: none is asked for until the deletion listener listens.
     */
    private boolean asks()
    {
        return granting && listening;
    }

    private boolean isCoolingDown(StoredSessionData copy)
    {
        long revoked = copy.getLeaseRevokedAt();
        return revoked != 0 && System.nanoTime() - revoked < TimeUnit.MILLISECONDS.toNanos(leaseMs);
    }

    /**
     * Records what a write or check got of leases.
     *
     * @param id the session id
     * @param copy the held copy
     * @param request what the write or check asked of leases
     * @param current whether Redis holds the copy now: the write went through, or the check found it current
     * @param granted whether Redis granted the lease asked for
     * @param askedAt when ({@link System#nanoTime()}) the write or check was sent
     */
    public void answered(String id, StoredSessionData copy, SessionScripts.LeaseRequest request, boolean current, boolean granted,
                         long askedAt)
    {
        if (request.keepsHeld() && current)
            return;
        if (!granted)
        {
            copy.endLease();
            return;
        }
        // Read before the epoch's change time, which is set before the epoch changes: a lease held under it was
        // asked for under it.
        long askedEpoch = epoch.get();
        // A change in the same tick as the ask counts as after it: nanoTime may be coarse.
        if (epochChangedAt - askedAt >= 0 || !granting)
        {
            // Asked for before the listener lost (or made) its connection, or before the node stopped asking:
            // another node may not have been able to ask for it back, so it is not used, and given back.
            copy.endLease();
            release(id);
            return;
        }
        // Given up while the request was on its way: Redis granted a lease that another node waits for.
        if (!copy.holdLeaseUnlessRevokedSince(askedAt, askedAt + usableNanos, askedEpoch))
            release(id);
        else if (!granting)
        {
            // The node stopped asking meanwhile, and its stop may have given its leases up before this one was held.
            copy.endLease();
            release(id);
        }
    }

    /**
     * @param copy a held copy about to be used by a request
     * @return whether this node holds a live lease on it: the copy is what Redis holds, without asking
     */
    public boolean holds(StoredSessionData copy)
    {
        return holds(copy, System.nanoTime());
    }

    private boolean holds(StoredSessionData copy, long until)
    {
        return granting && copy.getLeaseEpoch() == epoch.get() && copy.hasLeaseAfter(until) && !calls.availability().isDown();
    }

    /**
     * Another node asked for this node's lease on a session: the held copy stops using it, then Redis is told,
     * so that the other node's change, once made, is checked for by this node's next request. Called by the
     * deletion listener's thread.
     *
     * @param id the session id
     */
    public void revoked(String id)
    {
        ManagedSession session = held.find(id);
        if (session != null && session.getSessionData() instanceof StoredSessionData copy)
            copy.revokeLease(System.nanoTime());
        release(id);
    }

    private void release(String id)
    {
        try
        {
            calls.run(redis -> SessionScripts.RELEASE_LEASE.run(redis, SessionScripts.releaseArgs(keys, id, token)));
        }
        catch (JedisException e)
        {
            // It ends by itself; the node that asked for it waits until then.
            LOG.debug("Cannot give up the lease on session {} of {}: {}", LoggedId.of(id), keys.context(), e.toString());
        }
    }

    /**
     * The deletion listener subscribed, at first or after it lost its connection: leases taken before are void
     * (Redis may have lost them meanwhile, and this node could not have been asked to give them up), and this
     * node asks for leases from now on.
     */
    public void listenerListening()
    {
        epochChangedAt = System.nanoTime();
        epoch.incrementAndGet();
        listening = true;
    }

    /**
     * A Redis that may not be the master answered this node ({@link RedisFailure#NOT_THE_MASTER}): the node may be
     * talking to a master a failover demoted, whose leases the new master need not have, and where other nodes'
     * messages asking for them need not come. The leases taken so far are void; new ones are asked for as before.
     */
    public void answeredNotByTheMaster()
    {
        epochChangedAt = System.nanoTime();
        epoch.incrementAndGet();
    }

    /** The deletion listener lost its connection: no lease is used or asked for until it listens again. */
    public void listenerLost()
    {
        listening = false;
        epochChangedAt = System.nanoTime();
        epoch.incrementAndGet();
    }

    /**
     * Waits after a change of this node was refused for another node's lease: asks the holder to give it up
     * (at the first refusal by that holder, and again every {@value #ASK_AGAIN_EVERY}), then waits a little
     * longer at each refusal, never past the lease's end by Redis's clock.
     *
     * @param id the session id
     * @param refusal what the script replied
     * @param refusals how many times this change was refused before
     * @param lastHolder the holder that refused it last, or null
     */
    public void awaitRelease(String id, SessionScripts.LeaseRefusal refusal, int refusals, String lastHolder)
    {
        // Asked again now and then: the holder may have taken a new lease meanwhile (a save on its way).
        if (!refusal.holder().equals(lastHolder) || refusals % ASK_AGAIN_EVERY == 0)
        {
            LOG.debug("Session {} of {} is leased by another node for {} ms more: asking it to give the lease up", LoggedId.of(id),
                keys.context(), refusal.waitMs());
            byte[] message = DeletionListener.revocation(refusal.holder(), id);
            calls.run(redis -> redis.publish(keys.deletionChannel().getBytes(StandardCharsets.UTF_8), message));
        }
        long pollMs = Math.min(MAX_POLL_MS, FIRST_POLL_MS << Math.min(refusals, 6));
        try
        {
            Thread.sleep(Math.max(1, Math.min(pollMs, refusal.waitMs())));
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for another node's lease on session " + LoggedId.of(id), e);
        }
    }

    /** Asks for no more leases, and gives up those this node holds (it stops: others need not wait for them). */
    public void stop()
    {
        granting = false;
        long now = System.nanoTime();
        Set<String> leased = new HashSet<>();
        for (String id : held.ids())
        {
            ManagedSession session = held.find(id);
            if (session != null && session.getSessionData() instanceof StoredSessionData copy && copy.hasLeaseAfter(now))
            {
                copy.endLease();
                leased.add(id);
            }
        }
        epoch.incrementAndGet();
        if (leased.isEmpty())
            return;
        try
        {
            calls.run(redis ->
            {
                Map<byte[][], Response<Object>> replies = new LinkedHashMap<>();
                try (AbstractPipeline pipeline = redis.pipelined())
                {
                    for (String id : leased)
                    {
                        byte[][] args = SessionScripts.releaseArgs(keys, id, token);
                        replies.put(args, SessionScripts.RELEASE_LEASE.queue(pipeline, args));
                    }
                    pipeline.sync();
                }
                // Each read: a Redis that did not have the script yet runs it from its source then.
                replies.forEach((args, reply) -> SessionScripts.RELEASE_LEASE.result(reply, redis, args));
                return null;
            });
        }
        catch (JedisException e)
        {
            LOG.debug("Cannot give up the leases of {}: they end by themselves: {}", keys.context(), e.toString());
        }
    }

    /** @return how many times leases were voided so far (see {@link #listenerListening}, {@link #listenerLost}) */
    public long epoch()
    {
        return epoch.get();
    }
}
