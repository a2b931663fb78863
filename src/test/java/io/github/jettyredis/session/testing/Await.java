// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Polls for a condition with a deadline, for what happens asynchronously (a session is written as its
 * request leaves, which can be after the response arrived; scavengers run on their own schedule).
 */
public final class Await
{
    private Await()
    {
    }

    /**
     * @param what the condition, for the failure message
     * @param timeout how long to wait at most
     * @param condition what must become true
     * @throws AssertionError if it did not in time
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
                throw new AssertionError("Timed out after " + timeout + " waiting for: " + what);
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
