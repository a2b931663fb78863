// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a profile's samples fell, whichever profiler took them: by library of the innermost recognised
 * frame, the hottest methods, and the methods of this project with the share of samples under them.
 */
final class ProfileSummary
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
        LIBRARIES.put("org.springframework.", "spring session (data redis, lettuce)");
        LIBRARIES.put("io.lettuce.", "spring session (data redis, lettuce)");
        LIBRARIES.put("io.netty.", "netty (lettuce's I/O)");
        LIBRARIES.put("org.eclipse.jetty.session.", "jetty sessions");
        LIBRARIES.put("org.eclipse.jetty.client.", "jetty http client (load generator)");
        LIBRARIES.put("org.eclipse.jetty.", "jetty server");
        LIBRARIES.put("sun.nio.", "socket I/O");
        LIBRARIES.put("java.net.", "socket I/O");
    }

    private final Map<String, Long> byLibrary = new HashMap<>();
    private final Map<String, Long> self = new HashMap<>();
    private final Map<String, Long> ours = new HashMap<>();
    private long total;

    /**
     * @param frames a sample's stack, innermost frame first, each as class name (dots) and method
     * @param count how many samples had that stack
     */
    void add(List<String> frames, long count)
    {
        if (frames.isEmpty())
            return;
        total += count;
        self.merge(frames.get(0), count, Long::sum);
        String library = null;
        Set<String> seen = new HashSet<>();
        for (String method : frames)
        {
            if (library == null)
                library = library(method);
            if (method.startsWith("io.github.jettyredis.session.") && !method.contains(".bench.") && seen.add(method))
                ours.merge(method, count, Long::sum);
        }
        byLibrary.merge(library == null ? "jdk / native / other" : library, count, Long::sum);
    }

    void print(String title, String unit, Path file)
    {
        System.out.printf("%n=== %s (%d %s; %s) ===%n", title, total, unit, file);
        print("where the samples fell (innermost recognised frame)", byLibrary, 20);
        print("hottest methods (self)", self, 25);
        print("this project's methods (samples under them)", ours, 25);
    }

    private void print(String heading, Map<String, Long> counts, int limit)
    {
        System.out.println("-- " + heading);
        counts.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(limit)
            .forEach(e -> System.out.printf("  %5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(total, 1), e.getKey()));
    }

    private static String library(String method)
    {
        for (Map.Entry<String, String> library : LIBRARIES.entrySet())
            if (method.startsWith(library.getKey()))
                return library.getValue();
        return null;
    }
}
