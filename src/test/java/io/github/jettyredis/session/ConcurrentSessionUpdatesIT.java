// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.TestExecutors;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Concurrent requests for the same sessions on two nodes: no update of a different attribute is lost, and
 * no save in flight resurrects a session that another node deleted (forced interleavings, not luck).
 */
public class ConcurrentSessionUpdatesIT
{
    private static final int THREADS_PER_NODE = 16;
    private static final int REQUESTS_PER_THREAD = 25;
    private static final int SESSIONS = 4;

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    // Each request names its session itself: the tests share sessions across threads and nodes.
    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS, client ->
    {
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setMaxConnectionsPerDestination(64);
    });

    @RegisterExtension
    final TestExecutors executors = new TestExecutors();

    private JettyNode node(String name, JettyNode.Cache cache) throws Exception
    {
        return cluster.start(name, cache);
    }

    private String get(JettyNode node, String sessionId, String query) throws Exception
    {
        var request = cluster.client().newRequest(node.url(query));
        if (sessionId != null)
            request.headers(headers -> headers.put("Cookie", "JSESSIONID=" + sessionId + ".any"));
        return request.send().getContentAsString();
    }

    /** @return a session that A created, with {@code k} set to {@code v} */
    private String sessionWithK(JettyNode a) throws Exception
    {
        String id = get(a, null, "op=create");
        get(a, id, "op=set&name=k&value=v");
        return id;
    }

    private byte[] key(String id)
    {
        return new SessionKeys(cluster.prefix(), "_app", "0.0.0.0").session(id);
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void concurrentRequestsOnTwoNodesSettingDifferentAttributesLoseNothing(JettyNode.Cache cache) throws Exception
    {
        JettyNode[] pair = {node("nodeA", cache), node("nodeB", cache)};
        List<String> sessions = new ArrayList<>();
        for (int s = 0; s < SESSIONS; s++)
            sessions.add(get(pair[0], null, "op=create"));

        // Each thread owns one attribute name and writes its request number into it, round robin over the
        // shared sessions; the last number it wrote to each session must be what Redis holds at the end.
        ExecutorService threads = executors.newPool(2 * THREADS_PER_NODE);
        List<Future<Map<String, Integer>>> lastWrites = new ArrayList<>();
        for (int n = 0; n < 2; n++)
        {
            for (int t = 0; t < THREADS_PER_NODE; t++)
            {
                JettyNode node = pair[n];
                String attribute = node.server().getBean(org.eclipse.jetty.session.SessionIdManager.class).getWorkerName() + "-t" + t;
                lastWrites.add(threads.submit(() ->
                {
                    Map<String, Integer> last = new HashMap<>();
                    for (int i = 1; i <= REQUESTS_PER_THREAD; i++)
                    {
                        String session = sessions.get(i % SESSIONS);
                        assertEquals("ok", get(node, session, "op=set&name=" + attribute + "&value=" + i));
                        last.put(session + "/" + attribute, i);
                    }
                    return last;
                }));
            }
        }
        Map<String, Integer> expected = new HashMap<>();
        for (Future<Map<String, Integer>> writes : lastWrites)
            expected.putAll(writes.get(2, TimeUnit.MINUTES));

        cluster.awaitIdle();
        int lost = 0;
        int lostSessions = 0;
        RedisSessionDataStore store = pair[0].store();
        for (String session : sessions)
        {
            SessionData data = store.load(session);
            if (data == null)
            {
                lostSessions++;
                continue;
            }
            for (Map.Entry<String, Integer> write : expected.entrySet())
            {
                String[] sessionAndAttribute = write.getKey().split("/");
                if (sessionAndAttribute[0].equals(session) &&
                    !String.valueOf(write.getValue()).equals(data.getAttribute(sessionAndAttribute[1])))
                    lost++;
            }
        }
        System.out.printf("concurrent updates (%s cache): %d requests from %d threads on 2 nodes over %d sessions: %d lost updates, %d lost sessions%n",
            cache, 2 * THREADS_PER_NODE * REQUESTS_PER_THREAD, 2 * THREADS_PER_NODE, SESSIONS, lost, lostSessions);
        assertEquals(0, lostSessions, "lost sessions");
        assertEquals(0, lost, "lost updates");
    }


    /**
     * The same attribute from two nodes: last write wins, so a counter incremented concurrently loses
     * increments; the opt-in {@link SessionLockHandler} makes the requests of a session take turns, and
     * with a NullSessionCache (every request reads Redis) none is lost.
     */
    @Test
    public void aCounterIncrementedFromBothNodesLosesNothingWithTheSessionLock() throws Exception
    {
        int threads = 8;
        int increments = 25;
        JettyNode[] pair = new JettyNode[2];
        for (int n = 0; n < 2; n++)
        {
            pair[n] = cluster.start("node" + n, JettyNode.Cache.NULL, JettyNode::lockSessions);
        }
        String id = get(pair[0], null, "op=create");
        ExecutorService pool = executors.newPool(2 * threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 2 * threads; t++)
        {
            JettyNode node = pair[t % 2];
            done.add(pool.submit(() ->
            {
                for (int i = 0; i < increments; i++)
                    get(node, id, "op=incr&name=counter");
                return null;
            }));
        }
        for (Future<?> f : done)
            f.get(2, TimeUnit.MINUTES);
        cluster.awaitIdle();
        Object counter = pair[0].store().load(id).getAttribute("counter");
        System.out.printf("locked counter: %d increments from %d threads on 2 nodes, counter = %s%n", 2 * threads * increments, 2 * threads, counter);
        assertEquals(2 * threads * increments, counter);
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aSaveInFlightNeverResurrectsASessionInvalidatedOnTheOtherNode(JettyNode.Cache cache) throws Exception
    {
        JettyNode a = node("nodeA", cache);
        JettyNode b = node("nodeB", cache);
        String id = sessionWithK(a);

        // A's request then changes an attribute and leaves, which saves the session. Whatever the cache, it
        // finishes with the copy it has: A's cache took the session out on B's broadcast, but leaves it usable to
        // the request in it. Its save, below, is refused.
        assertEquals(List.of("ok"), invalidatedOnBWhileHeldOnA(cache, a, b, id, "op=hold&name=late&value=write"));

        cluster.awaitIdle();
        assertFalse(cluster.redis().exists(key(id)), "the invalidated session was re-created, whole or partial");
        assertEquals("none", get(b, id, "op=get&name=k"));
    }

    /**
     * A request of A gives the session a new id (changeSessionId, as an application does when a user's
     * privileges change) just after B invalidated it (a user logged out everywhere). Jetty's cache deletes the old
     * id, which B already did, and writes the session whole under the new one: that write must be refused, or the
     * session B deleted would live on, content and login included, under an id no logout knew.
     */
    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aSessionInvalidatedOnTheOtherNodeIsNotWrittenUnderTheNewIdARequestOfThisNodeGivesIt(JettyNode.Cache cache)
        throws Exception
    {
        JettyNode a = node("nodeA", cache);
        JettyNode b = node("nodeB", cache);
        String id = sessionWithK(a);

        String newId = invalidatedOnBWhileHeldOnA(cache, a, b, id, "op=hold&name=k&renew=true").get(0);

        cluster.awaitIdle();
        assertFalse(cluster.redis().exists(key(newId)), "the invalidated session was written under its new id");
        assertFalse(cluster.redis().exists(key(id)), "the invalidated session was re-created");
        assertFalse(held(a, newId), "A kept the invalidated session in memory under its new id");
        assertEquals("none", get(a, newId, "op=get&name=k"));
        assertEquals("none", get(b, newId, "op=get&name=k"));
    }

    /**
     * The same when A missed B's deletion (A does not listen for deletions here) and so still holds its copy:
     * with {@code DefaultSessionCache}, Jetty's cache gives that copy the new id, deleting the old id (which finds
     * B's tombstone) and writing the session whole under the new one, which must be refused.
     */
    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aSessionDeletedElsewhereIsNotWrittenUnderANewIdGivenByANodeThatMissedTheDeletion(JettyNode.Cache cache) throws Exception
    {
        JettyNode a = cluster.start("nodeA", cache, node -> node.sessions().setBroadcastInvalidation(false));
        JettyNode b = node("nodeB", cache);
        String id = sessionWithK(a);
        assertEquals("ok", get(b, id, "op=invalidate"));

        String answer = get(a, id, "op=renew");
        cluster.awaitIdle();
        // A node that checks Redis first finds no session to renew ("none"); one that does not renews its copy.
        if (!answer.equals("none"))
        {
            assertFalse(cluster.redis().exists(key(answer)), "the invalidated session was written under its new id");
            assertFalse(held(a, answer), "A kept the invalidated session in memory under its new id");
            assertEquals("none", get(a, answer, "op=get&name=k"));
        }
        assertFalse(cluster.redis().exists(key(id)), "the invalidated session was re-created");
        assertEquals("none", get(a, id, "op=get&name=k"));
    }

    /**
     * A request of A that only reads the session is in it when B invalidates it (a user logged out everywhere
     * while a page loads). The request reads what it had; A's next request finds no session: the copy the
     * first one leaves is not put back in A's memory, which Jetty's cache does after a session's last request
     * unless its save fails. The nodes save an unchanged session at most hourly: the request leaving writes
     * nothing Redis could refuse.
     */
    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aReadingRequestInASessionInvalidatedOnTheOtherNodeLeavesNoCopyBehind(JettyNode.Cache cache) throws Exception
    {
        readingRequestsInASessionInvalidatedOnTheOtherNodeLeaveNoCopyBehind(cache, 1);
    }

    /**
     * The same with two requests of A in the session (a page and the calls its script makes, say). The first to
     * leave is not the session's last: Jetty's cache puts the session back in memory then, without a save that
     * could be refused.
     */
    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void twoReadingRequestsInASessionInvalidatedOnTheOtherNodeLeaveNoCopyBehind(JettyNode.Cache cache) throws Exception
    {
        readingRequestsInASessionInvalidatedOnTheOtherNodeLeaveNoCopyBehind(cache, 2);
    }

    /**
     * Two requests of A are in the session when B invalidates it; one changes it and leaves while the other
     * stays. Jetty's cache puts the session back in memory as the first leaves (it is not the last), unsaved and
     * with that change: the next request of A must not be handed it. The coherent cache keeps it out, and would
     * otherwise use it unchecked, since a request of this node is in it with a change not saved yet. Jetty's
     * {@code DefaultSessionCache} is not run: nothing of a store can keep its put-back from happening, and the
     * saves of that copy are refused (README, "Which session cache").
     */
    @ParameterizedTest
    @EnumSource(value = JettyNode.Cache.class, names = {"NULL", "REDIS", "REDIS_STRICT"})
    public void aRequestArrivingWhileTheLastRequestInASessionInvalidatedOnTheOtherNodeFinishesFindsNoSession(JettyNode.Cache cache)
        throws Exception
    {
        JettyNode a = node("nodeA", cache);
        JettyNode b = node("nodeB", cache);
        String id = sessionWithK(a);

        ExecutorService pool = executors.newPool(2);
        Future<String> leavesFirst = pool.submit(() -> get(a, id, "op=hold&name=late&value=write"));
        Future<String> staysIn = pool.submit(() -> get(a, id, "op=hold&name=k&gate=second"));
        assertTrue(a.hold().awaitEntered(Duration.ofSeconds(10)), "A's first request has the session in hand");
        assertTrue(a.secondHold().awaitEntered(Duration.ofSeconds(10)), "A's second request has the session in hand");
        assertEquals("ok", get(b, id, "op=invalidate"));
        if (cache.holdsSessions())
            Await.until("A drops the session on B's broadcast", Duration.ofSeconds(10), () -> !held(a, id));

        a.hold().release();
        assertEquals("ok", leavesFirst.get(10, TimeUnit.SECONDS));
        assertFalse(held(a, id), "A put the invalidated session back in memory as a request that was not its last left");
        assertEquals("none", get(a, id, "op=get&name=k"), "A's next request was handed the invalidated session");

        a.secondHold().release();
        assertEquals("v", staysIn.get(10, TimeUnit.SECONDS), "the request still in the session reads what it had");
        cluster.awaitIdle();
        assertFalse(held(a, id), "A kept the invalidated session in memory");
        assertFalse(cluster.redis().exists(key(id)), "the invalidated session was re-created, whole or partial");
    }

    private void readingRequestsInASessionInvalidatedOnTheOtherNodeLeaveNoCopyBehind(JettyNode.Cache cache, int requests) throws Exception
    {
        JettyNode a = cluster.start("nodeA", cache, node -> node.sessions().setSavePeriodSec(3600));
        JettyNode b = cluster.start("nodeB", cache, node -> node.sessions().setSavePeriodSec(3600));
        String id = sessionWithK(a);

        String[] reads = new String[requests];
        Arrays.fill(reads, "op=hold&name=k");
        assertEquals(Collections.nCopies(requests, "v"), invalidatedOnBWhileHeldOnA(cache, a, b, id, reads),
            "the requests in the session read what they had");

        cluster.awaitIdle();
        assertFalse(held(a, id), "A put the invalidated session back in memory");
        assertEquals("none", get(a, id, "op=get&name=k"));
        assertFalse(cluster.redis().exists(key(id)), "the invalidated session was re-created, whole or partial");
    }

    /**
     * Requests of A take the session and wait; B invalidates the session; once A has dropped its copy (on
     * B's broadcast), A's requests go on.
     *
     * @param queries the {@code op=hold} requests of A, made at once
     * @return what A's requests answered, in the same order
     */
    private List<String> invalidatedOnBWhileHeldOnA(JettyNode.Cache cache, JettyNode a, JettyNode b, String id, String... queries) throws Exception
    {
        ExecutorService pool = executors.newPool(queries.length);
        List<Future<String>> held = new ArrayList<>();
        for (String query : queries)
            held.add(pool.submit(() -> get(a, id, query)));
        assertTrue(a.hold().awaitEntered(queries.length, Duration.ofSeconds(10)), "A's requests have the session in hand");
        assertEquals("ok", get(b, id, "op=invalidate"));
        assertFalse(cluster.redis().exists(key(id)));
        if (cache.holdsSessions())
            Await.until("A drops the session on B's broadcast", Duration.ofSeconds(10), () -> !held(a, id));
        a.hold().release();
        List<String> answers = new ArrayList<>();
        for (Future<String> answer : held)
            answers.add(answer.get(10, TimeUnit.SECONDS));
        return answers;
    }

    /** @return whether the node holds the session in memory */
    private static boolean held(JettyNode node, String id)
    {
        try
        {
            return node.webapp().getSessionHandler().getSessionCache().contains(id);
        }
        catch (Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /**
     * With a NullSessionCache, node A does not know its request holds a session that Redis says expired,
     * so B's scavenger expires it mid-request. (A DefaultSessionCache node claims its own in-use session
     * and keeps it: a session in use is not expired.)
     */
    @Test
    public void aSaveInFlightNeverResurrectsASessionExpiredAndDeletedByTheOtherNode() throws Exception
    {
        JettyNode a = node("nodeA", JettyNode.Cache.NULL);
        node("nodeB", JettyNode.Cache.NULL);
        String id = get(a, null, "op=create&ttl=1");

        ExecutorService thread = executors.newPool(1);
        Future<String> held = thread.submit(() -> get(a, id, "op=hold&name=late&value=write"));
        assertTrue(a.hold().awaitEntered(Duration.ofSeconds(10)));
        // Redis still says the session expired a second after it was created: a scavenger deletes it.
        Await.until("a scavenger expired the session", Duration.ofSeconds(20), () -> !cluster.redis().exists(key(id)));
        a.hold().release();
        assertEquals("ok", held.get(10, TimeUnit.SECONDS));

        cluster.awaitIdle();
        assertFalse(cluster.redis().exists(key(id)), "the expired session was re-created, whole or partial");
    }
}
