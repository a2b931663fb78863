// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a run does, from system properties (the {@code bench} Maven profile sets them):
 * {@code bench.quick} (short version), {@code bench.only} (comma separated suites: codec, store, e2e,
 * scale; empty for all), {@code bench.profile} (JFR sampling of the store and e2e suites, summarized at
 * the end), {@code bench.jdbc.url} (the PostgreSQL of the JDBC configurations), {@code bench.out}.
 *
 * @param quick whether to run the short version
 * @param only the suites to run; empty for all
 * @param profile whether to sample with JFR
 * @param jdbcUrl JDBC URL of the PostgreSQL database
 * @param outDir where results, the chart and recordings go
 */
public record BenchConfig(boolean quick, Set<String> only, boolean profile, String jdbcUrl, Path outDir)
{
    /** @return the configuration given by system properties */
    public static BenchConfig fromSystemProperties()
    {
        String only = System.getProperty("bench.only", "");
        return new BenchConfig(
            Boolean.parseBoolean(System.getProperty("bench.quick", "false")),
            Arrays.stream(only.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet()),
            Boolean.parseBoolean(System.getProperty("bench.profile", "false")),
            System.getProperty("bench.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"),
            Path.of(System.getProperty("bench.out", "target/bench")));
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
