// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Closed-loop HTTP load with Jetty's {@link HttpClient}: each {@link User} has its own session cookie and
 * one request in flight at a time, sending the next as soon as the previous answered, so N users are N
 * concurrent clients. Latency is measured per request from send to complete response.
 *
 * <p>Each response carries the session's counter ({@link BenchNode.SessionWorkServlet}), which each request
 * increments; since a user's requests never overlap, every answer must be the previous one plus 1. One that is
 * not (a node served an older copy of the session) counts as an error of the run, as a failed request does:
 * that is how the configurations without affinity show that they serve the latest session.</p>
 */
final class LoadGenerator implements AutoCloseable
{
    private final HttpClient client = new HttpClient();
    /** CPU seconds redis-server used so far, or null when no Redis is measured. */
    private volatile DoubleSupplier redisCpuSeconds;

    LoadGenerator() throws Exception
    {
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("bench-client");
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(256);
        // Each user carries its own cookie; a shared store would give every user the same session.
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setFollowRedirects(false);
        client.start();
    }

    /**
     * Measures redis-server's CPU time too in every run from now on, to split a request's CPU between this JVM
     * (nodes and load generator) and Redis.
     *
     * @param redisCpuSeconds CPU seconds the redis-server process used so far
     */
    void measureRedisCpu(DoubleSupplier redisCpuSeconds)
    {
        this.redisCpuSeconds = redisCpuSeconds;
    }

    /**
     * One client: its nodes, its session cookie, the session counter it last saw, the latencies of its measured
     * requests. With one URL it keeps to one node (affinity); with several it sends its requests to each in
     * turn (a load balancer without affinity, round-robin).
     */
    static final class User
    {
        private final List<String> urls;
        /** One request in this many changes the session; the others only read it. */
        private final int writeEvery;
        private int turn;
        private long sent;
        /** Whether the last request sent only read the session (its answer must be the counter unchanged). */
        private boolean lastReadOnly;
        private volatile String cookie;
        /** The counter of the last answer; 0 when unknown (after a failed request, whose effect is unknown). */
        private int counter;
        /** The counter before the last answer, to describe a wrong one. */
        private int previous;
        private long[] latencies = new long[4096];
        private int count;

        /**
         * @param urls the nodes' servlet URLs, in the order the user's requests go to them (the first one creates
         * the session)
         */
        User(List<String> urls)
        {
            this(urls, 1);
        }

        /**
         * @param urls as above
         * @param writeEvery 1: every request changes the session; n: the first and then one in n do, the others
         * only read it ({@link BenchNode.SessionWorkServlet}'s {@code read})
         */
        User(List<String> urls, int writeEvery)
        {
            if (urls.isEmpty())
                throw new IllegalArgumentException("No URL");
            if (writeEvery < 1)
                throw new IllegalArgumentException("writeEvery " + writeEvery);
            this.urls = List.copyOf(urls);
            this.writeEvery = writeEvery;
        }

        User(String url)
        {
            this(List.of(url));
        }

        private String nextUrl()
        {
            String url = urls.get(turn);
            turn = (turn + 1) % urls.size();
            lastReadOnly = sent++ % writeEvery != 0;
            return lastReadOnly ? url + "?read" : url;
        }

        /** @return whether the answer's counter follows the previous one; remembers it */
        private boolean takeCounter(String body)
        {
            int seen;
            try
            {
                seen = Integer.parseInt(body.substring(body.lastIndexOf(' ') + 1).trim());
            }
            catch (RuntimeException e)
            {
                counter = 0;
                return false;
            }
            boolean follows = counter == 0 || seen == counter + (lastReadOnly ? 0 : 1);
            previous = counter;
            counter = seen;
            return follows;
        }

        private void record(long nanos)
        {
            if (count == latencies.length)
                latencies = Arrays.copyOf(latencies, count * 2);
            latencies[count++] = nanos;
        }

        /** @return how many of its requests the last run measured */
        int measured()
        {
            return count;
        }

        private void takeCookie(Response response)
        {
            String setCookie = response.getHeaders().get(HttpHeader.SET_COOKIE);
            if (setCookie != null)
                cookie = setCookie.substring(0, setCookie.indexOf(';') < 0 ? setCookie.length() : setCookie.indexOf(';'));
        }
    }

    /**
     * The figures of one run.
     *
     * @param requestsPerSecond completed requests in the measured window, per second
     * @param p50Ms median latency
     * @param p99Ms 99th percentile latency
     * @param requests requests measured
     * @param errors failed or non-200 requests, and answers whose session counter was not the previous one
     * plus 1 (warm-up included)
     * @param stale of those errors, the answers with a wrong counter: requests served an older session
     * @param cpuPercent how busy all cores were in the measured window (every process: this JVM, Redis,
     * PostgreSQL), -1 where unknown; near 100 means the machine's CPU was the limit
     * @param jvmMicrosPerRequest CPU of this JVM (the nodes and the load generator) per measured request, in µs
     * @param redisMicrosPerRequest CPU of redis-server per measured request, in µs; NaN when not measured
     */
    record RunResult(double requestsPerSecond, double p50Ms, double p99Ms, long requests, long errors, long stale, double cpuPercent,
                     double jvmMicrosPerRequest, double redisMicrosPerRequest)
    {
    }

    /** Sends the user's first request, which creates its session; the cookie is kept for later ones. */
    void prime(User user) throws Exception
    {
        String url = user.nextUrl();
        ContentResponse response = client.newRequest(url).timeout(30, TimeUnit.SECONDS).send();
        if (response.getStatus() != 200)
            throw new IllegalStateException("First request to " + url + " answered " + response.getStatus());
        user.takeCookie(response);
        if (user.cookie == null)
            throw new IllegalStateException("No session cookie from " + url);
        user.takeCounter(response.getContentAsString());
    }

    /**
     * Sends the user's next requests one after the other, outside any measured run (e.g. to count what they
     * cost Redis).
     *
     * @return how many failed or answered a wrong counter
     */
    long sequential(User user, int requests) throws Exception
    {
        long errors = 0;
        for (int i = 0; i < requests; i++)
        {
            Request request = client.newRequest(user.nextUrl()).timeout(30, TimeUnit.SECONDS);
            String cookie = user.cookie;
            if (cookie != null)
                request.headers(headers -> headers.put(HttpHeader.COOKIE, cookie));
            ContentResponse response = request.send();
            if (response.getStatus() != 200)
            {
                errors++;
                user.counter = 0;
                continue;
            }
            user.takeCookie(response);
            if (!user.takeCounter(response.getContentAsString()))
                errors++;
        }
        return errors;
    }

    /**
     * Runs the users for a warm-up, then measures for the given time.
     */
    RunResult run(List<User> users, long warmupMs, long measureMs) throws Exception
    {
        Run run = new Run(users.size());
        for (User user : users)
        {
            user.count = 0;
            send(run, user);
        }
        Thread.sleep(warmupMs);
        DoubleSupplier redisCpu = redisCpuSeconds;
        long[] ticks = BenchMain.cpuTicks();
        long jvmCpu = RedisInfo.processCpuNanos();
        double redisCpuBefore = redisCpu == null ? Double.NaN : redisCpu.getAsDouble();
        long start = System.nanoTime();
        run.recording = true;
        Thread.sleep(measureMs);
        run.recording = false;
        long elapsed = System.nanoTime() - start;
        long[] ticksAfter = BenchMain.cpuTicks();
        long jvmCpuUsed = RedisInfo.processCpuNanos() - jvmCpu;
        double redisCpuUsed = redisCpu == null ? Double.NaN : redisCpu.getAsDouble() - redisCpuBefore;
        double cpu = ticks == null || ticksAfter == null || ticksAfter[1] == ticks[1] ? -1
            : 100.0 * (ticksAfter[0] - ticks[0]) / (ticksAfter[1] - ticks[1]);
        run.running = false;
        if (!run.finished.await(60, TimeUnit.SECONDS))
            throw new IllegalStateException("Requests still in flight 60 s after the run");
        synchronized (run.staleAnswers)
        {
            for (String answer : run.staleAnswers)
                System.out.println("Stale answer: " + answer);
        }
        int total = users.stream().mapToInt(u -> u.count).sum();
        long[] all = new long[total];
        int at = 0;
        for (User user : users)
        {
            System.arraycopy(user.latencies, 0, all, at, user.count);
            at += user.count;
        }
        Arrays.sort(all);
        return new RunResult(total * 1e9 / elapsed, percentileMs(all, 0.50), percentileMs(all, 0.99), total, run.errors.sum(),
            run.stale.sum(), cpu, jvmCpuUsed / 1e3 / total, redisCpuUsed * 1e6 / total);
    }

    private static double percentileMs(long[] sorted, double p)
    {
        if (sorted.length == 0)
            return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int)Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static final class Run
    {
        private final CountDownLatch finished;
        private final LongAdder errors = new LongAdder();
        private final LongAdder stale = new LongAdder();
        /** The first few wrong answers, described. */
        private final List<String> staleAnswers = new ArrayList<>();
        private volatile boolean running = true;
        private volatile boolean recording;

        private Run(int users)
        {
            finished = new CountDownLatch(users);
        }
    }

    private void send(Run run, User user)
    {
        long start = System.nanoTime();
        String url = user.nextUrl();
        Request request = client.newRequest(url).timeout(30, TimeUnit.SECONDS);
        String cookie = user.cookie;
        if (cookie != null)
            request.headers(headers -> headers.put(HttpHeader.COOKIE, cookie));
        request.send(new BufferingResponseListener(16 * 1024)
        {
            @Override
            public void onComplete(Result result)
            {
                long latency = System.nanoTime() - start;
                if (result.isFailed() || result.getResponse().getStatus() != 200)
                {
                    run.errors.increment();
                    user.counter = 0;
                }
                else
                {
                    user.takeCookie(result.getResponse());
                    if (!user.takeCounter(getContentAsString()))
                    {
                        run.errors.increment();
                        run.stale.increment();
                        synchronized (run.staleAnswers)
                        {
                            if (run.staleAnswers.size() < 5)
                                run.staleAnswers.add(String.format("%s answered counter %d after %d (session %s, %.1f ms)", url, user.counter,
                                    user.previous, cookie, latency / 1e6));
                        }
                    }
                    if (run.recording)
                        user.record(latency);
                }
                if (run.running)
                    send(run, user);
                else
                    run.finished.countDown();
            }
        });
    }

    @Override
    public void close() throws Exception
    {
        client.stop();
    }
}
