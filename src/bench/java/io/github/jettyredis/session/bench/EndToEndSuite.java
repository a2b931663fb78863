// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.github.jettyredis.session.RedisSessionCacheFactory;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.eclipse.jetty.session.DatabaseAdaptor;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.FileSessionDataStoreFactory;
import org.eclipse.jetty.session.JDBCSessionDataStore;
import org.eclipse.jetty.session.JDBCSessionDataStoreFactory;
import org.eclipse.jetty.session.NullSessionCacheFactory;
import org.eclipse.jetty.session.NullSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionCacheFactory;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Requirement 3: end to end over HTTP. Real Jetty servers ({@link BenchNode}), in this JVM, with one
 * session configuration each:
 * <ul>
 *   <li>{@code memory}: one node, {@code DefaultSessionCache} and no store: the upper bound, and the baseline
 *   of the goals; {@code memory_2nodes} the same on two nodes with affinity, as the stored configurations run
 *   (two servers' threads on the same cores), to tell what the second node costs from what the store costs;</li>
 *   <li>{@code bound_1rt}, {@code bound_2rt}: two nodes, {@code DefaultSessionCache}, and no store but
 *   {@link RoundTripBoundStore}'s one or two plain Jedis round trips of a few bytes per request: what any Redis
 *   store with that many round trips per request costs at least, against which this store's own cost is told
 *   apart from the round trips' (not a goal); {@code bound_async} the same with the write queued and sent
 *   behind by one thread in shared pipelines: what a store that gave up the save before the response could
 *   reach at most;</li>
 *   <li>{@code redis_null}, {@code redis_default}: two nodes, this store, with {@code NullSessionCache}
 *   (every request loads from and saves to Redis) or {@code DefaultSessionCache} (saves only);
 *   {@code redis_default_noflush} as the latter with the cache's {@code flushOnResponseCommit} off (Jetty
 *   saves a changed session when the response commits and again, its times, when the request exits);</li>
 *   <li>{@code redis_coherent}: two nodes, this store, with this project's {@code RedisSessionCache}
 *   ({@link RedisSessionCacheFactory}: held sessions, checked against Redis before each use unless the node
 *   holds a lease on the session, as it does with affinity); {@code redis_coherent_rr} the same without
 *   affinity: each client's requests go to the two nodes in turn, so every request finds its session changed
 *   by the other node (and no node takes leases); {@code redis_coherent_checked} with affinity but without
 *   leases ({@code leaseMs=0}): every request checked first;</li>
 *   <li>{@code spring}, {@code spring_rr}: two nodes, Spring Session Data Redis ({@link SpringSessionNode}:
 *   {@code RedisSessionRepository} over Lettuce, JDK serialization, no local cache) in front of the same
 *   servlet, in the same Redis under keys of its own, with affinity and without;</li>
 *   <li>{@code jdbc}, {@code jdbc_null}: two nodes, Jetty's JDBC store on PostgreSQL (pooled connections,
 *   a table of its own), with {@code DefaultSessionCache} (Jetty's default) or {@code NullSessionCache};</li>
 *   <li>{@code file}: two nodes sharing a directory, Jetty's file store, {@code DefaultSessionCache}.</li>
 * </ul>
 * Client {@code i} keeps one session on node {@code i mod 2} (a load balancer with affinity spreads
 * sessions over the nodes that way); in the {@code _rr} configurations it starts there and then alternates.
 * Every answer must carry the session's counter plus one ({@link LoadGenerator}): one that does not counts as
 * an error. (A {@code DefaultSessionCache} without affinity would fail that, which is why there is no
 * {@code redis_default_rr}.) The headline runs (16 clients) alternate configurations over several rounds and
 * take the median; then each configuration runs once at the other client counts. Before them, outside the
 * timed runs, Redis tells the commands per request ({@code MONITOR}) and the memory per session
 * ({@code used_memory}) of the Redis configurations. Last, what the store's counting costs: two fresh
 * {@code redis_null} configurations (every request loads and saves, so counts and times twice), one with the
 * store's {@code metrics} off, 8 clients on each at the same time, so that whatever else the machine
 * does weighs on both alike ({@code e2e_metrics_on_vs_off}: the ratio of their requests, the median of
 * several runs). Before that, read-mostly traffic on some of the configurations ({@code e2e_reads_*}): one
 * request in ten changes the session, the others only read it; and there also on the coherent cache with
 * Jetty's save period at 10 s ({@code redis_coherent_saveperiod}), which spares those reads their write.
 */
final class EndToEndSuite
{
    private static final int HEADLINE_CLIENTS = 16;
    /** In the read-mostly runs, one request in this many changes the session. */
    private static final int READ_MOSTLY_WRITE_EVERY = 10;
    /** The configurations run with read-mostly traffic too (those that run). */
    private static final List<String> READ_MOSTLY = List.of("memory", "redis_default", "redis_null", "redis_coherent",
        "redis_coherent_checked", "spring");
    /** The save period of the read-mostly runs' extra configuration, {@code redis_coherent_saveperiod}. */
    private static final int READ_MOSTLY_SAVE_PERIOD_SEC = 10;
    private static final List<Integer> CLIENTS = List.of(1, 4, 16, 64);
    /** The quick run skips 4 clients to afford a second headline round (one round is too noisy to judge). */
    private static final List<Integer> QUICK_CLIENTS = List.of(1, 16, 64);

    /**
     * The key prefix of each configuration's sessions in Redis (Spring Session's namespace is the prefix less
     * its colon); for those whose Redis commands per request and memory per session are counted, too.
     */
    private static final Map<String, String> KEY_PREFIXES = Map.ofEntries(
        Map.entry("redis_null", "e2e-null:"),
        Map.entry("redis_default", "e2e-default:"),
        Map.entry("redis_default_noflush", "e2e-noflush:"),
        Map.entry("redis_coherent", "e2e-coherent:"),
        Map.entry("redis_coherent_rr", "e2e-coherent-rr:"),
        Map.entry("redis_coherent_unshared", "e2e-coherent-unshared:"),
        Map.entry("redis_coherent_checked", "e2e-coherent-checked:"),
        Map.entry("redis_coherent_saveperiod", "e2e-coherent-saveperiod:"),
        Map.entry("redis_null_metrics", "e2e-metrics:"),
        Map.entry("redis_null_nometrics", "e2e-nometrics:"),
        Map.entry("spring", "e2e-spring:"),
        Map.entry("spring_rr", "e2e-spring-rr:"));
    /** The configurations whose Redis commands per request and memory per session are counted. */
    private static final List<String> REDIS_COSTS = List.of("redis_null", "redis_default", "redis_coherent", "redis_coherent_rr", "spring",
        "spring_rr");

    /**
     * A configuration: its nodes and the users that talk to them.
     *
     * @param roundRobin false: each user keeps to one node; true: each user's requests go to every node in turn
     */
    private record Setup(String name, String label, List<BenchNode> nodes, boolean roundRobin, List<LoadGenerator.User> users)
    {
    }

    /** Legend names of the configurations. */
    private static final Map<String, String> LABELS = Map.ofEntries(
        Map.entry("memory", "in-memory (1 node)"),
        Map.entry("memory_2nodes", "in-memory (2 nodes)"),
        Map.entry("bound_1rt", "1 bare Jedis round trip, no store"),
        Map.entry("bound_2rt", "2 bare Jedis round trips, no store"),
        Map.entry("bound_async", "bare writes behind, no store"),
        Map.entry("redis_null", "Redis, NullSessionCache"),
        Map.entry("redis_null_metrics", "Redis, NullSessionCache, metrics on"),
        Map.entry("redis_null_nometrics", "Redis, NullSessionCache, metrics off"),
        Map.entry("redis_default", "Redis, DefaultSessionCache"),
        Map.entry("redis_default_noflush", "Redis, Default, no flush"),
        Map.entry("redis_coherent", "Redis, RedisSessionCache"),
        Map.entry("redis_coherent_rr", "Redis, RedisSessionCache, RR"),
        Map.entry("redis_coherent_unshared", "Redis, RedisSessionCache, no shared pipelines"),
        Map.entry("redis_coherent_checked", "Redis, RedisSessionCache, no leases"),
        Map.entry("redis_coherent_saveperiod", "Redis, RedisSessionCache, savePeriod 10 s"),
        Map.entry("spring", "Spring Session Redis"),
        Map.entry("spring_rr", "Spring Session Redis, RR"),
        Map.entry("jdbc", "JDBC, DefaultSessionCache"),
        Map.entry("jdbc_null", "JDBC, NullSessionCache"),
        Map.entry("file", "file, DefaultSessionCache"));

    /** @return the legend name of a configuration */
    static String label(String name)
    {
        return LABELS.getOrDefault(name, name);
    }

    private interface NodeFactories
    {
        SessionDataStoreFactory store(int node);
    }

    private EndToEndSuite()
    {
    }

    static void run(BenchConfig config, Results results) throws Exception
    {
        long warmupMs = config.pick(3000, 1000);
        long measureMs = config.pick(7000, 1500);
        int rounds = config.pick(3, 2);
        String runId = UUID.randomUUID().toString().substring(0, 8);
        String table = "jsr_bench_sessions_" + runId;
        String tableNull = "jsr_bench_sessions_null_" + runId;
        boolean jdbc = databaseReachable(config.jdbcUrl());
        List<SimpleConnectionPool> pools = new ArrayList<>();
        Path fileDir = Files.createTempDirectory("jsr-bench-file-sessions");
        List<Setup> setups = new ArrayList<>();
        try (RedisTestServer redis = RedisTestServer.startPrivate();
             UnifiedJedis admin = redis.newClient();
             LoadGenerator load = new LoadGenerator())
        {
            load.measureRedisCpu(() -> RedisInfo.cpuSeconds(admin));
            try
            {
                measure(config, results, redis, admin, load, jdbc, table, tableNull, pools, fileDir, setups, warmupMs, measureMs, rounds);
            }
            finally
            {
                // Before Redis and the client go: nodes stop while what they use is still there.
                for (Setup setup : setups)
                    for (BenchNode node : setup.nodes())
                        node.close();
                for (SimpleConnectionPool pool : pools)
                    pool.close();
            }
        }
        finally
        {
            if (jdbc)
                dropTables(config.jdbcUrl(), table, tableNull);
            try (Stream<Path> files = Files.walk(fileDir))
            {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void measure(BenchConfig config, Results results, RedisTestServer redis, UnifiedJedis admin, LoadGenerator load,
                                boolean jdbc, String table, String tableNull, List<SimpleConnectionPool> pools, Path fileDir, List<Setup> setups,
                                long warmupMs, long measureMs, int rounds) throws Exception
    {
        if (jdbc)
            dropLeftoverTables(config.jdbcUrl());
        setups.add(setup("memory", 1, n -> new NullSessionDataStoreFactory(), DefaultSessionCacheFactory::new));
        setups.add(setup("memory_2nodes", 2, n -> new NullSessionDataStoreFactory(), DefaultSessionCacheFactory::new));
        setups.add(setup("bound_1rt", 2, n -> new RoundTripBoundStore.Factory(redis.uri(), 1, "e2e-bound-1:"), DefaultSessionCacheFactory::new));
        setups.add(setup("bound_2rt", 2, n -> new RoundTripBoundStore.Factory(redis.uri(), 2, "e2e-bound-2:"), DefaultSessionCacheFactory::new));
        setups.add(setup("bound_async", 2, n -> new RoundTripBoundStore.Factory(redis.uri(), 0, "e2e-bound-async:"), DefaultSessionCacheFactory::new));
        setups.add(setup("redis_null", 2, n -> redisFactory(redis.uri(), KEY_PREFIXES.get("redis_null")), NullSessionCacheFactory::new));
        setups.add(setup("redis_default", 2, n -> redisFactory(redis.uri(), KEY_PREFIXES.get("redis_default")),
            DefaultSessionCacheFactory::new));
        // Jetty saves a changed session when the response commits and again when the request exits; this one
        // saves only at exit, to show what the second save costs (a setting of the cache, not of the store).
        setups.add(setup("redis_default_noflush", 2,
            n -> redisFactory(redis.uri(), KEY_PREFIXES.get("redis_default_noflush")), () ->
            {
                DefaultSessionCacheFactory cache = new DefaultSessionCacheFactory();
                cache.setFlushOnResponseCommit(false);
                return cache;
            }));
        // With the cache's defaults, as the session-cache-redis module sets them (flushOnResponseCommit on: a
        // changed session is saved before the client has the answer, so the other node sees it at once).
        setups.add(setup("redis_coherent", 2, n -> redisFactory(redis.uri(), KEY_PREFIXES.get("redis_coherent")),
            RedisSessionCacheFactory::new));
        setups.add(setup("redis_coherent_rr", 2, true, n -> redisFactory(redis.uri(), KEY_PREFIXES.get("redis_coherent_rr")),
            RedisSessionCacheFactory::new));
        // The same without leases: every request checked, as before they were (what leases bring, in the same run).
        setups.add(setup("redis_coherent_checked", 2, n -> redisFactory(redis.uri(), KEY_PREFIXES.get("redis_coherent_checked")), () ->
        {
            RedisSessionCacheFactory cache = new RedisSessionCacheFactory();
            cache.setLeaseMs(0);
            return cache;
        }));
        // The same, each load, check and save a round trip of its own: what shared pipelines bring.
        setups.add(setup("redis_coherent_unshared", 2, n ->
        {
            RedisSessionDataStoreFactory factory = redisFactory(redis.uri(), KEY_PREFIXES.get("redis_coherent_unshared"));
            factory.setPipelinesInFlight(0);
            return factory;
        }, RedisSessionCacheFactory::new));
        setups.add(springSetup("spring", false, redis.port()));
        setups.add(springSetup("spring_rr", true, redis.port()));
        if (jdbc)
        {
            setups.add(setup("jdbc", 2, n -> jdbcFactory(config.jdbcUrl(), table, pools), DefaultSessionCacheFactory::new));
            setups.add(setup("jdbc_null", 2, n -> jdbcFactory(config.jdbcUrl(), tableNull, pools), NullSessionCacheFactory::new));
        }
        setups.add(setup("file", 2, n -> fileFactory(fileDir), DefaultSessionCacheFactory::new));
        for (Setup setup : List.copyOf(setups))
        {
            if (!config.runsSetup(setup.name()))
            {
                for (BenchNode node : setup.nodes())
                    node.close();
                setups.remove(setup);
            }
        }

        List<Integer> clientCounts = config.quick() ? QUICK_CLIENTS : CLIENTS;
        int maxClients = clientCounts.get(clientCounts.size() - 1);
        for (Setup setup : setups)
        {
            for (int i = 0; i < maxClients; i++)
            {
                LoadGenerator.User user = newUser(setup, i);
                load.prime(user);
                setup.users().add(user);
            }
        }
        for (Setup setup : setups)
            if (REDIS_COSTS.contains(setup.name()))
                redisCosts(setup, load, redis, admin, results);

        // One unmeasured pass first, so that no configuration's first headline run pays for JIT compilation.
        for (Setup setup : setups)
            load.run(setup.users().subList(0, HEADLINE_CLIENTS), 2 * warmupMs, 0);

        Map<String, List<LoadGenerator.User>> headlineUsers = new LinkedHashMap<>();
        for (Setup setup : setups)
            headlineUsers.put(setup.name(), setup.users().subList(0, HEADLINE_CLIENTS));
        Map<String, List<LoadGenerator.RunResult>> headline = alternatingRounds(load, headlineUsers, "", warmupMs, measureMs, rounds);
        Map<String, double[]> sweep = new LinkedHashMap<>();
        Map<String, double[]> sweepP99 = new HashMap<>();
        for (Setup setup : setups)
        {
            sweep.put(setup.name(), new double[clientCounts.size()]);
            sweepP99.put(setup.name(), new double[clientCounts.size()]);
        }
        for (int c = 0; c < clientCounts.size(); c++)
        {
            int clients = clientCounts.get(c);
            for (Setup setup : setups)
            {
                if (clients == HEADLINE_CLIENTS)
                {
                    sweep.get(setup.name())[c] = median(headline.get(setup.name())).requestsPerSecond();
                    sweepP99.get(setup.name())[c] = median(headline.get(setup.name())).p99Ms();
                    continue;
                }
                LoadGenerator.RunResult result = load.run(setup.users().subList(0, clients), warmupMs, measureMs);
                print(setup.name(), clients, result);
                sweep.get(setup.name())[c] = result.requestsPerSecond();
                sweepP99.get(setup.name())[c] = result.p99Ms();
                if (result.errors() > 0)
                    results.add("e2e_" + setup.name() + "_c" + clients + "_errors", result.errors(), "requests");
            }
        }

        readMostly(config, results, redis, load, setups, warmupMs, measureMs, rounds);
        if (config.runsSetup("redis_null_metrics"))
            metricsCost(config, results, redis, load);

        recordMedians(results, "e2e_", headline);
        for (Setup setup : setups)
            for (int c = 0; c < clientCounts.size(); c++)
                results.add("e2e_" + setup.name() + "_c" + clientCounts.get(c) + "_rps", sweep.get(setup.name())[c], "req/s");
        for (Setup setup : setups)
            for (int c = 0; c < clientCounts.size(); c++)
                results.add("e2e_" + setup.name() + "_c" + clientCounts.get(c) + "_p99", sweepP99.get(setup.name())[c], "ms");
        // This store against each other configuration with affinity, with both caches.
        for (String ours : List.of("redis_default", "redis_null"))
            for (Setup other : setups)
                if (!other.name().startsWith("redis_") && !other.roundRobin())
                    results.ratio("e2e_" + ours + "_vs_" + other.name(), "e2e_" + ours + "_rps", "e2e_" + other.name() + "_rps");
        // The coherent cache: against in-memory sessions and Spring Session, with affinity and without; what
        // giving up affinity costs; its latency against Spring's at each client count (below 1: lower).
        results.ratio("e2e_coherent_vs_memory", "e2e_redis_coherent_rps", "e2e_memory_rps");
        // Context, not a goal: the same against in-memory sessions on two nodes, as the stored configurations run
        // (DefaultSessionCache's: e2e_redis_default_vs_memory_2nodes, above).
        results.ratio("e2e_memory_2nodes_vs_memory", "e2e_memory_2nodes_rps", "e2e_memory_rps");
        results.ratio("e2e_coherent_vs_memory_2nodes", "e2e_redis_coherent_rps", "e2e_memory_2nodes_rps");
        // Context, not a goal: what bare round trips reach against in-memory sessions, and the caches against as
        // many as they make (DefaultSessionCache against one: e2e_redis_default_vs_bound_1rt, above): the
        // coherent cache with affinity, under its leases, makes one; without them, and NullSessionCache, two.
        results.ratio("e2e_bound_1rt_vs_memory", "e2e_bound_1rt_rps", "e2e_memory_rps");
        results.ratio("e2e_bound_2rt_vs_memory", "e2e_bound_2rt_rps", "e2e_memory_rps");
        // Context, not a goal: what a store that wrote behind, off the request's thread, could reach at most.
        results.ratio("e2e_bound_async_vs_memory", "e2e_bound_async_rps", "e2e_memory_rps");
        results.ratio("e2e_coherent_vs_bound_1rt", "e2e_redis_coherent_rps", "e2e_bound_1rt_rps");
        results.ratio("e2e_coherent_vs_bound_2rt", "e2e_redis_coherent_rps", "e2e_bound_2rt_rps");
        results.ratio("e2e_redis_null_vs_bound_2rt", "e2e_redis_null_rps", "e2e_bound_2rt_rps");
        results.ratio("e2e_coherent_vs_spring", "e2e_redis_coherent_rps", "e2e_spring_rps");
        results.ratio("e2e_coherent_vs_redis_default", "e2e_redis_coherent_rps", "e2e_redis_default_rps");
        results.ratio("e2e_coherent_shared_vs_unshared", "e2e_redis_coherent_rps", "e2e_redis_coherent_unshared_rps");
        results.ratio("e2e_coherent_leased_vs_checked", "e2e_redis_coherent_rps", "e2e_redis_coherent_checked_rps");
        results.ratio("e2e_coherent_rr_vs_spring_rr", "e2e_redis_coherent_rr_rps", "e2e_spring_rr_rps");
        results.ratio("e2e_coherent_rr_vs_coherent", "e2e_redis_coherent_rr_rps", "e2e_redis_coherent_rps");
        results.ratio("e2e_spring_rr_vs_spring", "e2e_spring_rr_rps", "e2e_spring_rps");
        for (int clients : clientCounts)
            results.ratio("e2e_coherent_p99_vs_spring_c" + clients, "e2e_redis_coherent_c" + clients + "_p99",
                "e2e_spring_c" + clients + "_p99");
        results.ratio("e2e_redis_null_vs_redis_default", "e2e_redis_null_rps", "e2e_redis_default_rps");
        results.ratio("e2e_redis_default_noflush_vs_redis_default", "e2e_redis_default_noflush_rps", "e2e_redis_default_rps");
        results.ratio("e2e_redis_default_noflush_vs_memory", "e2e_redis_default_noflush_rps", "e2e_memory_rps");
        // The goals: like for like, the same cache on both sides.
        results.ratio("e2e_vs_jdbc", "e2e_redis_default_rps", "e2e_jdbc_rps");
        results.ratio("e2e_vs_memory", "e2e_redis_default_rps", "e2e_memory_rps");
        results.ratio("e2e_null_vs_jdbc_null", "e2e_redis_null_rps", "e2e_jdbc_null_rps");

        if (config.profile())
        {
            // Separate runs, after the measured ones: sampling must not change the figures.
            for (Setup setup : setups)
                if (!setup.name().equals("file"))
                    print(setup.name() + " sampled", HEADLINE_CLIENTS, config.sample("profile-e2e-" + setup.name(), "e2e " + setup.name() + ", 16 clients",
                        () -> load.run(setup.users().subList(0, HEADLINE_CLIENTS), 1000, 10_000)));
        }

        Map<String, double[]> chart = new LinkedHashMap<>();
        for (Setup setup : setups)
            chart.put(setup.label(), sweep.get(setup.name()));
        ThroughputChart.write(config.outDir().resolve("throughput.svg"),
            ThroughputChart.TITLE, BenchMain.machineLine() + (config.quick() ? " - quick run" : ""), clientCounts, chart);
    }

    /**
     * Read-mostly traffic, as most web applications send: the same configurations' nodes, 16 new users with
     * affinity whose requests change the session one time in {@value #READ_MOSTLY_WRITE_EVERY} and otherwise
     * only read it (every answer must still carry the latest counter). A request that only reads costs
     * {@code DefaultSessionCache} and the coherent cache under its lease no round trip (the store writes no
     * access time that moved less than its tolerance), {@code NullSessionCache} a load, the coherent cache
     * without leases a check. The median of {@code rounds} alternating rounds, as the headline's.
     */
    private static void readMostly(BenchConfig config, Results results, RedisTestServer redis, LoadGenerator load, List<Setup> setups,
                                   long warmupMs, long measureMs, int rounds) throws Exception
    {
        List<Setup> readSetups = new ArrayList<>();
        for (Setup setup : setups)
            if (READ_MOSTLY.contains(setup.name()))
                readSetups.add(setup);
        // Jetty's save period, the setting that spares requests that only read the session their write (the
        // stored access times and expiry then lag by up to that period): here only, beside the defaults.
        Setup saving = null;
        if (config.runsSetup("redis_coherent"))
        {
            saving = setup("redis_coherent_saveperiod", 2, n ->
            {
                RedisSessionDataStoreFactory factory = redisFactory(redis.uri(), KEY_PREFIXES.get("redis_coherent_saveperiod"));
                factory.setSavePeriodSec(READ_MOSTLY_SAVE_PERIOD_SEC);
                return factory;
            }, RedisSessionCacheFactory::new);
            readSetups.add(saving);
        }
        try
        {
            readMostly(results, load, readSetups, warmupMs, measureMs, rounds);
        }
        finally
        {
            if (saving != null)
                for (BenchNode node : saving.nodes())
                    node.close();
        }
    }

    private static void readMostly(Results results, LoadGenerator load, List<Setup> setups, long warmupMs, long measureMs, int rounds)
        throws Exception
    {
        Map<String, List<LoadGenerator.User>> readers = new LinkedHashMap<>();
        for (Setup setup : setups)
        {
            List<LoadGenerator.User> users = new ArrayList<>();
            for (int i = 0; i < HEADLINE_CLIENTS; i++)
            {
                LoadGenerator.User user = new LoadGenerator.User(List.of(setup.nodes().get(i % setup.nodes().size()).url()),
                    READ_MOSTLY_WRITE_EVERY);
                load.prime(user);
                users.add(user);
            }
            readers.put(setup.name(), users);
        }
        for (List<LoadGenerator.User> users : readers.values())
            load.run(users, warmupMs, 0);
        recordMedians(results, "e2e_reads_", alternatingRounds(load, readers, "reads ", warmupMs, measureMs, rounds));
        results.ratio("e2e_reads_coherent_vs_memory", "e2e_reads_redis_coherent_rps", "e2e_reads_memory_rps");
        results.ratio("e2e_reads_redis_default_vs_memory", "e2e_reads_redis_default_rps", "e2e_reads_memory_rps");
        results.ratio("e2e_reads_redis_null_vs_memory", "e2e_reads_redis_null_rps", "e2e_reads_memory_rps");
        results.ratio("e2e_reads_coherent_leased_vs_checked", "e2e_reads_redis_coherent_rps", "e2e_reads_redis_coherent_checked_rps");
        results.ratio("e2e_reads_coherent_vs_spring", "e2e_reads_redis_coherent_rps", "e2e_reads_spring_rps");
        results.ratio("e2e_reads_coherent_saveperiod_vs_coherent", "e2e_reads_redis_coherent_saveperiod_rps", "e2e_reads_redis_coherent_rps");
        results.ratio("e2e_reads_coherent_saveperiod_vs_memory", "e2e_reads_redis_coherent_saveperiod_rps", "e2e_reads_memory_rps");
    }

    /**
     * Runs each configuration's users once per round, the configurations in a turned order each round, so that
     * whatever else the machine does weighs on all of them alike.
     *
     * @param users each configuration's users, by its name
     * @param label what the printed lines put before the name
     * @return each configuration's runs, by its name
     */
    private static Map<String, List<LoadGenerator.RunResult>> alternatingRounds(LoadGenerator load, Map<String, List<LoadGenerator.User>> users,
                                                                                 String label, long warmupMs, long measureMs, int rounds)
        throws Exception
    {
        List<String> names = List.copyOf(users.keySet());
        Map<String, List<LoadGenerator.RunResult>> runs = new LinkedHashMap<>();
        for (String name : names)
            runs.put(name, new ArrayList<>());
        for (int r = 0; r < rounds; r++)
        {
            for (int s = 0; s < names.size(); s++)
            {
                String name = names.get((s + r) % names.size());
                LoadGenerator.RunResult result = load.run(users.get(name), warmupMs, measureMs);
                print(label + name, HEADLINE_CLIENTS, result);
                runs.get(name).add(result);
            }
        }
        return runs;
    }

    /** Records each configuration's median run under {@code prefix + name}, and its errors over all runs. */
    private static void recordMedians(Results results, String prefix, Map<String, List<LoadGenerator.RunResult>> runs)
    {
        runs.forEach((name, all) ->
        {
            LoadGenerator.RunResult m = median(all);
            results.add(prefix + name + "_rps", m.requestsPerSecond(), "req/s");
            results.add(prefix + name + "_p50", m.p50Ms(), "ms");
            results.add(prefix + name + "_p99", m.p99Ms(), "ms");
            results.add(prefix + name + "_cpu", m.cpuPercent(), "%");
            results.add(prefix + name + "_jvm_cpu_per_request", m.jvmMicrosPerRequest(), "µs");
            if (!Double.isNaN(m.redisMicrosPerRequest()))
                results.add(prefix + name + "_redis_cpu_per_request", m.redisMicrosPerRequest(), "µs");
            long errors = all.stream().mapToLong(LoadGenerator.RunResult::errors).sum();
            if (errors > 0)
                results.add(prefix + name + "_errors", errors, "requests");
            long stale = all.stream().mapToLong(LoadGenerator.RunResult::stale).sum();
            if (stale > 0)
                results.add(prefix + name + "_stale", stale, "requests");
        });
    }

    /**
     * What counting costs on the request path: two configurations made alike for this, {@code redis_null}
     * with the store counting and with its {@code metrics} off, half the headline's clients on each, in the
     * same runs (the first half of the clients sent first alternates between them). Done twice, on fresh
     * nodes, the counting configuration started first and then second, so that an advantage of either order
     * (JIT, ports, Redis's connection order) cannot decide the figure: the geometric mean of the two orders'
     * medians of the runs' ratios of requests served. Neither configuration is in any other figure (nor the
     * chart).
     */
    private static void metricsCost(BenchConfig config, Results results, RedisTestServer redis, LoadGenerator load) throws Exception
    {
        double product = 1;
        List<Double> offRps = new ArrayList<>();
        for (boolean countingFirst : new boolean[]{true, false})
        {
            List<Setup> pair = new ArrayList<>();
            try
            {
                for (boolean metrics : countingFirst ? new boolean[]{true, false} : new boolean[]{false, true})
                {
                    String name = metrics ? "redis_null_metrics" : "redis_null_nometrics";
                    pair.add(setup(name, 2, n ->
                    {
                        RedisSessionDataStoreFactory factory = redisFactory(redis.uri(), KEY_PREFIXES.get(name));
                        factory.setMetrics(metrics);
                        return factory;
                    }, NullSessionCacheFactory::new));
                }
                Setup on = countingFirst ? pair.get(0) : pair.get(1);
                Setup off = countingFirst ? pair.get(1) : pair.get(0);
                double median = compareCounting(config, results, load, on, off, offRps, countingFirst ? "first" : "second");
                results.add("e2e_metrics_on_vs_off_counting_" + (countingFirst ? "first" : "second"), median, "x");
                product *= median;
            }
            finally
            {
                for (Setup setup : pair)
                    for (BenchNode node : setup.nodes())
                        node.close();
            }
        }
        offRps.sort(null);
        results.add("e2e_redis_null_nometrics_half_rps", offRps.get(offRps.size() / 2), "req/s");
        results.add("e2e_metrics_on_vs_off", Math.sqrt(product), "x");
    }

    /** @return the median of the runs' ratios of requests served, counting to not counting */
    private static double compareCounting(BenchConfig config, Results results, LoadGenerator load, Setup on, Setup off,
        List<Double> offRps, String order) throws Exception
    {
        int half = HEADLINE_CLIENTS / 2;
        for (Setup setup : List.of(on, off))
        {
            for (int i = 0; i < half; i++)
            {
                LoadGenerator.User user = newUser(setup, i);
                load.prime(user);
                setup.users().add(user);
            }
        }
        // Half the clients on each configuration, at the same time: whatever else the machine does weighs on both.
        List<LoadGenerator.User> onFirst = new ArrayList<>(on.users());
        onFirst.addAll(off.users());
        List<LoadGenerator.User> offFirst = new ArrayList<>(off.users());
        offFirst.addAll(on.users());
        long warmupMs = config.pick(1000, 500);
        long measureMs = config.pick(5000, 2000);
        int runs = config.pick(7, 5);
        load.run(onFirst, 2 * warmupMs, 0);
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < runs; r++)
        {
            LoadGenerator.RunResult result = load.run(r % 2 == 0 ? onFirst : offFirst, warmupMs, measureMs);
            long withCounting = on.users().stream().mapToLong(LoadGenerator.User::measured).sum();
            long withoutCounting = off.users().stream().mapToLong(LoadGenerator.User::measured).sum();
            double perRequest = result.requestsPerSecond() / (withCounting + withoutCounting);
            System.out.printf(Locale.ROOT, "e2e metrics on/off %d+%d clients: %8.0f / %8.0f req/s (%d errors)%n", half, half,
                withCounting * perRequest, withoutCounting * perRequest, result.errors());
            ratios.add((double)withCounting / withoutCounting);
            offRps.add(withoutCounting * perRequest);
            if (result.errors() > 0)
                results.add("e2e_metrics_on_vs_off_" + order + "_run" + r + "_errors", result.errors(), "requests");
        }
        ratios.sort(null);
        offRps.sort(null);
        System.out.println("e2e metrics on/off, counting configuration started " + order + ", run by run (sorted): " + ratios);
        return ratios.get(ratios.size() / 2);
    }

    private static Setup setup(String name, int nodes, NodeFactories stores, Supplier<SessionCacheFactory> cache) throws Exception
    {
        return setup(name, nodes, false, stores, cache);
    }

    private static Setup setup(String name, int nodes, boolean roundRobin, NodeFactories stores, Supplier<SessionCacheFactory> cache)
        throws Exception
    {
        List<BenchNode> started = new ArrayList<>();
        for (int n = 0; n < nodes; n++)
            started.add(new BenchNode(name.replace("_", "") + n, stores.store(n), cache.get()));
        return new Setup(name, label(name), started, roundRobin, new ArrayList<>());
    }

    /** Two nodes with Spring Session, each with its own Redis client, as two instances of an application. */
    private static Setup springSetup(String name, boolean roundRobin, int redisPort) throws Exception
    {
        String prefix = KEY_PREFIXES.get(name);
        String namespace = prefix.substring(0, prefix.length() - 1);
        List<BenchNode> started = new ArrayList<>();
        for (int n = 0; n < 2; n++)
            started.add(SpringSessionNode.start(name.replace("_", "") + n, "127.0.0.1", redisPort, namespace));
        return new Setup(name, label(name), started, roundRobin, new ArrayList<>());
    }

    /** @return client {@code i}: on node {@code i mod nodes}, or starting there and then taking each node in turn */
    private static LoadGenerator.User newUser(Setup setup, int i)
    {
        List<BenchNode> nodes = setup.nodes();
        if (!setup.roundRobin())
            return new LoadGenerator.User(nodes.get(i % nodes.size()).url());
        List<String> urls = new ArrayList<>();
        for (int k = 0; k < nodes.size(); k++)
            urls.add(nodes.get((i + k) % nodes.size()).url());
        return new LoadGenerator.User(urls);
    }

    /**
     * What a configuration costs Redis, outside the timed runs: {@code used_memory} growth over new sessions
     * (the typical shape, saved once; with the store's expiry index, Redis's own overhead per key, and a share
     * of any growth of its key table), and for the requests of one client, one after the other, after its
     * first, on the configuration's keys ({@link RedisMonitor}): the commands Redis ran
     * ({@code _redis_commands_per_request}: a Lua script's call and each command it runs, as {@code INFO
     * commandstats} counts them) and the commands the nodes sent ({@code _redis_client_commands_per_request}: a
     * script's call counts once).
     */
    private static void redisCosts(Setup setup, LoadGenerator load, RedisTestServer redis, UnifiedJedis admin, Results results)
        throws Exception
    {
        int sessions = 1000;
        int requests = 200;
        String name = "e2e_" + setup.name();
        double memoryBefore = RedisInfo.field(admin, "memory", "used_memory");
        for (int i = 0; i < sessions; i++)
            load.prime(newUser(setup, i));
        double memoryAfter = RedisInfo.field(admin, "memory", "used_memory");
        results.add(name + "_redis_bytes_per_session", (memoryAfter - memoryBefore) / sessions, "B");

        LoadGenerator.User user = newUser(setup, 0);
        load.prime(user);
        // A few requests first, so that the counted ones are like the timed runs' (e.g. scripts loaded).
        long errors = load.sequential(user, 10);
        RedisMonitor.Counts counts;
        try (RedisMonitor monitor = new RedisMonitor("127.0.0.1", redis.port(), KEY_PREFIXES.get(setup.name()), admin))
        {
            errors += load.sequential(user, requests);
            counts = monitor.stop(admin);
        }
        System.out.println("e2e " + setup.name() + ": per request, Redis ran" + perRequest(counts.ran(), requests) + "; the nodes sent" +
            perRequest(counts.sent(), requests) + (errors > 0 ? " (" + errors + " requests failed or answered a wrong counter)" : ""));
        results.add(name + "_redis_commands_per_request", total(counts.ran()) / (double)requests, "commands");
        results.add(name + "_redis_client_commands_per_request", total(counts.sent()) / (double)requests, "commands");
        if (errors > 0)
            results.add(name + "_sequential_errors", errors, "requests");
    }

    private static String perRequest(Map<String, Long> commands, int requests)
    {
        StringBuilder text = new StringBuilder();
        commands.forEach((command, calls) -> text.append(String.format(Locale.ROOT, " %s %.2f", command, (double)calls / requests)));
        return text.toString();
    }

    private static long total(Map<String, Long> commands)
    {
        return commands.values().stream().mapToLong(Long::longValue).sum();
    }

    private static RedisSessionDataStoreFactory redisFactory(String uri, String prefix)
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(uri);
        factory.setPrefix(prefix);
        return factory;
    }

    private static SessionDataStoreFactory jdbcFactory(String url, String table, List<SimpleConnectionPool> pools)
    {
        // Each node has a pool as large as the Redis store's default (16 connections).
        SimpleConnectionPool pool = new SimpleConnectionPool(url, 16);
        pools.add(pool);
        DatabaseAdaptor adaptor = new DatabaseAdaptor();
        adaptor.setDatasource(pool);
        JDBCSessionDataStore.SessionTableSchema schema = new JDBCSessionDataStore.SessionTableSchema();
        schema.setTableName(table);
        JDBCSessionDataStoreFactory factory = new JDBCSessionDataStoreFactory();
        factory.setDatabaseAdaptor(adaptor);
        factory.setSessionTableSchema(schema);
        return factory;
    }

    private static SessionDataStoreFactory fileFactory(Path dir)
    {
        FileSessionDataStoreFactory factory = new FileSessionDataStoreFactory();
        factory.setStoreDir(dir.toFile());
        return factory;
    }

    private static boolean databaseReachable(String url)
    {
        try (Connection connection = DriverManager.getConnection(url))
        {
            return connection.isValid(5);
        }
        catch (Exception e)
        {
            System.out.println("PostgreSQL not reachable at " + url + " (" + e.getMessage() + "): the JDBC configurations are skipped");
            return false;
        }
    }

    /** Drops the tables of earlier runs that died before cleaning up; only this benchmark's names. */
    private static void dropLeftoverTables(String url) throws Exception
    {
        List<String> leftovers = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement();
             ResultSet tables = statement.executeQuery(
                 "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'jsr\\_bench\\_sessions\\_%'"))
        {
            while (tables.next())
                leftovers.add(tables.getString(1));
        }
        dropTables(url, leftovers.toArray(new String[0]));
    }

    private static void dropTables(String url, String... tables) throws Exception
    {
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement())
        {
            for (String table : tables)
                statement.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    private static void print(String name, int clients, LoadGenerator.RunResult result)
    {
        System.out.printf(Locale.ROOT, "e2e %-14s %3d clients: %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms  cpu %3.0f%%  per request: jvm %4.0f µs,"
                + " redis %3.0f µs  (%d requests, %d errors, %d stale)%n",
            name, clients, result.requestsPerSecond(), result.p50Ms(), result.p99Ms(), result.cpuPercent(), result.jvmMicrosPerRequest(),
            result.redisMicrosPerRequest(), result.requests(), result.errors(), result.stale());
    }

    /** @return the run with the median throughput (its latencies come with it) */
    private static LoadGenerator.RunResult median(List<LoadGenerator.RunResult> runs)
    {
        List<LoadGenerator.RunResult> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(LoadGenerator.RunResult::requestsPerSecond));
        return sorted.get(sorted.size() / 2);
    }
}
