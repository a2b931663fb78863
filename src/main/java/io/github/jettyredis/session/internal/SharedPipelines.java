// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;

/**
 * Sends the commands of operations that threads make at the same time in shared pipelines: one write and one
 * read of the socket, on each side, for what would otherwise be a round trip each. With many requests in
 * flight, a round trip's system calls and wake-ups cost Redis and this JVM more than the commands themselves.
 *
 * <p>At most {@code maxInFlight} pipelines are on their way at once. An operation that finds fewer sends its
 * commands at once, with those of any operations waiting, on its own thread; one that finds that many waits,
 * and the first of those waiting sends the next pipeline, for all that wait then, as soon as one comes back.
 * So a lone request pays nothing more than its own round trip, and each operation is sent after it was asked
 * for, never earlier: a check made in a shared pipeline sees every save that finished before it was asked.
 * Each operation reads its own replies ({@code Response}s) on its own thread once its pipeline came back; an
 * error reply is its alone. A pipeline that fails (Redis unreachable) fails every operation in it.</p>
 */
public final class SharedPipelines
{
    private static final int WAITING = 0;
    private static final int LEAD = 1;
    private static final int DONE = 2;

    private final int maxInFlight;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Operation> waiting = new ArrayDeque<>();
    private int inFlight;
    private final LongAdder pipelines = new LongAdder();
    private final LongAdder operations = new LongAdder();

    /** One operation: what it queues, and how it ended. */
    private static final class Operation
    {
        private final Consumer<AbstractPipeline> queue;
        private final Thread thread = Thread.currentThread();
        private volatile int state = WAITING;
        private RuntimeException failure;

        private Operation(Consumer<AbstractPipeline> queue)
        {
            this.queue = queue;
        }
    }

    /**
     * @param maxInFlight the most pipelines on their way at once; 0 for no limit: each operation is then sent
     * at once, in a pipeline of its own, as with a plain client
     */
    public SharedPipelines(int maxInFlight)
    {
        if (maxInFlight < 0)
            throw new IllegalArgumentException("maxInFlight must be 0 (no limit) or more, not " + maxInFlight);
        this.maxInFlight = maxInFlight == 0 ? Integer.MAX_VALUE : maxInFlight;
    }

    /**
     * Queues an operation's commands in a pipeline, maybe shared with other threads' operations, and returns
     * once its replies are in: the {@code Response}s it queued can then be read.
     *
     * @param redis the client whose pipeline to use
     * @param queue queues the operation's commands; run once, on whichever thread sends the pipeline
     * @throws RuntimeException what sending or reading the pipeline threw, or what {@code queue} threw
     */
    public void run(UnifiedJedis redis, Consumer<AbstractPipeline> queue)
    {
        Operation operation = new Operation(queue);
        boolean lead;
        lock.lock();
        try
        {
            lead = inFlight < maxInFlight;
            if (lead)
                inFlight++;
            else
                waiting.add(operation);
        }
        finally
        {
            lock.unlock();
        }
        if (!lead)
        {
            // Not given up on when interrupted: it may be in a pipeline on its way, whose reply it must take.
            boolean interrupted = false;
            while (operation.state == WAITING)
            {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            if (interrupted)
                Thread.currentThread().interrupt();
            if (operation.state == DONE)
            {
                if (operation.failure != null)
                    throw operation.failure;
                return;
            }
        }
        List<Operation> batch = new ArrayList<>();
        batch.add(operation);
        lock.lock();
        try
        {
            batch.addAll(waiting);
            waiting.clear();
        }
        finally
        {
            lock.unlock();
        }
        boolean sent = false;
        try
        {
            send(redis, batch);
            sent = true;
        }
        finally
        {
            // Even after an Error: a pipeline not handed on, or an operation not woken, would wait for ever.
            handOn();
            for (int i = 1; i < batch.size(); i++)
            {
                Operation other = batch.get(i);
                if (!sent)
                    other.failure = new IllegalStateException("The pipeline this operation was in could not be sent");
                other.state = DONE;
                LockSupport.unpark(other.thread);
            }
        }
        if (operation.failure != null)
            throw operation.failure;
    }

    /** @return how many pipelines were sent */
    public long getPipelines()
    {
        return pipelines.sum();
    }

    /** @return how many operations were sent, in those pipelines */
    public long getOperations()
    {
        return operations.sum();
    }

    /** Sends a pipeline with the operations' commands; records what failed. */
    private void send(UnifiedJedis redis, List<Operation> batch)
    {
        pipelines.increment();
        operations.add(batch.size());
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            for (Operation operation : batch)
            {
                try
                {
                    operation.queue.accept(pipeline);
                }
                catch (RuntimeException e)
                {
                    // Its own replies fail it; the others' are in the pipeline as they queued them.
                    operation.failure = e;
                }
            }
            pipeline.sync();
        }
        catch (RuntimeException e)
        {
            for (Operation operation : batch)
                if (operation.failure == null)
                    operation.failure = e;
        }
    }

    /** This pipeline is back: the first operation waiting sends the next, or one fewer is on its way. */
    private void handOn()
    {
        Operation next;
        lock.lock();
        try
        {
            next = waiting.poll();
            if (next == null)
                inFlight--;
        }
        finally
        {
            lock.unlock();
        }
        if (next != null)
        {
            next.state = LEAD;
            LockSupport.unpark(next.thread);
        }
    }
}
