// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The store's own background threads: daemons, so that a server that forgets to stop its contexts can
 * still exit, and named, so that a thread dump says what they are.
 */
public final class SessionThreads
{
    private SessionThreads()
    {
    }

    /**
     * @param name the thread's name
     * @return a scheduler of one daemon thread; tasks it cancels are removed at once
     */
    public static ScheduledThreadPoolExecutor scheduler(String name)
    {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable ->
        {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
