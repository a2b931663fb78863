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

    /**
     * Lets time pass until a deadline: for the waits that are themselves what a test is about (how long an
     * outage lasts, the pace of a simulated user), never as a stand-in for a condition.
     *
     * @param deadlineNanos the {@link System#nanoTime()} to wait for
     * @throws InterruptedException if interrupted meanwhile
     */
    public static void timeUntil(long deadlineNanos) throws InterruptedException
    {
        // A sleep can end early; each turn sleeps what is left, so the loop ends at the deadline.
        for (long left = deadlineNanos - System.nanoTime(); left > 0; left = deadlineNanos - System.nanoTime())
            TimeUnit.NANOSECONDS.sleep(left);
    }
}
