// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * What a run does, from system properties (the {@code bench} Maven profile sets them):
 * {@code bench.quick} (short version), {@code bench.only} (comma separated suites: codec, store, e2e,
 * scale; empty for all), {@code bench.setups} (comma separated end-to-end configurations, e.g. to profile a
 * few; empty for all), {@code bench.profile} ({@code true} or {@code jfr}: JFR sampling of the store and
 * e2e suites, summarized at the end; {@code async}: the same with async-profiler, native frames included;
 * {@code false}: none), {@code bench.jdbc.url} (the PostgreSQL of the JDBC configurations), {@code bench.out}.
 *
 * @param quick whether to run the short version
 * @param only the suites to run; empty for all
 * @param setups the end-to-end configurations to run (e.g. {@code memory,redis_coherent}); empty for all
 * @param profiler how to sample: {@code jfr}, {@code async}, or empty for not at all
 * @param jdbcUrl JDBC URL of the PostgreSQL database
 * @param outDir where results, the chart and recordings go
 */
public record BenchConfig(boolean quick, Set<String> only, Set<String> setups, String profiler, String jdbcUrl, Path outDir)
{
    /** @return the configuration given by system properties */
    public static BenchConfig fromSystemProperties()
    {
        return new BenchConfig(
            Boolean.parseBoolean(System.getProperty("bench.quick", "false")),
            names(System.getProperty("bench.only", "")),
            names(System.getProperty("bench.setups", "")),
            profilerOf(System.getProperty("bench.profile", "false")),
            System.getProperty("bench.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"),
            Path.of(System.getProperty("bench.out", "target/bench")));
    }

    private static Set<String> names(String commaSeparated)
    {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    /** @return whether the end-to-end configuration of that name runs */
    public boolean runsSetup(String name)
    {
        return setups.isEmpty() || setups.contains(name);
    }

    private static String profilerOf(String property)
    {
        return switch (property.trim())
        {
            case "", "false" -> "";
            case "true", "jfr" -> "jfr";
            case "async" -> "async";
            default -> throw new IllegalArgumentException("bench.profile must be true, jfr, async or false, not " + property);
        };
    }

    /** @return whether the runs are sampled */
    public boolean profile()
    {
        return !profiler.isEmpty();
    }

    /**
     * Samples a task with the profiler chosen, in a run of its own, and prints where the samples fell.
     *
     * @param name the recording's file name, without extension, in the output directory
     * @param title what was recorded
     * @param task the work to sample
     */
    public <T> T sample(String name, String title, Callable<T> task) throws Exception
    {
        if (profiler.equals("async"))
            return AsyncProfile.record(outDir.resolve(name + ".collapsed"), title, task);
        return JfrProfile.record(outDir.resolve(name + ".jfr"), title, task);
    }

    /** @return whether the suite of that name runs */
    public boolean runs(String suite)
    {
        return only.isEmpty() || only.contains(suite);
    }

    /** @return the quick value if quick, else the full one */
    public int pick(int full, int quickValue)
    {
        return quick ? quickValue : full;
    }
}
