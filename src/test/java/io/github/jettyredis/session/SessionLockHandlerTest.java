// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.TcpProxy;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.SafeEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SessionLockHandler} over real HTTP on a node with a small thread pool: requests waiting for a
 * session's lock hold no thread, a cookie that names no session never takes or waits for a lock, and the
 * wait is bounded. The test holds a session's lock itself (a {@code SET} on the lock key, as another node
 * would), so that requests of that session must wait for as long as it likes, whatever the machine's speed.
 */
public class SessionLockHandlerTest
{
    /** Threads of the node's pool left to run requests, besides its acceptor and selectors. */
    private static final int SPARE_THREADS = 6;
    private static final String HELD = "held-by-the-test";

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    // Each request names its session itself.
    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS, client -> client.setHttpCookieStore(new HttpCookieStore.Empty()));

    /** More waiting requests than the node has threads: each holding one would starve everyone else. */
    private int flood;

    /**
     * Counts the requests marked {@code flood} whose {@code handle} has returned: a request that returned
     * holds no thread.
     */
    static final class Returns extends Handler.Wrapper
    {
        final AtomicInteger returned = new AtomicInteger();

        Returns(Handler handler)
        {
            super(handler);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            try
            {
                return super.handle(request, response, callback);
            }
            finally
            {
                String query = request.getHttpURI().getQuery();
                if (query != null && query.contains("flood"))
                    returned.incrementAndGet();
            }
        }
    }

    /** A node with a small pool whose sessions take turns; {@code configure} sees the lock handler. */
    private JettyNode lockedNode(Consumer<SessionLockHandler> configure) throws Exception
    {
        return cluster.start("node", JettyNode.Cache.NULL, node ->
        {
            // The connector's acceptor and selectors (half the cores) take threads of the pool for good.
            ServerConnector connector = (ServerConnector)node.server().getConnectors()[0];
            int threads = connector.getAcceptors() + connector.getSelectorManager().getSelectorCount() + SPARE_THREADS;
            flood = 2 * threads;
            QueuedThreadPool pool = (QueuedThreadPool)node.server().getThreadPool();
            pool.setMaxThreads(threads);
            pool.setMinThreads(threads);
            pool.setReservedThreads(0);
            node.lockSessions();
            SessionLockHandler locks = (SessionLockHandler)node.server().getHandler();
            // Long enough that a request still waiting when the test looks at it has not given up.
            locks.setWaitMs(TimeUnit.MINUTES.toMillis(2));
            configure.accept(locks);
            node.server().setHandler(new Returns(locks));
        });
    }

    private static Returns returns(JettyNode node)
    {
        return (Returns)node.server().getHandler();
    }

    private static SessionLockHandler locks(JettyNode node)
    {
        return (SessionLockHandler)returns(node).getHandler();
    }

    private CompletableFuture<ContentResponse> send(JettyNode node, String sessionId, String query)
    {
        var request = cluster.client().newRequest(node.url(query)).timeout(2, TimeUnit.MINUTES);
        if (sessionId != null)
            request.headers(headers -> headers.put("Cookie", "JSESSIONID=" + sessionId + ".node"));
        return new CompletableResponseListener(request).send();
    }

    private ContentResponse get(JettyNode node, String sessionId, String query) throws Exception
    {
        return send(node, sessionId, query).get(30, TimeUnit.SECONDS);
    }

    private String lockKey(String id)
    {
        return cluster.prefix() + "lock:{" + id + "}";
    }

    private long setCalls()
    {
        return setCalls(cluster.redis().info("commandstats"));
    }

    /** @return the {@code SET} calls a server counted, from its {@code INFO commandstats} */
    static long setCalls(String commandStats)
    {
        for (String line : commandStats.split("\r?\n"))
        {
            if (line.startsWith("cmdstat_set:"))
                return Long.parseLong(line.replaceAll("^cmdstat_set:calls=(\\d+),.*$", "$1"));
        }
        return 0;
    }

    @Test
    public void requestsWaitingForALockedSessionHoldNoThread() throws Exception
    {
        JettyNode node = lockedNode(locks -> locks.setMaxWaitingPerSession(flood));
        String flooded = get(node, null, "op=create").getContentAsString();
        String other = get(node, null, "op=create").getContentAsString();
        cluster.redis().set(lockKey(flooded), HELD);
        List<CompletableFuture<ContentResponse>> waiters = new ArrayList<>();
        try
        {
            for (int i = 0; i < flood; i++)
                waiters.add(send(node, flooded, "op=incr&name=counter&flood"));
            Await.until(flood + " requests of the locked session gave their threads back", Duration.ofSeconds(20),
                () -> returns(node).returned.get() >= flood);

            // Another user is served while all of them still wait: no thread is tied up by a waiter.
            ContentResponse served = get(node, other, "op=incr&name=counter");
            assertEquals(200, served.getStatus());
            assertEquals("1", served.getContentAsString());
            assertEquals(0, waiters.stream().filter(CompletableFuture::isDone).count(), "requests that ran without the lock");
        }
        finally
        {
            cluster.redis().del(lockKey(flooded));
        }

        // Released, the flood runs, one request at a time: every increment counts.
        List<String> counters = new ArrayList<>();
        for (CompletableFuture<ContentResponse> request : waiters)
        {
            ContentResponse response = request.get(60, TimeUnit.SECONDS);
            assertEquals(200, response.getStatus(), response.getContentAsString());
            counters.add(response.getContentAsString());
        }
        assertEquals(flood, counters.stream().distinct().count(), "each request saw the one before: " + counters);
        assertEquals(String.valueOf(flood + 1), get(node, flooded, "op=incr&name=counter").getContentAsString());
        cluster.awaitIdle();
        assertFalse(cluster.redis().exists(lockKey(flooded)), "a lock was left behind");
    }

    @Test
    public void aCookieThatNamesNoSessionTakesNoLockAndNeverWaits() throws Exception
    {
        JettyNode node = lockedNode(locks -> {});
        String invalidated = get(node, null, "op=create").getContentAsString();
        assertEquals("ok", get(node, invalidated, "op=invalidate").getContentAsString());
        cluster.awaitIdle();
        for (String id : List.of("not-a-session", invalidated))
        {
            // Even a lock someone holds under that id does not make such a request wait.
            cluster.redis().set(lockKey(id), HELD);
            try
            {
                long setsBefore = setCalls();
                List<CompletableFuture<ContentResponse>> requests = new ArrayList<>();
                for (int i = 0; i < flood; i++)
                    requests.add(send(node, id, "op=get&name=x"));
                for (CompletableFuture<ContentResponse> request : requests)
                {
                    ContentResponse response = request.get(30, TimeUnit.SECONDS);
                    assertEquals(200, response.getStatus());
                    assertEquals("none", response.getContentAsString());
                }
                assertEquals(setsBefore, setCalls(), "SET commands, i.e. lock attempts, for " + id);
                assertEquals(HELD, cluster.redis().get(lockKey(id)));
            }
            finally
            {
                cluster.redis().del(lockKey(id));
            }
        }
    }

    /**
     * Redis answers but cannot take a lock for now (a replica answering {@code READONLY}, as a master a failover
     * demoted does): a request, waiting in its session's queue or new, gets 503 as for a lock not had in time, not
     * a server error, and does not run; once Redis serves again, requests take the lock and run.
     */
    @Test
    public void whileRedisCannotServeLocksRequestsAreRefusedWith503AndRunOnceItCan() throws Exception
    {
        JettyNode node = lockedNode(locks -> { });
        String id = get(node, null, "op=create").getContentAsString();
        assertEquals("ok", get(node, id, "op=set&name=x&value=before").getContentAsString());
        cluster.redis().set(lockKey(id), HELD);
        try (Jedis admin = REDIS.server().connect())
        {
            CompletableFuture<ContentResponse> waiting = send(node, id, "op=set&name=x&value=waited");
            Await.until("the request waits for the lock", Duration.ofSeconds(10), () -> locks(node).getWaiting() == 1);
            admin.replicaof("127.0.0.1", RedisTestServer.freePort());
            try
            {
                ContentResponse waited = waiting.get(30, TimeUnit.SECONDS);
                assertEquals(503, waited.getStatus(), waited.getContentAsString());
                ContentResponse refused = get(node, id, "op=set&name=x&value=new");
                assertEquals(503, refused.getStatus(), refused.getContentAsString());
                assertEquals(2, locks(node).getUnavailable());
            }
            finally
            {
                admin.replicaofNoOne();
            }
            admin.del(lockKey(id));
        }
        assertEquals("before", get(node, id, "op=get&name=x").getContentAsString(), "no refused request ran");
        assertEquals("ok", get(node, id, "op=set&name=x&value=after").getContentAsString());
        assertEquals("after", get(node, id, "op=get&name=x").getContentAsString());
    }

    /**
     * A failover behind a name: the locks' Redis is demoted (it answers {@code READONLY} on the connections the
     * handler's pool holds) and the name now leads to the new master. A request drops the pool's idle
     * connections and takes its lock on the new master through a new one; it used to get 503 for as long as the
     * pool kept the old connections, which under steady traffic is for ever.
     */
    @Test
    public void afterAFailoverLocksAreTakenOnTheNewMasterThroughANewConnection() throws Exception
    {
        try (RedisTestServer oldMaster = RedisTestServer.startPrivate();
             RedisTestServer newMaster = RedisTestServer.startPrivate();
             TcpProxy name = new TcpProxy(oldMaster.port()))
        {
            JettyNode node = cluster.start("node", JettyNode.Cache.NULL, configured -> configured.lockSessions(name.uri()));
            String id = get(node, null, "op=create").getContentAsString();
            assertEquals("ok", get(node, id, "op=set&name=x&value=before").getContentAsString());
            name.retarget(newMaster.port());
            try (Jedis admin = oldMaster.connect())
            {
                admin.replicaof("127.0.0.1", RedisTestServer.freePort());
            }
            ContentResponse after = get(node, id, "op=set&name=x&value=after");
            assertEquals(200, after.getStatus(), after.getContentAsString());
            assertEquals("after", get(node, id, "op=get&name=x").getContentAsString());
            try (Jedis admin = newMaster.connect())
            {
                assertTrue(admin.info("commandstats").contains("cmdstat_set:"), "the lock was taken there");
                // Given back as the request completes, which may be just after its client had the response.
                Await.until("the lock is given back", Duration.ofSeconds(10), () -> admin.dbSize() == 0);
            }
        }
    }

    /**
     * A request whose lock's Redis went away while it ran cannot give the lock back as it completes; the lock is
     * released as soon as that Redis answers again. It used to stay for the rest of its lease, and the session's
     * next requests waited that long, or were refused with 503 when their wait was shorter.
     */
    @Test
    public void aLockWhoseReleaseRedisMissedIsReleasedOnceItAnswersAgain() throws Exception
    {
        try (RedisTestServer locksRedis = RedisTestServer.startPrivate();
             TcpProxy link = new TcpProxy(locksRedis.port());
             Jedis admin = locksRedis.connect())
        {
            JettyNode node = cluster.start("node", JettyNode.Cache.NULL, configured ->
            {
                configured.lockSessions(link.uri());
                // Far longer than the test waits below: only a release lets the lock go in time.
                ((SessionLockHandler)configured.server().getHandler()).setLeaseMs(TimeUnit.MINUTES.toMillis(5));
            });
            String id = get(node, null, "op=create").getContentAsString();
            CompletableFuture<ContentResponse> holding = send(node, id, "op=hold&name=x&value=held");
            assertTrue(node.hold().awaitEntered(Duration.ofSeconds(10)), "the request runs, holding the lock");
            assertTrue(admin.exists(lockKey(id)), "taken in the locks' Redis");
            link.refuse();
            node.hold().release();
            ContentResponse held = holding.get(30, TimeUnit.SECONDS);
            assertEquals("ok", held.getContentAsString(), "the sessions' own Redis answers: the request went through");
            node.awaitIdle();
            assertTrue(admin.exists(lockKey(id)), "the release did not reach Redis");

            link.restore();
            Await.until("the lock is released once its Redis answers", Duration.ofSeconds(20), () -> !admin.exists(lockKey(id)));
            assertEquals("held", get(node, id, "op=get&name=x").getContentAsString());
        }
    }

    /**
     * The lock is taken by a script that finds a token's own lock taken: a try whose reply was lost (Redis stalled
     * past the socket timeout, and ran it) is made again on a new connection, and used to find the lock held,
     * by itself, until it expired.
     */
    @Test
    public void aLockIsTakenAgainByItsOwnTokenOnlyAndLastsFromTheLastTry() throws Exception
    {
        byte[] key = SafeEncoder.encode(lockKey("some-session"));
        try (UnifiedJedis redis = REDIS.newClient())
        {
            assertEquals(1L, SessionLockHandler.LOCK.run(redis, lockArgs(key, "mine", 60_000)));
            assertEquals(1L, SessionLockHandler.LOCK.run(redis, lockArgs(key, "mine", 90_000)), "its own lock, taken again");
            assertTrue(redis.pttl(key) > 60_000, "and lasting from the last try");
            assertEquals(0L, SessionLockHandler.LOCK.run(redis, lockArgs(key, "another", 60_000)), "not another's");
            assertEquals("mine", redis.get(SafeEncoder.encode(key)));
            redis.del(key);
        }
    }

    private static byte[][] lockArgs(byte[] key, String token, long ms)
    {
        return new byte[][]{key, SafeEncoder.encode(token), SafeEncoder.encode(Long.toString(ms))};
    }

    @Test
    public void aRequestThatWaitedTooLongIsRefusedAndDoesNotRunWithoutTheLock() throws Exception
    {
        JettyNode node = lockedNode(locks -> locks.setWaitMs(200));
        String id = get(node, null, "op=create").getContentAsString();
        assertEquals("ok", get(node, id, "op=set&name=x&value=before").getContentAsString());
        cluster.redis().set(lockKey(id), HELD);
        try
        {
            ContentResponse refused = get(node, id, "op=set&name=x&value=unlocked");
            assertEquals(503, refused.getStatus(), refused.getContentAsString());
            assertEquals(HELD, cluster.redis().get(lockKey(id)));
        }
        finally
        {
            cluster.redis().del(lockKey(id));
        }
        assertEquals("before", get(node, id, "op=get&name=x").getContentAsString());
    }

    @Test
    public void beyondMaxWaitingPerSessionARequestIsRefusedAtOnce() throws Exception
    {
        int max = 2;
        JettyNode node = lockedNode(locks -> locks.setMaxWaitingPerSession(max));
        String id = get(node, null, "op=create").getContentAsString();
        cluster.redis().set(lockKey(id), HELD);
        List<CompletableFuture<ContentResponse>> waiting = new ArrayList<>();
        try
        {
            for (int i = 0; i < max; i++)
                waiting.add(send(node, id, "op=incr&name=counter&flood"));
            Await.until(max + " requests waiting", Duration.ofSeconds(20),
                () -> returns(node).returned.get() >= max && locks(node).getWaiting() == max);

            // Answered while the lock is still held: refused without waiting for it.
            for (int i = 0; i < 3; i++)
            {
                ContentResponse refused = get(node, id, "op=incr&name=counter");
                assertEquals(503, refused.getStatus(), refused.getContentAsString());
            }
            assertEquals(3, locks(node).getRefused());
            // Another session is not limited by this one's queue.
            assertEquals("1", get(node, get(node, null, "op=create").getContentAsString(), "op=incr&name=counter").getContentAsString());
            assertEquals(0, waiting.stream().filter(CompletableFuture::isDone).count());
        }
        finally
        {
            cluster.redis().del(lockKey(id));
        }
        List<String> counters = new ArrayList<>();
        for (CompletableFuture<ContentResponse> request : waiting)
            counters.add(request.get(60, TimeUnit.SECONDS).getContentAsString());
        assertEquals(List.of("1", "2"), counters.stream().sorted().toList());
    }

    @Test
    public void aWaitingRequestWhoseConnectionTimesOutLeavesTheQueueAndNeverRuns() throws Exception
    {
        JettyNode node = lockedNode(locks -> {});
        ((ServerConnector)node.server().getConnectors()[0]).setIdleTimeout(1000);
        String id = get(node, null, "op=create").getContentAsString();
        cluster.redis().set(lockKey(id), HELD);
        CompletableFuture<ContentResponse> abandoned;
        try
        {
            abandoned = send(node, id, "op=set&name=x&value=abandoned&flood");
            // Its handle returned while the lock is held: it was queued (the idle timeout may take it out
            // before the test looks, so the queue's size would be a race).
            Await.until("the request was queued", Duration.ofSeconds(20), () -> returns(node).returned.get() == 1);
            // The server gives up on the idle connection while the lock is still held.
            Await.until("the request left the queue", Duration.ofSeconds(20), () -> locks(node).getWaiting() == 0);
            assertEquals(0, locks(node).getTimedOut() + locks(node).getRefused());
        }
        finally
        {
            cluster.redis().del(lockKey(id));
        }
        try
        {
            assertNotEquals(200, abandoned.get(30, TimeUnit.SECONDS).getStatus());
        }
        catch (ExecutionException e)
        {
            // The connection was closed: the other way to say it failed.
        }
        assertEquals("null", get(node, id, "op=get&name=x").getContentAsString());
        cluster.awaitIdle();
        assertFalse(cluster.redis().exists(lockKey(id)), "a lock was left behind");
    }
}
