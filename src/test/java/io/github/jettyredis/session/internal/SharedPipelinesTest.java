// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.PrivateRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Operations of many threads in shared pipelines, on a private redis-server: each gets its own replies, they
 * do share pipelines, each is sent after it was asked for, an error reply is the operation's alone, and a
 * pipeline that fails fails each of its operations without leaving a thread waiting.
 */
public class SharedPipelinesTest
{
    private static final int THREADS = 32;
    private static final int OPERATIONS = 200;

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    private UnifiedJedis redis;
    private ExecutorService threads;

    @BeforeEach
    public void connect()
    {
        redis = RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", REDIS.server().port()))
            .clientConfig(DefaultJedisClientConfig.builder().socketTimeoutMillis(500).build()).build();
        threads = Executors.newFixedThreadPool(THREADS);
    }

    @AfterEach
    public void close() throws InterruptedException
    {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS), "every thread ended");
        redis.close();
    }

    private static byte[] bytes(String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs the task on every thread at once; returns what each failed with, if any. */
    private List<Throwable> onEveryThread(ThreadTask task) throws Exception
    {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < THREADS; t++)
        {
            int thread = t;
            running.add(threads.submit(() ->
            {
                go.await();
                task.run(thread);
                return null;
            }));
        }
        go.countDown();
        List<Throwable> failures = new ArrayList<>();
        for (Future<?> future : running)
        {
            try
            {
                future.get(30, TimeUnit.SECONDS);
            }
            catch (java.util.concurrent.ExecutionException e)
            {
                failures.add(e.getCause());
            }
        }
        return failures;
    }

    private interface ThreadTask
    {
        void run(int thread) throws Exception;
    }

    @Test
    public void eachOperationGetsItsOwnRepliesAndSeesWhatFinishedBeforeItWasAsked() throws Exception
    {
        SharedPipelines shared = new SharedPipelines(2);
        List<Throwable> failures = onEveryThread(thread ->
        {
            byte[] key = bytes("counter" + thread);
            for (int i = 1; i <= OPERATIONS; i++)
            {
                AtomicReference<Response<Long>> incremented = new AtomicReference<>();
                shared.run(redis, pipeline -> incremented.set(pipeline.incr(key)));
                assertEquals(i, incremented.get().get(), "thread " + thread + "'s own reply");
                // Asked once the increment is done: whatever pipeline it goes in was sent after that.
                AtomicReference<Response<byte[]>> read = new AtomicReference<>();
                shared.run(redis, pipeline -> read.set(pipeline.get(key)));
                assertEquals(Integer.toString(i), new String(read.get().get(), StandardCharsets.UTF_8));
            }
        });
        assertEquals(List.of(), failures);
        assertEquals(2L * THREADS * OPERATIONS, shared.getOperations());
        assertTrue(shared.getPipelines() < shared.getOperations() / 2,
            "operations shared pipelines: " + shared.getOperations() + " operations in " + shared.getPipelines() + " pipelines");
    }

    @Test
    public void anErrorReplyIsTheOperationsAlone() throws Exception
    {
        SharedPipelines shared = new SharedPipelines(1);
        redis.set(bytes("not-a-hash"), bytes("x"));
        redis.hset(bytes("a-hash"), bytes("f"), bytes("v"));
        List<Throwable> failures = onEveryThread(thread ->
        {
            for (int i = 0; i < OPERATIONS / 4; i++)
            {
                AtomicReference<Response<java.util.Map<byte[], byte[]>>> hash = new AtomicReference<>();
                boolean wrong = (thread + i) % 2 == 0;
                shared.run(redis, pipeline -> hash.set(pipeline.hgetAll(bytes(wrong ? "not-a-hash" : "a-hash"))));
                if (wrong)
                    assertThrows(JedisDataException.class, () -> hash.get().get());
                else
                    assertEquals(1, hash.get().get().size());
            }
        });
        assertEquals(List.of(), failures);
    }

    @Test
    public void aPipelineThatFailsFailsEachOfItsOperationsAndNoneIsLeftWaiting() throws Exception
    {
        SharedPipelines shared = new SharedPipelines(1);
        REDIS.server().pause();
        List<Throwable> failures;
        try
        {
            failures = onEveryThread(thread -> shared.run(redis, pipeline -> pipeline.incr(bytes("paused" + thread))));
        }
        finally
        {
            REDIS.server().resume();
        }
        assertEquals(THREADS, failures.size(), "every operation failed");
        failures.forEach(failure -> assertInstanceOf(JedisConnectionException.class, failure));
        assertTrue(shared.getPipelines() < THREADS, "they shared pipelines: " + shared.getPipelines());

        // Redis back: the next ones go through.
        Await.until("Redis answers", Duration.ofSeconds(10), () -> "PONG".equals(redis.ping()));
        AtomicReference<Response<Long>> after = new AtomicReference<>();
        shared.run(redis, pipeline -> after.set(pipeline.incr(bytes("after"))));
        assertEquals(1L, after.get().get());
    }

    @Test
    public void anErrorWhileSendingLeavesNoOperationWaitingForEver() throws Exception
    {
        SharedPipelines shared = new SharedPipelines(1);
        AssertionError poison = new AssertionError("poison");
        assertThrows(AssertionError.class, () -> shared.run(redis, pipeline ->
        {
            throw poison;
        }));
        // The pipeline in flight was handed on despite the error: the next operation is sent, not left waiting.
        Future<Long> next = threads.submit(() ->
        {
            AtomicReference<Response<Long>> reply = new AtomicReference<>();
            shared.run(redis, pipeline -> reply.set(pipeline.incr(bytes("after-error"))));
            return reply.get().get();
        });
        assertEquals(1L, next.get(10, TimeUnit.SECONDS));
    }

    @Test
    public void withNoLimitEachOperationIsAPipelineOfItsOwn() throws Exception
    {
        SharedPipelines unshared = new SharedPipelines(0);
        List<Throwable> failures = onEveryThread(thread ->
        {
            for (int i = 0; i < OPERATIONS / 4; i++)
                unshared.run(redis, pipeline -> pipeline.incr(bytes("unshared")));
        });
        assertEquals(List.of(), failures);
        assertEquals(unshared.getOperations(), unshared.getPipelines());
        assertEquals((long)THREADS * (OPERATIONS / 4), Long.parseLong(redis.get("unshared")));
    }

    @Test
    public void anInterruptedOperationWaitsForItsReplyAndKeepsItsInterrupt() throws Exception
    {
        SharedPipelines shared = new SharedPipelines(1);
        List<Throwable> failures = onEveryThread(thread ->
        {
            Thread.currentThread().interrupt();
            AtomicReference<Response<Long>> reply = new AtomicReference<>();
            shared.run(redis, pipeline -> reply.set(pipeline.incr(bytes("interrupted"))));
            assertTrue(Thread.interrupted(), "the interrupt is kept");
            assertTrue(reply.get().get() > 0);
        });
        assertEquals(List.of(), failures);
        assertEquals((long)THREADS, Long.parseLong(redis.get("interrupted")));
    }
}
