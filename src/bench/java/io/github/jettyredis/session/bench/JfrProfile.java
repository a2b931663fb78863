// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Samples this JVM with Java Flight Recorder (every 10 ms per running thread) while a task runs, keeps
 * the recording ({@code .jfr}, for JDK Mission Control or {@code jfr print}) and prints where the CPU
 * samples fell ({@link ProfileSummary}). Used only with {@code -Dbench.profile=true}, in runs separate from
 * the measured ones.
 */
final class JfrProfile
{
    private JfrProfile()
    {
    }

    /**
     * Runs the task under a recording, writes it to the file and prints its summary.
     *
     * @param file where the recording goes
     * @param title what was recorded
     * @param task the work to sample
     */
    static <T> T record(Path file, String title, Callable<T> task) throws Exception
    {
        T result;
        try (Recording recording = new Recording())
        {
            recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            recording.start();
            result = task.call();
            recording.stop();
            recording.dump(file);
        }
        summarize(file, title);
        return result;
    }

    static void summarize(Path file, String title) throws IOException
    {
        ProfileSummary summary = new ProfileSummary();
        for (RecordedEvent event : RecordingFile.readAllEvents(file))
        {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null)
                continue;
            List<String> frames = new ArrayList<>();
            for (RecordedFrame frame : event.getStackTrace().getFrames())
                frames.add(frame.getMethod().getType().getName() + "." + frame.getMethod().getName());
            summary.add(frames, 1);
        }
        summary.print("JFR profile: " + title, "CPU samples", file);
    }
}
