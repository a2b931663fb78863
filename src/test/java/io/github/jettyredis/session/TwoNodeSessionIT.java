// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Jetty servers sharing one Redis, over real HTTP: the behaviours that let any node serve any request.
 * The Redis is this class's own, so its command statistics are ours alone.
 */
public class TwoNodeSessionIT
{
    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    private JettyNode node(String name, JettyNode.Cache cache) throws Exception
    {
        return node(name, cache, 0);
    }

    private JettyNode node(String name, JettyNode.Cache cache, int savePeriodSec) throws Exception
    {
        return cluster.start(name, cache, node -> node.sessions().setSavePeriodSec(savePeriodSec));
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aSessionMadeOnOneNodeIsReadAndChangedOnTheOther(JettyNode.Cache cache) throws Exception
    {
        JettyNode a = node("nodeA", cache);
        JettyNode b = node("nodeB", cache);
        cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=colour&value=red"));
        assertEquals("red", cluster.get(b.url("op=get&name=colour")));
        cluster.get(b.url("op=set&name=colour&value=blue"));
        // A DefaultSessionCache node keeps serving its own copy: see CoherentCacheIT.
        if (cache != JettyNode.Cache.DEFAULT)
            assertEquals("blue", cluster.get(a.url("op=get&name=colour")));
    }

    @Test
    public void aWebappClassStoredOnOneNodeIsReadOnTheOtherThroughTheWebappClassLoader() throws Exception
    {
        JettyNode a = node("nodeA", JettyNode.Cache.NULL);
        JettyNode b = node("nodeB", JettyNode.Cache.NULL);
        cluster.get(a.url("op=create"));
        cluster.get(a.url("op=foo&i=42"));
        assertEquals("42 true", cluster.get(b.url("op=readfoo")));
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void invalidationOnOneNodeIsSeenAtOnceByTheOther(JettyNode.Cache cache) throws Exception
    {
        JettyNode a = node("nodeA", cache);
        JettyNode b = node("nodeB", cache);
        String id = cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=k&value=v"));
        assertEquals("v", cluster.get(b.url("op=get&name=k")));

        cluster.get(a.url("op=invalidate"));
        assertFalse(cluster.redis().exists(cluster.keys().session(id)));
        // NullSessionCache reads Redis on every request; the others drop their copy on the deletion broadcast,
        // which arrives while A's response is on its way. Asked without a request of B's, which would drop a copy
        // by itself (its save finds the session deleted) after serving it once.
        Await.until("B drops its copy", Duration.ofSeconds(2), () -> !b.holdsInMemory(id));
        assertEquals("none", cluster.get(b.url("op=get&name=k")), "B no longer serves the session");
        // A save of B's would happen as its request leaves, after B answered.
        cluster.awaitIdle();
        assertFalse(cluster.redis().exists(cluster.keys().session(id)), "B's request did not re-create the session");
        assertEquals(1, cluster.destroyedCount(id), "sessionDestroyed fires once, on the node that invalidated");
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void changeSessionIdOnOneNodeWorksOnTheOtherWithoutRename(JettyNode.Cache cache) throws Exception
    {
        JettyNode a = node("nodeA", cache);
        JettyNode b = node("nodeB", cache);
        String oldId = cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=k&value=kept"));
        String newId = cluster.get(a.url("op=renew"));
        assertNotEquals(oldId, newId);

        assertEquals("kept", cluster.get(b.url("op=get&name=k")));
        assertFalse(cluster.redis().exists(cluster.keys().session(oldId)), "the old id is gone");
        assertTrue(cluster.redis().exists(cluster.keys().session(newId)));
        assertNull(cluster.redis().zscore(cluster.keys().expiryIndex(), SessionKeys.bytes(oldId)));
        String commandStats = cluster.redis().info("commandstats");
        assertFalse(commandStats.contains("cmdstat_rename"), commandStats);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 30})
    public void aTimeoutSetAtRunTimeOnOneNodeIsHonouredEverywhereAndTheTtlFollowsAtOnce(int savePeriodSec) throws Exception
    {
        JettyNode a = node("nodeA", JettyNode.Cache.NULL, savePeriodSec);
        JettyNode b = node("nodeB", JettyNode.Cache.NULL, savePeriodSec);
        String id = cluster.get(a.url("op=create&ttl=600"));
        long margin = a.store().getTtlMarginMs();
        // Shorten, lengthen, shorten again, alternating nodes; then immortal, then mortal again.
        int[] intervals = {60, 7200, 5, -1, 300};
        for (int i = 0; i < intervals.length; i++)
        {
            JettyNode setter = i % 2 == 0 ? a : b;
            JettyNode reader = i % 2 == 0 ? b : a;
            int n = intervals[i];
            assertEquals("ok", cluster.get(setter.url("op=ttl&n=" + n)));
            Await.until("TTL follows interval " + n, Duration.ofSeconds(5), () -> ttlMatches(id, n, margin));
            assertEquals(Integer.toString(n), cluster.get(reader.url("op=interval")), "the other node honours it");
            // Its save as it leaves must not land after the next change.
            reader.awaitIdle();
        }
    }

    private boolean ttlMatches(String id, int intervalSec, long marginMs)
    {
        long pttl = cluster.redis().pttl(cluster.keys().session(id));
        if (intervalSec <= 0)
            return pttl == -1;
        long expected = TimeUnit.SECONDS.toMillis(intervalSec) + marginMs;
        return pttl <= expected && pttl > expected - 5_000;
    }

    @Test
    public void anOperatorChangesASessionsTimeoutById() throws Exception
    {
        JettyNode a = node("nodeA", JettyNode.Cache.NULL);
        JettyNode b = node("nodeB", JettyNode.Cache.NULL);
        String id = cluster.get(a.url("op=create&ttl=600"));
        // A request's last save, as it leaves, must not land after the operator's change.
        a.awaitIdle();
        assertTrue(b.store().getOperations().setSessionMaxInactiveInterval(id, 42));
        assertTrue(ttlMatches(id, 42, b.store().getTtlMarginMs()));
        assertEquals("42", cluster.get(a.url("op=interval")));
        a.awaitIdle();
        assertTrue(b.store().getOperations().setSessionMaxInactiveInterval(id, 0));
        assertEquals(-1, cluster.redis().pttl(cluster.keys().session(id)));
        assertFalse(b.store().getOperations().setSessionMaxInactiveInterval("no-such-session", 10));
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aSessionKeptBusyOnOneNodeIsNeverExpiredByTheOthersScavenger(JettyNode.Cache cache) throws Exception
    {
        JettyNode a = node("nodeA", cache);
        JettyNode b = node("nodeB", cache);
        String id = cluster.get(a.url("op=create&ttl=2"));
        cluster.get(a.url("op=set&name=k&value=busy"));
        // A user keeps using the session on B until both scavengers have run six whole cycles since: three
        // of the session's intervals, in each of which A would expire a session that merely looked idle to it.
        JettyNode.ScavengeMark onA = a.markScavenges();
        JettyNode.ScavengeMark onB = b.markScavenges();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!onA.passed(6) || !onB.passed(6))
        {
            assertTrue(System.nanoTime() < deadline, "both scavengers ran six cycles within a minute");
            assertEquals("busy", cluster.get(b.url("op=get&name=k")));
            // The user's pace, not a wait for a condition: a request every 400 ms keeps the session well
            // within its 2 s interval without flooding the machine with requests.
            TimeUnit.MILLISECONDS.sleep(400);
        }
        assertEquals(0, cluster.destroyedCount(id));
        assertTrue(cluster.redis().exists(cluster.keys().session(id)));
    }

    @Test
    public void orphansOfAStoppedNodeAreExpiredByTheOtherWithListenersAndLeaveNothingBehind() throws Exception
    {
        JettyNode a = node("nodeA", JettyNode.Cache.DEFAULT);
        JettyNode b = node("nodeB", JettyNode.Cache.DEFAULT);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            cluster.client().getHttpCookieStore().clear();
            ids.add(cluster.get(a.url("op=create&ttl=1")));
        }
        a.close(); // node A is gone, its sessions still in Redis

        Await.until("B expires A's sessions", Duration.ofSeconds(20), () -> ids.stream().allMatch(id -> cluster.destroyedCount(id) == 1));
        for (String id : ids)
        {
            assertFalse(cluster.redis().exists(cluster.keys().session(id)), id);
            assertNull(cluster.redis().zscore(cluster.keys().expiryIndex(), SessionKeys.bytes(id)), id);
        }
    }

    @Test
    public void sessionsThatExpireWhileNoNodeHoldsThemAreDestroyedExactlyOnce() throws Exception
    {
        JettyNode a = node("nodeA", JettyNode.Cache.NULL);
        JettyNode b = node("nodeB", JettyNode.Cache.NULL);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            cluster.client().getHttpCookieStore().clear();
            ids.add(cluster.get((i % 2 == 0 ? a : b).url("op=create&ttl=1")));
        }
        Await.until("every session destroyed", Duration.ofSeconds(20), () -> ids.stream().allMatch(id -> cluster.destroyedCount(id) >= 1));
        // Both scavengers keep running: watch three more whole cycles of each for a second firing.
        cluster.awaitScavenges(3);
        for (String id : ids)
            assertEquals(1, cluster.destroyedCount(id), "sessionDestroyed of " + id);
        assertEquals(0, cluster.redis().zcount(cluster.keys().expiryIndex(), Double.NEGATIVE_INFINITY, Double.MAX_VALUE), "no session left in the index");
        System.out.printf("sessionDestroyed per expired session across 2 nodes: %.2f (%d sessions)%n",
            ids.stream().mapToInt(cluster::destroyedCount).average().orElse(0), ids.size());
    }
}
