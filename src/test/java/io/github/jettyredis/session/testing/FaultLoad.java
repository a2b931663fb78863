// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.net.HttpCookie;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;

/**
 * Faults under load (issue 13): two {@link JettyNode}s with one session cache share a private Redis while
 * simulated users, each with a session of their own, increment a counter in it ({@code op=incr}); Redis is
 * killed and restarted (empty, or with its data) or paused meanwhile. Each user knows what it should find:
 * an increment whose request failed is not expected (the user saw it fail), and one that was applied anyway
 * is not held against the store. The {@link Figures} count what the users got:
 * <ul>
 *   <li>a <b>change lost</b>: an increment answered as done that a later answer (or Redis at the end) does
 *   not show: the counter came back lower than the last value the user saw plus one;</li>
 *   <li>a <b>session lost</b>: the session's id changed, or its counter started again at 1, or it is gone
 *   from Redis at the end;</li>
 *   <li><b>replaced</b>: a session lost to a new one in an answer given while Redis was away, before it
 *   began to come back (the promise is that this never happens);</li>
 *   <li>the <b>recovery</b>: from Redis back ({@code start} or {@code resume} returned) until every user has
 *   had a request sent after that answered with its session (or, its session gone, with a new one).</li>
 * </ul>
 * A user whose request finds no session ({@code none}, which {@code NullSessionCache} answers while Redis
 * is away) asks for one next ({@code op=create}), as a page sending it to log in would: that is the request
 * that must get 503 rather than a new session while Redis cannot tell whether the user has one.
 * Everything listens on the loopback interface and is stopped when the run ends.
 */
public final class FaultLoad
{
    /** How long a user waits for an answer before counting the request as failed. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** Requests each user makes before the fault, so that both nodes hold and have stored the sessions. */
    private static final int WARM_UP_REQUESTS = 20;

    /** What happens to Redis while the users run. */
    public enum Fault
    {
        /** Killed, down for the outage, restarted without its data (no persistence). */
        RESTART_EMPTY,
        /** Killed, down for the outage, restarted with every write it acknowledged (AOF, fsync always). */
        RESTART_WITH_DATA,
        /** Stopped with SIGSTOP for the outage, then resumed: it keeps its connections and data. */
        PAUSE;

        /** @return the {@code redis-server} arguments the fault needs */
        String[] redisArgs()
        {
            return this == RESTART_WITH_DATA ? new String[] {"--appendonly", "yes", "--appendfsync", "always"} : new String[0];
        }
    }

    /**
     * The size of a run.
     *
     * @param clients how many users at once
     * @param requests how many requests each user makes (after its session was created)
     * @param pace the interval between the starts of one user's requests (a request that takes longer is
     * followed at once by the next)
     * @param down how long Redis stays killed
     * @param paused how long Redis stays paused
     */
    public record Load(int clients, int requests, Duration pace, Duration down, Duration paused)
    {
        /** @return the outage of a fault */
        Duration outage(Fault fault)
        {
            return fault == Fault.PAUSE ? paused : down;
        }
    }

    /**
     * What the users of one run got.
     *
     * @param cache the nodes' session cache
     * @param sticky whether each user stays on one node (else it alternates between the two)
     * @param fault what happened to Redis
     * @param outageMs how long Redis was away, measured
     * @param requests requests sent during the load
     * @param failed5xx answers with a 5xx status
     * @param errors requests with no answer in time, or another status than 200 or 5xx
     * @param noSession answers that the request had no session
     * @param sessionsLost users whose session was lost (id changed, counter restarted, gone from Redis at the end)
     * @param replaced new sessions given to users in answers given while Redis was away
     * @param changesLost increments answered as done that later answers did not show
     * @param changesLostAfterBack the part of them that answers to requests sent after Redis was back did not show
     * @param behindAtEnd increments answered as done that Redis did not hold at the end (sessions it still had)
     * @param recoveryMs from Redis back until every user had a request sent after that succeed; -1 if some never did
     */
    public record Figures(JettyNode.Cache cache, boolean sticky, Fault fault, long outageMs, int requests, int failed5xx,
                          int errors, int noSession, int sessionsLost, int replaced, long changesLost,
                          long changesLostAfterBack, long behindAtEnd, long recoveryMs)
    {
        /** @return the figures on one line, for a test's output */
        public String line()
        {
            return String.format(Locale.ROOT, "faults cache=%s %s fault=%s outageMs=%d requests=%d 5xx=%d errors=%d noSession=%d "
                + "sessionsLost=%d replaced=%d changesLost=%d (afterBack=%d) behindAtEnd=%d recoveryMs=%d", cache, sticky ? "sticky" : "alternating",
                fault, outageMs, requests, failed5xx, errors, noSession, sessionsLost, replaced, changesLost, changesLostAfterBack,
                behindAtEnd, recoveryMs);
        }

        /** @return the figures as a row of the table in docs/faults.md */
        public String row()
        {
            return String.format(Locale.ROOT, "| %s (%s) | %s | %d | %d | %d | %d | %d | %d | %d | %s |", cache,
                sticky ? "sticky" : "alternating", fault, requests, failed5xx, errors, noSession, sessionsLost,
                changesLost + behindAtEnd, replaced, recoveryMs < 0 ? "never" : recoveryMs + " ms");
        }

        /** @return the header of the table {@link #row()} writes */
        public static String header()
        {
            return "| Cache | Fault | Requests | 5xx | Errors | No session | Sessions lost | Changes lost | Replaced | Recovery |\n"
                + "|---|---|---|---|---|---|---|---|---|---|";
        }
    }

    private final JettyNode.Cache cache;
    private final boolean sticky;
    private final Fault fault;
    private final Load load;
    /**
     * When Redis began to come back: {@code start} or {@code resume} was called ({@link System#nanoTime()});
     * {@link Long#MAX_VALUE} until then. Redis may answer before the call returns.
     */
    private volatile long restoring = Long.MAX_VALUE;
    /** When Redis was back: {@code start} or {@code resume} returned; {@link Long#MAX_VALUE} until then. */
    private volatile long back = Long.MAX_VALUE;
    private final List<JettyNode> nodes = new ArrayList<>();
    private HttpClient http;

    private FaultLoad(JettyNode.Cache cache, boolean sticky, Fault fault, Load load)
    {
        this.cache = cache;
        this.sticky = sticky;
        this.fault = fault;
        this.load = load;
    }

    /**
     * Runs one scenario on a Redis, nodes and users of its own, all stopped when it returns.
     *
     * @param cache the nodes' session cache
     * @param sticky whether each user stays on one node ({@code DefaultSessionCache} only makes sense so)
     * or alternates between the two
     * @param fault what happens to Redis
     * @param load how many users, requests, and how long Redis is away
     * @return what the users got
     * @throws Exception if the run itself fails (a node does not start, a user's thread breaks)
     */
    public static Figures run(JettyNode.Cache cache, boolean sticky, Fault fault, Load load) throws Exception
    {
        return new FaultLoad(cache, sticky, fault, load).run();
    }

    private Figures run() throws Exception
    {
        String prefix = RedisTestServer.uniquePrefix();
        ExecutorService pool = Executors.newFixedThreadPool(load.clients());
        try (RedisTestServer redis = RedisTestServer.startPrivate(fault.redisArgs()))
        {
            try
            {
                http = new HttpClient();
                // Each user sends its own cookie: the client's shared store would mix them.
                http.setHttpCookieStore(new HttpCookieStore.Empty());
                http.setMaxConnectionsPerDestination(load.clients() + 8);
                http.start();
                nodes.add(startNode("nodeA", redis, prefix, cache));
                nodes.add(startNode("nodeB", redis, prefix, cache));
                List<User> users = new ArrayList<>();
                for (int i = 0; i < load.clients(); i++)
                    users.add(new User(i));
                for (User user : users)
                    user.login();

                List<Future<?>> running = new ArrayList<>();
                for (User user : users)
                    running.add(pool.submit(() -> user.call()));
                Await.until("each user made " + WARM_UP_REQUESTS + " requests", Duration.ofSeconds(60),
                    () -> users.stream().allMatch(user -> user.sent >= WARM_UP_REQUESTS));

                long faultAt = System.nanoTime();
                if (fault == Fault.PAUSE)
                    redis.pause();
                else
                    redis.kill();
                // The outage is the scenario: it lasts its time, whatever the users do meanwhile.
                Await.timeUntil(faultAt + load.outage(fault).toNanos());
                restoring = System.nanoTime();
                if (fault == Fault.PAUSE)
                    redis.resume();
                else
                    redis.start();
                back = System.nanoTime();
                long outageMs = TimeUnit.NANOSECONDS.toMillis(back - faultAt);

                Await.until("every user succeeds again, or has made all its requests", Duration.ofSeconds(60),
                    () -> users.stream().allMatch(user -> user.recoveredAt >= 0 || user.done));
                for (Future<?> user : running)
                    user.get(load.requests() * load.pace().toMillis() + REQUEST_TIMEOUT.toMillis() * 4, TimeUnit.MILLISECONDS);
                return figures(users, outageMs, redis, prefix);
            }
            finally
            {
                pool.shutdownNow();
                pool.awaitTermination(20, TimeUnit.SECONDS);
                for (JettyNode node : nodes)
                    node.close();
                if (http != null)
                    http.stop();
            }
        }
    }

    private static JettyNode startNode(String name, RedisTestServer redis, String prefix, JettyNode.Cache cache) throws Exception
    {
        return new JettyNode(name, redis.uri(), prefix, cache, JettyNode.newCounter()).start();
    }

    /** Adds up what the users saw, then checks what Redis holds for each, through a node that holds nothing. */
    private Figures figures(List<User> users, long outageMs, RedisTestServer redis, String prefix) throws Exception
    {
        for (JettyNode node : nodes)
            node.awaitIdle();
        JettyNode reader = startNode("reader", redis, prefix, JettyNode.Cache.NULL);
        nodes.add(reader);
        // Changes kept by the nodes while Redis was away are written by their probes, within a few seconds.
        try
        {
            Await.until("Redis holds what every user saw", Duration.ofSeconds(15),
                () -> users.stream().allMatch(user -> user.behindInRedis(reader) == 0));
        }
        catch (AssertionError notCaughtUp)
        {
            // Counted below: what Redis still lacks is what the figures are for.
        }
        int requests = 0;
        int failed5xx = 0;
        int errors = 0;
        int noSession = 0;
        int sessionsLost = 0;
        int replaced = 0;
        long changesLost = 0;
        long changesLostAfterBack = 0;
        long behindAtEnd = 0;
        long recovery = 0;
        for (User user : users)
        {
            requests += user.sent;
            failed5xx += user.failed5xx;
            errors += user.errors;
            noSession += user.noSession;
            replaced += user.replaced;
            changesLost += user.changesLost;
            changesLostAfterBack += user.changesLostAfterBack;
            long behind = user.behindInRedis(reader);
            if (!user.lost && behind == Long.MAX_VALUE)
                user.lostHow = "session " + user.id + " (counter " + user.seen + ") not in Redis at the end";
            if (user.lost || behind == Long.MAX_VALUE)
            {
                sessionsLost++;
                System.out.println("faults lost " + cache + " " + fault + " user " + user.index + ": " + user.lostHow);
            }
            else
                behindAtEnd += behind;
            if (user.firstChangeLost != null)
                System.out.println("faults changes lost " + cache + " " + fault + " user " + user.index + ": " + user.changesLost +
                    ", the first: " + user.firstChangeLost);
            recovery = user.recoveredAt < 0 || recovery < 0 ? -1 : Math.max(recovery, user.recoveredAt - back);
        }
        return new Figures(cache, sticky, fault, outageMs, requests, failed5xx, errors, noSession, sessionsLost, replaced,
            changesLost, changesLostAfterBack, behindAtEnd, recovery < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(recovery));
    }

    /** One simulated user: its own session, its requests one after the other, what it expects to find. */
    private final class User
    {
        private final int index;
        /** The session cookie's value as the nodes last set it (the id with a node's suffix). */
        private String cookie;
        /** The session's id, without the node's suffix. */
        private String id;
        private boolean hasSession;
        /** The highest counter value answered: what every later answer must exceed. */
        private long seen;
        private volatile int sent;
        private int failed5xx;
        private int errors;
        private int noSession;
        private int replaced;
        private long changesLost;
        private long changesLostAfterBack;
        private boolean lost;
        /** How the session was first lost, for the output. */
        private String lostHow;
        /** How a change was first lost, for the output. */
        private String firstChangeLost;
        /** When the first request sent after Redis was back succeeded ({@link System#nanoTime()}), else -1. */
        private volatile long recoveredAt = -1;
        private volatile boolean done;

        User(int index)
        {
            this.index = index;
        }

        /** Creates the user's session on its first node, before the load. */
        void login() throws Exception
        {
            ContentResponse response = send(nodes.get(index % 2), "op=create");
            if (response.getStatus() != HttpStatus.OK_200)
                throw new IllegalStateException("Cannot create a session: " + response.getStatus());
            cookie = sessionCookie(response);
            id = response.getContentAsString();
            hasSession = true;
        }

        Void call() throws Exception
        {
            try
            {
                long next = System.nanoTime();
                for (int i = 0; i < load.requests(); i++)
                {
                    // The pace of a user who reads between clicks: a rate, not a wait for anything.
                    Await.timeUntil(next);
                    next = Math.max(next + load.pace().toNanos(), System.nanoTime());
                    request(nodes.get(sticky ? index % 2 : (index + i) % 2));
                }
                return null;
            }
            finally
            {
                done = true;
            }
        }

        private void request(JettyNode node) throws InterruptedException
        {
            boolean create = !hasSession;
            boolean afterBack = System.nanoTime() >= back;
            ContentResponse response;
            sent++;
            try
            {
                response = send(node, create ? "op=create" : "op=incr&name=n");
            }
            catch (ExecutionException | TimeoutException e)
            {
                errors++;
                return;
            }
            if (HttpStatus.isServerError(response.getStatus()))
            {
                failed5xx++;
                return;
            }
            if (response.getStatus() != HttpStatus.OK_200)
            {
                errors++;
                return;
            }
            String body = response.getContentAsString();
            if ("none".equals(body))
            {
                noSession++;
                hasSession = false;
                return;
            }
            // Answered before Redis began to come back: the node handled it without Redis. (One sent before
            // and answered after may have been handled by a Redis that was back, empty: not a replacement.)
            boolean whileAway = System.nanoTime() < restoring;
            String newCookie = sessionCookie(response);
            if (newCookie != null)
                adopt(newCookie, whileAway);
            if (create)
                hasSession = true;
            else
                count(Long.parseLong(body), afterBack);
            if (afterBack && recoveredAt < 0)
                recoveredAt = System.nanoTime();
        }

        /** Takes a cookie a node set: the same id with another node's suffix, or another session. */
        private void adopt(String newCookie, boolean whileAway)
        {
            cookie = newCookie;
            String newId = newCookie.split("\\.", 2)[0];
            if (!newId.equals(id))
            {
                lose("id " + id + " became " + newId);
                if (whileAway)
                    replaced++;
                id = newId;
                seen = 0;
            }
        }

        private void lose(String how)
        {
            if (!lost)
                lostHow = how + " " + sinceBack();
            lost = true;
        }

        /** @return when, from Redis back, for the output */
        private String sinceBack()
        {
            long now = System.nanoTime();
            if (now < restoring)
                return "while Redis was away";
            return now < back ? "while Redis was coming back" : "at +" + TimeUnit.NANOSECONDS.toMillis(now - back) + " ms from Redis back";
        }

        /** Checks an increment's answer against what the user saw before. */
        private void count(long value, boolean afterBack)
        {
            if (value <= seen)
            {
                if (value == 1)
                    lose("counter of " + id + " at " + seen + " started again"); // the session's data is gone
                else
                {
                    changesLost += seen + 1 - value;
                    if (firstChangeLost == null)
                        firstChangeLost = "the counter of " + id + " went from " + seen + " to " + value + " " + sinceBack();
                    if (afterBack)
                        changesLostAfterBack += seen + 1 - value;
                }
            }
            seen = value;
        }

        /**
         * @return how many of the increments the user saw Redis lacks (0 if it holds them all or more), or
         * {@link Long#MAX_VALUE} if it has no such session (or no counter in it)
         */
        long behindInRedis(JettyNode reader)
        {
            try
            {
                ContentResponse response = send(reader, "op=get&name=n");
                String body = response.getContentAsString();
                if (response.getStatus() != HttpStatus.OK_200 || "none".equals(body) || "null".equals(body))
                    return seen == 0 ? 0 : Long.MAX_VALUE;
                return Math.max(0, seen - Long.parseLong(body));
            }
            catch (ExecutionException | TimeoutException e)
            {
                return Long.MAX_VALUE;
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                return Long.MAX_VALUE;
            }
        }

        private ContentResponse send(JettyNode node, String query) throws InterruptedException, ExecutionException, TimeoutException
        {
            var request = http.newRequest(node.url(query)).timeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (cookie != null)
                request.headers(headers -> headers.put(HttpHeader.COOKIE, "JSESSIONID=" + cookie));
            return request.send();
        }
    }

    /** @return the value of the session cookie the answer sets, or null */
    private static String sessionCookie(ContentResponse response)
    {
        for (HttpField field : response.getHeaders().getFields(HttpHeader.SET_COOKIE))
        {
            for (HttpCookie parsed : HttpCookie.parse(field.getValue()))
            {
                if (parsed.getName().equals("JSESSIONID"))
                    return parsed.getValue();
            }
        }
        return null;
    }
}
