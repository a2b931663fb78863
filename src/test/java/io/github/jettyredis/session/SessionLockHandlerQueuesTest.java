// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.SessionLockHandler.Queues;
import io.github.jettyredis.session.SessionLockHandler.Queues.Admission;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The waiting queues of {@link SessionLockHandler}: first come first served, capped per session, and one
 * poller per queue (a second would double a session's polls of Redis for as long as it has waiters).
 */
public class SessionLockHandlerQueuesTest
{
    private final Queues<String> queues = new Queues<>();
    private final List<String> late = new ArrayList<>();

    @Test
    public void onlyTheFirstRequestOfAQueueStartsAPollerAndTheCapRefusesTheRest()
    {
        assertEquals(Admission.FIRST, queues.add("s", "r1", 2));
        assertEquals(Admission.QUEUED, queues.add("s", "r2", 2));
        assertEquals(Admission.FULL, queues.add("s", "r3", 2));
        assertEquals(Admission.FIRST, queues.add("other", "o1", 2));
        assertEquals(3, queues.size());
        assertEquals("r1", queues.head("s", r -> false, late));
    }

    @Test
    public void onlyThePollerEndsAQueueSoAnEmptiedQueueGetsNoSecondPoller()
    {
        queues.add("s", "r1", 4);
        assertTrue(queues.remove("s", "r1"));
        assertFalse(queues.remove("s", "r1"), "taken out twice");
        assertFalse(queues.isWaiting("s"));
        // The first poller still runs for this queue: the newcomer must not start another.
        assertEquals(Admission.QUEUED, queues.add("s", "r2", 4));
        assertTrue(queues.remove("s", "r2"));
        assertNull(queues.head("s", r -> false, late));
        assertEquals(Admission.FIRST, queues.add("s", "r3", 4));
    }

    @Test
    public void theHeadSkipsRequestsThatWaitedTooLong()
    {
        queues.add("s", "late1", 4);
        queues.add("s", "late2", 4);
        queues.add("s", "r", 4);
        assertEquals("r", queues.head("s", r -> r.startsWith("late"), late));
        assertEquals(List.of("late1", "late2"), late);
        assertEquals(1, queues.size());
    }

    @Test
    public void drainTakesEveryRequestButLeavesTheQueuesToTheirPollers()
    {
        queues.add("s", "r1", 4);
        queues.add("t", "r2", 4);
        assertEquals(List.of("r1", "r2"), queues.drain().stream().sorted().toList());
        assertEquals(0, queues.size());
        assertEquals(Admission.QUEUED, queues.add("s", "r3", 4));
    }
}
