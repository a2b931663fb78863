// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.TestExecutors;
import org.eclipse.jetty.session.SessionIdManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may expire a session, and when: never while it lives (another node may be serving it), exactly once
 * when it dies, whatever the nodes hold in memory and whatever else sits in the index.
 */
public class ExpiryOwnershipIT
{
    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    @RegisterExtension
    final TestExecutors executors = new TestExecutors();

    @Test
    public void aNodeHoldingAnOldCopyNeverExpiresASessionAnotherNodeIsServing() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.DEFAULT);
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.DEFAULT);
        String id = cluster.get(a.url("op=create&ttl=8"));
        cluster.awaitIdle();
        // The session is about to expire when B takes it (less than half its 8 s left, so B tells Redis it
        // serves it now). B's request then holds it for about 3 s of A's scavenges, well inside the 8 s that
        // B's takeover gave it: a request longer than the timeout is not this test's case.
        long expiry = a.store().load(id).getExpiry();
        Await.until("the session is close to its expiry", Duration.ofSeconds(10), () -> expiry - System.currentTimeMillis() < 3000);
        Future<String> onB = executors.newPool(1).submit(() -> cluster.get(b.url("op=hold&name=k&value=v")));
        assertTrue(b.hold().awaitEntered(Duration.ofSeconds(10)));
        // A's copy expires while B's request holds the session; A's scavenger runs several times meanwhile.
        Await.until("A's copy has expired", Duration.ofSeconds(5), () -> System.currentTimeMillis() > expiry);
        a.awaitScavenges(3);
        assertEquals(0, cluster.destroyedCount(id), "nobody expired the session B is serving");
        assertTrue(cluster.redis().exists(cluster.keys().session(id)));

        b.hold().release();
        assertEquals("ok", onB.get(10, TimeUnit.SECONDS));
        cluster.awaitIdle();
        assertEquals("v", cluster.get(b.url("op=get&name=k")));
        assertEquals(0, cluster.destroyedCount(id));
    }

    @Test
    public void aSessionBothNodesHoldIsDestroyedOnceWhenNoDeletionMessageGetsThrough() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.DEFAULT, node -> node.sessions().setBroadcastInvalidation(false));
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.DEFAULT, node -> node.sessions().setBroadcastInvalidation(false));
        String id = cluster.get(a.url("op=create&ttl=1"));
        cluster.get(b.url("op=touch"));
        cluster.awaitIdle();

        Await.until("the session is destroyed", Duration.ofSeconds(20), () -> cluster.destroyedCount(id) > 0);
        cluster.awaitScavenges(3);
        assertEquals(1, cluster.destroyedCount(id));
    }

    @Test
    public void theKeyOutlivesTheSessionUntilEveryScavengerHasHadItsChance() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.NULL, node ->
        {
            try
            {
                node.server().getBean(SessionIdManager.class).getSessionHouseKeeper().setIntervalSec(90);
            }
            catch (Exception e)
            {
                throw new IllegalStateException(e);
            }
        });
        String id = cluster.get(a.url("op=create&ttl=1"));
        cluster.awaitIdle();
        long scavengeMs = TimeUnit.SECONDS.toMillis(90);
        assertTrue(a.store().getTtlMarginMs() > scavengeMs, "margin " + a.store().getTtlMarginMs());
        long pttl = cluster.redis().pttl(cluster.keys().session(id));
        assertTrue(pttl > 1000 + scavengeMs, "TTL " + pttl + " ms must outlive the session by a scavenge interval");
    }

    @Test
    public void oneForeignKeyInTheIndexCostsOnlyItself() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.NULL);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            cluster.client().getHttpCookieStore().clear();
            ids.add(cluster.get(a.url("op=create&ttl=1")));
        }
        cluster.awaitIdle();
        // Something that is not a session hash under a session key, its id in the index.
        cluster.redis().set(cluster.keys().session("poison"), new byte[]{'x'});
        cluster.redis().zadd(cluster.keys().expiryIndex(), 1, SessionKeys.bytes("poison"));

        // The listener fires before the session is deleted: wait for both.
        Await.until("every session is expired with its listener, and deleted", Duration.ofSeconds(20),
            () -> ids.stream().allMatch(id -> cluster.destroyedCount(id) == 1 && !cluster.redis().exists(cluster.keys().session(id))));
        assertTrue(cluster.redis().exists(cluster.keys().session("poison")), "not ours to delete");
    }
}
