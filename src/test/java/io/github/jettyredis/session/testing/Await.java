// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
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
     * Asks again until the answer is the expected one, e.g. a request to a node that drops a session when it
     * hears another node deleted it.
     *
     * @param what the condition, for the failure message
     * @param timeout how long to wait at most
     * @param expected the answer to wait for
     * @param answer asks; what it throws fails the wait
     * @throws AssertionError if the answer was not the expected one in time; names the last answer
     */
    public static void untilAnswer(String what, Duration timeout, Object expected, Callable<?> answer) throws Exception
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last;
        while (!Objects.equals(expected, last = answer.call()))
        {
            if (System.nanoTime() > deadline)
                throw new AssertionError("Timed out after " + timeout + " waiting for: " + what + "; expected <" + expected +
                    "> but the last answer was <" + last + ">");
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
