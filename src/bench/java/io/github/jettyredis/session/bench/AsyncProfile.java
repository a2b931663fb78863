// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;

import one.profiler.AsyncProfiler;

/**
 * Samples this JVM with async-profiler (CPU time, every millisecond of it, Java and native frames) while a
 * task runs, keeps the stacks in collapsed form (one line per stack, for flame graph tools) and prints where
 * the samples fell ({@link ProfileSummary}). Unlike JFR's execution samples, it sees a thread in a system
 * call, which is where a request of the end-to-end runs spends most of its time. Used only with
 * {@code -Dbench.profile=async}, in runs separate from the measured ones.
 */
final class AsyncProfile
{
    private AsyncProfile()
    {
    }

    /**
     * Runs the task while sampling, writes the stacks to the file and prints their summary.
     *
     * @param file where the collapsed stacks go
     * @param title what was sampled
     * @param task the work to sample
     */
    static <T> T record(Path file, String title, Callable<T> task) throws Exception
    {
        AsyncProfiler profiler = AsyncProfiler.getInstance();
        // itimer: CPU time of the whole process, without the perf events that a locked-down kernel refuses.
        profiler.execute("start,event=itimer,interval=1ms");
        T result;
        try
        {
            result = task.call();
        }
        finally
        {
            profiler.execute("stop");
        }
        profiler.execute("collapsed,file=" + file);
        summarize(file, title);
        return result;
    }

    private static void summarize(Path file, String title) throws Exception
    {
        ProfileSummary summary = new ProfileSummary();
        for (String line : Files.readAllLines(file))
        {
            int space = line.lastIndexOf(' ');
            if (space < 0)
                continue;
            List<String> frames = new ArrayList<>();
            for (String frame : line.substring(0, space).split(";"))
                frames.add(frame.replace('/', '.').replaceFirst("_\\[[jik0-9]\\]$", ""));
            // Collapsed stacks go from the thread's root to the innermost frame.
            Collections.reverse(frames);
            summary.add(frames, Long.parseLong(line.substring(space + 1)));
        }
        summary.print("async-profiler CPU profile: " + title, "samples of 1 ms", file);
    }
}
