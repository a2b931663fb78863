// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

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
 */
final class LoadGenerator implements AutoCloseable
{
    private final HttpClient client = new HttpClient();

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

    /** One client: its node, its session cookie, the latencies of its measured requests. */
    static final class User
    {
        private final String url;
        private volatile String cookie;
        private long[] latencies = new long[4096];
        private int count;

        User(String url)
        {
            this.url = url;
        }

        private void record(long nanos)
        {
            if (count == latencies.length)
                latencies = Arrays.copyOf(latencies, count * 2);
            latencies[count++] = nanos;
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
     * @param errors failed or non-200 requests (warm-up included)
     * @param cpuPercent how busy all cores were in the measured window (every process: this JVM, Redis,
     * PostgreSQL), -1 where unknown; near 100 means the machine's CPU was the limit
     */
    record RunResult(double requestsPerSecond, double p50Ms, double p99Ms, long requests, long errors, double cpuPercent)
    {
    }

    /** Sends the user's first request, which creates its session; the cookie is kept for later ones. */
    void prime(User user) throws Exception
    {
        ContentResponse response = client.newRequest(user.url).timeout(30, TimeUnit.SECONDS).send();
        if (response.getStatus() != 200)
            throw new IllegalStateException("First request to " + user.url + " answered " + response.getStatus());
        user.takeCookie(response);
        if (user.cookie == null)
            throw new IllegalStateException("No session cookie from " + user.url);
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
        long[] ticks = BenchMain.cpuTicks();
        long start = System.nanoTime();
        run.recording = true;
        Thread.sleep(measureMs);
        run.recording = false;
        long elapsed = System.nanoTime() - start;
        long[] ticksAfter = BenchMain.cpuTicks();
        double cpu = ticks == null || ticksAfter == null || ticksAfter[1] == ticks[1] ? -1
            : 100.0 * (ticksAfter[0] - ticks[0]) / (ticksAfter[1] - ticks[1]);
        run.running = false;
        if (!run.finished.await(60, TimeUnit.SECONDS))
            throw new IllegalStateException("Requests still in flight 60 s after the run");
        int total = users.stream().mapToInt(u -> u.count).sum();
        long[] all = new long[total];
        int at = 0;
        for (User user : users)
        {
            System.arraycopy(user.latencies, 0, all, at, user.count);
            at += user.count;
        }
        Arrays.sort(all);
        return new RunResult(total * 1e9 / elapsed, percentileMs(all, 0.50), percentileMs(all, 0.99), total, run.errors.sum(), cpu);
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
        Request request = client.newRequest(user.url).timeout(30, TimeUnit.SECONDS);
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
                    run.errors.increment();
                else
                {
                    user.takeCookie(result.getResponse());
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
