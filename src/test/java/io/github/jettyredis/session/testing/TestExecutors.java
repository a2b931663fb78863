// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The thread pools of one test, shut down after it whether it passed or not: a test that fails half-way
 * through (an assertion in a task, a timeout) must not leave threads behind that keep sending requests
 * into the next test. {@code @RegisterExtension final TestExecutors executors = new TestExecutors();}
 */
public final class TestExecutors implements AfterEachCallback
{
    private final List<ExecutorService> pools = new CopyOnWriteArrayList<>();

    /**
     * @param threads how many threads
     * @return a new fixed pool of the test, shut down after it
     */
    public ExecutorService newPool(int threads)
    {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        pools.add(pool);
        return pool;
    }

    /**
     * Interrupts what still runs (a blocked HTTP request gives up when interrupted) and waits for it to end.
     *
     * @throws IllegalStateException if a pool's threads did not end within 10 s
     */
    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException
    {
        for (ExecutorService pool : pools)
            pool.shutdownNow();
        for (ExecutorService pool : pools)
        {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS))
                throw new IllegalStateException("A pool of the test still runs 10 s after it was shut down: " + pool);
        }
        pools.clear();
    }
}
