// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Samples this JVM with Java Flight Recorder (every 10 ms per running thread) while a task runs, keeps
 * the recording ({@code .jfr}, for JDK Mission Control or {@code jfr print}) and prints where the CPU
 * samples fell: by library of the innermost recognised frame, the hottest methods, and the methods of
 * this project with the share of samples under them. Used only with {@code -Dbench.profile=true}, in runs
 * separate from the measured ones.
 */
final class JfrProfile
{
    /** Package prefix to library name; the first match from the innermost frame outwards wins. */
    private static final Map<String, String> LIBRARIES = new LinkedHashMap<>();

    static
    {
        LIBRARIES.put("com.google.protobuf.", "protobuf");
        LIBRARIES.put("java.io.Object", "java serialization");
        LIBRARIES.put("java.util.zip.", "crc digests");
        LIBRARIES.put("io.github.jettyredis.session.bench.", "benchmark (servlet, harness)");
        LIBRARIES.put("io.github.jettyredis.session.codec.", "this project: codec");
        LIBRARIES.put("io.github.jettyredis.session.", "this project: store");
        LIBRARIES.put("redis.clients.", "jedis (client, I/O)");
        LIBRARIES.put("org.apache.commons.pool2.", "jedis pool");
        LIBRARIES.put("org.postgresql.", "postgresql driver");
        LIBRARIES.put("org.eclipse.jetty.session.", "jetty sessions");
        LIBRARIES.put("org.eclipse.jetty.client.", "jetty http client (load generator)");
        LIBRARIES.put("org.eclipse.jetty.", "jetty server");
        LIBRARIES.put("sun.nio.", "socket I/O");
        LIBRARIES.put("java.net.", "socket I/O");
        LIBRARIES.put("java.net.Socket", "socket I/O");
    }

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
        Map<String, Integer> byLibrary = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> ours = new HashMap<>();
        int total = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file))
        {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null)
                continue;
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            if (frames.isEmpty())
                continue;
            total++;
            self.merge(name(frames.get(0)), 1, Integer::sum);
            String library = null;
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames)
            {
                String method = name(frame);
                if (library == null)
                    library = library(method);
                if (method.startsWith("io.github.jettyredis.session.") && !method.contains(".bench.") && seen.add(method))
                    ours.merge(method, 1, Integer::sum);
            }
            byLibrary.merge(library == null ? "jdk / other" : library, 1, Integer::sum);
        }
        System.out.printf("%n=== JFR profile: %s (%d CPU samples; %s) ===%n", title, total, file);
        print("where the samples fell (innermost recognised frame)", byLibrary, total, 20);
        print("hottest methods (self)", self, total, 25);
        print("this project's methods (samples under them)", ours, total, 25);
    }

    private static void print(String heading, Map<String, Integer> counts, int total, int limit)
    {
        System.out.println("-- " + heading);
        counts.entrySet().stream()
            .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
            .limit(limit)
            .forEach(e -> System.out.printf("  %5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(total, 1), e.getKey()));
    }

    private static String name(RecordedFrame frame)
    {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static String library(String method)
    {
        for (Map.Entry<String, String> library : LIBRARIES.entrySet())
            if (method.startsWith(library.getKey()))
                return library.getValue();
        return null;
    }
}
