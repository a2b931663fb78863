// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.jettyredis.session.testing.RedisTestServer;
import redis.clients.jedis.UnifiedJedis;

/**
 * Runs the benchmarks of issues 6 and 12 and prints each result as {@code BENCH <name> <value> <unit>} (also in
 * {@code target/bench/summary.txt}), then each goal as met or missed, then a few comparisons that are no goal
 * ({@code ALSO} lines). Started by
 * {@code ./mvnw -B -Pbench verify} ({@code -Dbench.quick=true} for the short version); see
 * {@link BenchConfig} for the options and {@code docs/benchmarks.md} for the results.
 *
 * <p>Every Redis used here is a private {@code redis-server} started for the suite and killed after it;
 * all traffic goes to 127.0.0.1. A suite that fails is reported and the others still run; the exit status
 * is then 1. No number ever fails the run.</p>
 */
public final class BenchMain
{
    /** How a result must compare with a goal's bound. */
    private enum Bound
    {
        AT_LEAST(">="),
        AT_MOST("<="),
        BELOW("<");

        private final String sign;

        Bound(String sign)
        {
            this.sign = sign;
        }

        boolean met(double value, double bound)
        {
            return switch (this)
            {
                case AT_LEAST -> value >= bound;
                case AT_MOST -> value <= bound;
                case BELOW -> value < bound;
            };
        }
    }

    /** A goal of an issue: the result's name, how it must compare with the bound, the bound. */
    private record Goal(String name, Bound how, double bound, String what)
    {
    }

    private static final List<Goal> GOALS = List.of(
        // Issue 6.
        new Goal("codec_speedup_vs_java", Bound.AT_LEAST, 5, "typical session, encode+decode, at least 5x faster than Java serialization"),
        new Goal("codec_size_vs_java", Bound.BELOW, 0.5, "typical session, at least 2x smaller than Java serialization"),
        new Goal("store_vs_raw_jedis", Bound.AT_LEAST, 0.85, "load+store at 16 threads, at least 0.85 of raw Jedis"),
        new Goal("e2e_vs_jdbc", Bound.AT_LEAST, 2, "HTTP, DefaultSessionCache, at least 2x Jetty's JDBC store"),
        new Goal("e2e_null_vs_jdbc_null", Bound.AT_LEAST, 2, "HTTP, NullSessionCache, at least 2x Jetty's JDBC store"),
        new Goal("e2e_vs_memory", Bound.AT_LEAST, 0.6, "HTTP, DefaultSessionCache, at least 0.6 of in-memory sessions"),
        new Goal("e2e_redis_null_vs_memory", Bound.AT_LEAST, 0.6, "HTTP, NullSessionCache, at least 0.6 of in-memory sessions"),
        new Goal("scale_getexpired_ms", Bound.BELOW, 50, "getExpired with 1,000 expired among the live sessions, under 50 ms"),
        // Issue 12.
        new Goal("e2e_coherent_vs_memory", Bound.AT_LEAST, 0.6, "HTTP, RedisSessionCache, at least 0.6 of in-memory sessions"),
        new Goal("e2e_coherent_vs_spring", Bound.AT_LEAST, 1.5, "HTTP, RedisSessionCache, at least 1.5x Spring Session Data Redis"),
        new Goal("e2e_coherent_p99_vs_spring_c1", Bound.AT_MOST, 1, "HTTP, 1 client, RedisSessionCache's p99 at most Spring Session's"),
        new Goal("e2e_coherent_p99_vs_spring_c16", Bound.AT_MOST, 1, "HTTP, 16 clients, RedisSessionCache's p99 at most Spring Session's"),
        new Goal("e2e_coherent_p99_vs_spring_c64", Bound.AT_MOST, 1, "HTTP, 64 clients, RedisSessionCache's p99 at most Spring Session's"),
        new Goal("codec_record_java_bytes", Bound.AT_MOST, 0, "record-shaped session, no byte of Java serialization in the encoding"),
        new Goal("codec_record_speedup_vs_java", Bound.AT_LEAST, 10,
            "record-shaped session, encode+decode, at least 10x faster than Java serialization"),
        new Goal("scale_10x_expired_getexpired_ms", Bound.BELOW, 50, "getExpired with 10,000 expired among the live sessions, under 50 ms"),
        // Issue 14.
        new Goal("e2e_metrics_on_vs_off", Bound.AT_LEAST, 0.97,
            "HTTP, NullSessionCache, the store counting at least 0.97 of its throughput not counting (8 clients each, same runs)"));

    /** Results that are no goal but belong beside them: name, what it is. */
    private static final Map<String, String> ALSO = new LinkedHashMap<>();

    static
    {
        ALSO.put("e2e_redis_default_vs_spring",
            "HTTP, DefaultSessionCache (not coherent without affinity) against Spring Session Data Redis");
        ALSO.put("e2e_redis_null_vs_spring", "HTTP, NullSessionCache against Spring Session Data Redis");
        ALSO.put("e2e_coherent_rr_vs_spring_rr", "HTTP without affinity, RedisSessionCache against Spring Session Data Redis");
        // What the in-memory goals leave room for: no store at all, only the round trips a store makes.
        ALSO.put("e2e_bound_1rt_vs_memory", "HTTP, one bare Jedis round trip per request and no store, against in-memory sessions");
        ALSO.put("e2e_bound_2rt_vs_memory", "HTTP, two bare Jedis round trips per request and no store, against in-memory sessions");
        ALSO.put("e2e_bound_async_vs_memory", "HTTP, bare writes queued and sent behind in shared pipelines, no store, against in-memory sessions");
        ALSO.put("e2e_redis_default_vs_bound_1rt", "HTTP, DefaultSessionCache against one bare Jedis round trip per request");
        ALSO.put("e2e_coherent_vs_bound_1rt", "HTTP, RedisSessionCache (with affinity: under leases, one round trip) against one bare Jedis round trip per request");
        ALSO.put("e2e_coherent_vs_bound_2rt", "HTTP, RedisSessionCache against two bare Jedis round trips per request");
        ALSO.put("e2e_redis_null_vs_bound_2rt", "HTTP, NullSessionCache against two bare Jedis round trips per request");
        ALSO.put("e2e_coherent_vs_redis_default", "HTTP, RedisSessionCache against DefaultSessionCache (both with affinity)");
        ALSO.put("e2e_coherent_leased_vs_checked", "HTTP, RedisSessionCache with its leases (the default) against without (leaseMs=0), with affinity");
        ALSO.put("e2e_reads_coherent_vs_memory", "HTTP, read-mostly (1 request in 10 changes the session), RedisSessionCache against in-memory sessions");
        ALSO.put("e2e_reads_redis_default_vs_memory", "HTTP, read-mostly, DefaultSessionCache against in-memory sessions");
        ALSO.put("e2e_reads_redis_null_vs_memory", "HTTP, read-mostly, NullSessionCache against in-memory sessions");
        ALSO.put("e2e_reads_coherent_leased_vs_checked", "HTTP, read-mostly, RedisSessionCache with its leases against without (leaseMs=0)");
        ALSO.put("e2e_reads_coherent_vs_spring", "HTTP, read-mostly, RedisSessionCache against Spring Session Data Redis");
        ALSO.put("e2e_reads_coherent_saveperiod_vs_coherent", "HTTP, read-mostly, RedisSessionCache with a save period of 10 s against without (0, Jetty's default)");
    }

    private BenchMain()
    {
    }

    /**
     * @param args none; options are system properties, see {@link BenchConfig}
     */
    public static void main(String[] args) throws Exception
    {
        BenchConfig config = BenchConfig.fromSystemProperties();
        Results results = new Results(config.outDir());
        String machine = machineLine();
        System.out.println("Benchmarks (" + (config.quick() ? "quick" : "full") + " run) on " + machine);
        Files.writeString(config.outDir().resolve("machine.txt"), machine + "\n" + LocalDate.now() + (config.quick() ? " quick run\n" : " full run\n"));

        Map<String, Suite> suites = new LinkedHashMap<>();
        suites.put("codec", CodecSuite::run);
        suites.put("store", StoreVsRawSuite::run);
        // The short suites before the end-to-end one: after its half hour of both cores at full load, a fresh
        // redis-server ran the scale suite's claims up to 1.8 times slower than on the same machine right after.
        suites.put("scale", ScaleSuite::run);
        suites.put("e2e", EndToEndSuite::run);
        List<String> failed = new ArrayList<>();
        long start = System.nanoTime();
        for (Map.Entry<String, Suite> suite : suites.entrySet())
        {
            if (!config.runs(suite.getKey()))
                continue;
            long suiteStart = System.nanoTime();
            // Other work on the machine shows in the figures: how busy it is while this one idles says how much.
            String busy = String.format(Locale.ROOT, "suite %s: machine %.0f%% busy before it", suite.getKey(), busyPercent());
            System.out.println("=== " + busy + " ===");
            Files.writeString(config.outDir().resolve("machine.txt"), busy + "\n", java.nio.file.StandardOpenOption.APPEND);
            try
            {
                suite.getValue().run(config, results);
            }
            catch (Throwable x)
            {
                failed.add(suite.getKey());
                System.out.println("Suite " + suite.getKey() + " failed:");
                x.printStackTrace(System.out);
            }
            System.out.printf(Locale.ROOT, "=== suite %s took %.0f s ===%n", suite.getKey(), (System.nanoTime() - suiteStart) / 1e9);
        }
        System.out.printf(Locale.ROOT, "Benchmarks took %.0f s%n", (System.nanoTime() - start) / 1e9);

        List<String> goals = new ArrayList<>();
        for (Goal goal : GOALS)
        {
            Double value = results.get(goal.name());
            String verdict = value == null ? "not measured" : goal.how().met(value, goal.bound()) ? "met" : "missed";
            goals.add(String.format(Locale.ROOT, "GOAL %s %s (%s %s): %s - %s", goal.name(), value == null ? "-" : Results.format(value),
                goal.how().sign, Results.format(goal.bound()), verdict, goal.what()));
        }
        for (Map.Entry<String, String> also : ALSO.entrySet())
        {
            Double value = results.get(also.getKey());
            goals.add(String.format(Locale.ROOT, "ALSO %s %s - %s", also.getKey(), value == null ? "-" : Results.format(value),
                also.getValue()));
        }
        goals.forEach(System.out::println);
        Files.write(config.outDir().resolve("goals.txt"), goals);
        System.out.println("Results in " + config.outDir().resolve("summary.txt"));
        if (!failed.isEmpty())
        {
            System.out.println("Failed suites: " + failed);
            System.exit(1);
        }
    }

    /** A benchmark suite. */
    interface Suite
    {
        void run(BenchConfig config, Results results) throws Exception;
    }

    private static String machineLine;

    /**
     * @return the share of all cores busy over one second while this benchmark idles (from
     * {@code /proc/stat}): work of other processes; -1 where there is no {@code /proc/stat}
     */
    static double busyPercent() throws InterruptedException
    {
        Thread.sleep(1000); // let the previous suite's threads and processes wind down
        long[] before = cpuTicks();
        Thread.sleep(1000);
        long[] after = cpuTicks();
        if (before == null || after == null || after[1] == before[1])
            return -1;
        return 100.0 * (after[0] - before[0]) / (after[1] - before[1]);
    }

    /** @return {busy, total} ticks of all cores, or null */
    static long[] cpuTicks()
    {
        try
        {
            String[] fields = Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length; i++)
                total += Long.parseLong(fields[i]);
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]); // idle + iowait
            return new long[]{total - idle, total};
        }
        catch (Exception e)
        {
            return null;
        }
    }

    /** @return cores, memory, OS, Java and Redis versions: the machine line of the results */
    static synchronized String machineLine()
    {
        if (machineLine == null)
            machineLine = describeMachine();
        return machineLine;
    }

    private static String describeMachine()
    {
        long memory = ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        return String.format(Locale.ROOT, "%d cores, %d GiB, %s %s, Java %s, Redis %s", Runtime.getRuntime().availableProcessors(),
            Math.round(memory / (1024.0 * 1024 * 1024)), System.getProperty("os.name"), System.getProperty("os.version"),
            System.getProperty("java.version"), redisVersion());
    }

    private static String redisVersion()
    {
        try (RedisTestServer redis = RedisTestServer.startPrivate();
             UnifiedJedis client = redis.newClient())
        {
            for (String line : client.info("server").split("\r\n"))
                if (line.startsWith("redis_version:"))
                    return line.substring("redis_version:".length());
        }
        catch (RuntimeException e)
        {
            return "?";
        }
        return "?";
    }
}
