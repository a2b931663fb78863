// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.BenchAccess;
import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.SessionData;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * Requirement 4: scale. On a private redis-server, sessions are written in the store's exact layout
 * ({@link SessionHashCodec} fields under {@link SessionKeys} keys, the store's TTL, the expiry index) with
 * pipelines, much faster than through Jetty. Then the store's {@code getExpired} (what every scavenge
 * runs: the index read and the pipelined claims of the expired sessions) and {@code doGetExpired} (the
 * range read alone) are timed:
 * <ol>
 *   <li>with a tenth of the live sessions and 1,000 expired;</li>
 *   <li>with all live sessions (1,000,000; 100,000 in the quick run) and the same 1,000 expired: the time
 *   and the Redis commands ({@code INFO commandstats}) must not follow the live count;</li>
 *   <li>with 10,000 expired: they must follow the expired count.</li>
 * </ol>
 * Also {@code MEMORY USAGE} per session hash of the small and the typical shape, the expiry index's share
 * per session, and Redis's {@code used_memory} growth per session over the whole load.
 */
final class ScaleSuite
{
    private static final long MAX_INACTIVE_MS = 1_800_000;
    private static final int EXPIRED = 1000;
    private static final int BATCH = 1000;

    private ScaleSuite()
    {
    }

    static void run(BenchConfig config, Results results) throws Exception
    {
        int live = config.pick(1_000_000, 100_000);
        int iterations = config.pick(20, 10);
        try (RedisTestServer redis = RedisTestServer.startPrivate();
             UnifiedJedis admin = redis.newClient())
        {
            UnifiedJedis pool = PooledRedisClientFactory.createPooledClient(
                new RedisClientSettings(redis.uri(), null, null, 2000, 10000, 16, "bench-scale", null));
            try (pool; StoreHarness harness = new StoreHarness(BenchClientFactory.storeFactory(pool, "scale:"), "/app", new DefaultSessionCacheFactory()))
            {
                RedisSessionDataStore store = harness.store();
                SessionHashCodec codec = new SessionHashCodec(new ProtobufAttributeSerializer());
                long graceMs = TimeUnit.SECONDS.toMillis(store.getGracePeriodSec());
                long now = System.currentTimeMillis();
                double memoryBefore = RedisInfo.field(admin, "memory", "used_memory");

                // Expired a grace period and a half ago: past what getExpired looks for (now - grace), not yet
                // an orphan for cleanOrphans (now - 10 x grace), so every call sees the same 1,000.
                long expiredAt = now - graceMs * 3 / 2;
                long started = System.nanoTime();
                load(pool, store, codec, "expired-", 0, EXPIRED, "small", i -> expiredAt - i);
                load(pool, store, codec, "live-", 0, live / 10, "small", i -> now + MAX_INACTIVE_MS + i % 600_000);
                results.add("scale_tenth_live_sessions", live / 10, "sessions");
                measure(store, admin, "scale_tenth_live", iterations, graceMs, EXPIRED, results);

                load(pool, store, codec, "live-", live / 10, live, "small", i -> now + MAX_INACTIVE_MS + i % 600_000);
                double seconds = (System.nanoTime() - started) / 1e9;
                results.add("scale_load_sessions_per_s", (live + EXPIRED) / seconds, "sessions/s");
                double memoryAfter = RedisInfo.field(admin, "memory", "used_memory");
                results.add("scale_live_sessions", live, "sessions");
                results.add("scale_expired_sessions", EXPIRED, "sessions");
                results.add("mem_used_per_small_session", (memoryAfter - memoryBefore) / (live + EXPIRED), "B");
                measure(store, admin, "scale", iterations, graceMs, EXPIRED, results);
                results.ratio("scale_getexpired_vs_tenth_live", "scale_getexpired_ms", "scale_tenth_live_getexpired_ms");

                // Memory per session hash, by shape; the index's share per member.
                byte[] index = store.getKeys().expiryIndex();
                results.add("mem_small_per_session", memoryUsage(admin, store, "live-", 0, 200), "B");
                load(pool, store, codec, "typical-", 0, 1000, "typical", i -> now + MAX_INACTIVE_MS);
                results.add("mem_typical_per_session", memoryUsage(admin, store, "typical-", 0, 200), "B");
                results.add("mem_index_per_session", (double)admin.memoryUsage(index, 0) / admin.zcard(index), "B");
                System.out.println("scale: hash encoding of a small session: " +
                    new String(admin.objectEncoding(store.getKeys().session("live-0")), StandardCharsets.UTF_8) + ", of a typical one: " +
                    new String(admin.objectEncoding(store.getKeys().session("typical-0")), StandardCharsets.UTF_8));

                memoryWithLargerListpacks(codec, results);

                // Ten times the expired sessions: the work must grow with them.
                load(pool, store, codec, "expired-", EXPIRED, 10 * EXPIRED, "small", i -> expiredAt - i);
                measure(store, admin, "scale_10x_expired", iterations, graceMs, 10 * EXPIRED, results);
                results.ratio("scale_10x_expired_vs_1x", "scale_10x_expired_getexpired_ms", "scale_getexpired_ms");
            }
        }
    }

    private interface Expiry
    {
        long of(int i);
    }

    /** Writes sessions {@code from} to {@code to} of a shape in the store's layout, two pipelines at a time. */
    private static void load(UnifiedJedis pool, RedisSessionDataStore store, SessionHashCodec codec, String idPrefix, int from, int to,
                             String shape, Expiry expiry) throws Exception
    {
        Map<String, Object> attributes = SessionShapes.attributes(shape);
        SessionKeys keys = store.getKeys();
        ExecutorService loaders = Executors.newFixedThreadPool(2);
        try
        {
            List<Future<?>> batches = new ArrayList<>();
            for (int start = from; start < to; start += BATCH)
            {
                int first = start;
                int last = Math.min(to, start + BATCH);
                batches.add(loaders.submit(() ->
                {
                    long now = System.currentTimeMillis();
                    Map<byte[], Double> scores = new HashMap<>();
                    try (AbstractPipeline pipeline = pool.pipelined())
                    {
                        for (int i = first; i < last; i++)
                        {
                            String id = idPrefix + i;
                            long expires = expiry.of(i);
                            SessionData data = store.newSessionData(id, now - 60_000, now - 1000, now - 2000, MAX_INACTIVE_MS);
                            data.setLastNode("node0");
                            data.setCookieSet(now - 60_000);
                            data.setExpiry(expires);
                            data.setLastSaved(now - 1000);
                            data.putAllAttributes(attributes);
                            byte[] key = keys.session(id);
                            pipeline.hset(key, codec.encode(data));
                            pipeline.pexpire(key, BenchAccess.ttlMs(store, expires, now));
                            scores.put(id.getBytes(StandardCharsets.UTF_8), (double)expires);
                        }
                        pipeline.zadd(keys.expiryIndex(), scores);
                        pipeline.sync();
                    }
                    return null;
                }));
            }
            for (Future<?> batch : batches)
                batch.get();
        }
        finally
        {
            loaders.shutdownNow();
        }
    }

    /** Times getExpired and doGetExpired, and counts the Redis commands of one getExpired. */
    private static void measure(RedisSessionDataStore store, UnifiedJedis admin, String name, int iterations, long graceMs,
                                int expectedExpired, Results results)
    {
        // Warm-up; the first call also runs the orphan sweep, which runs once per 10 grace periods.
        for (int i = 0; i < 3; i++)
            store.getExpired(Set.of());
        double[] getExpired = new double[iterations];
        double[] doGetExpired = new double[iterations];
        int found = -1;
        for (int i = 0; i < iterations; i++)
        {
            long start = System.nanoTime();
            found = store.getExpired(Set.of()).size();
            getExpired[i] = (System.nanoTime() - start) / 1e6;
            start = System.nanoTime();
            store.doGetExpired(System.currentTimeMillis() - graceMs);
            doGetExpired[i] = (System.nanoTime() - start) / 1e6;
        }
        if (found != expectedExpired)
            System.out.printf("scale: WARNING %s: getExpired returned %d ids, expected %d%n", name, found, expectedExpired);
        admin.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
        store.getExpired(Set.of());
        Map<String, long[]> stats = RedisInfo.commandStats(admin);
        stats.keySet().removeIf(command -> command.startsWith("config") || command.startsWith("info"));
        StringBuilder detail = new StringBuilder();
        stats.forEach((command, s) -> detail.append(' ').append(command).append('=').append(s[0]).append('/').append(s[1]).append("us"));
        // Commands inside the claim scripts are counted too (hmget, hset; on a single Redis the index reads, zcount and zrange).
        System.out.printf("scale: %s: one getExpired ran in Redis (command=calls/usec, script-internal ones included):%s%n", name, detail);
        long[] none = {0, 0};
        long indexRead = stats.getOrDefault("zrangebyscore", none)[1] + stats.getOrDefault("zrange", none)[1] + stats.getOrDefault("zcount", none)[1];
        results.add(name + "_getexpired_index_read_usec", indexRead, "us");
        results.add(name + "_getexpired_claims", stats.getOrDefault("evalsha", none)[0], "commands");
        results.add(name + "_getexpired_claims_usec", stats.getOrDefault("evalsha", none)[1], "us");
        Arrays.sort(getExpired);
        Arrays.sort(doGetExpired);
        results.add(name + "_getexpired_ms", getExpired[iterations / 2], "ms");
        results.add(name + "_getexpired_max_ms", getExpired[iterations - 1], "ms");
        results.add(name + "_dogetexpired_ms", doGetExpired[iterations / 2], "ms");
    }

    /**
     * Both shapes exceed Redis's default {@code hash-max-listpack-value} (64 B: the metadata field alone is
     * about 100 B), so their hashes take the memory-hungry {@code hashtable} encoding. The same sessions on a
     * redis-server with the limit raised to 512 B show what the compact encoding saves.
     */
    private static void memoryWithLargerListpacks(SessionHashCodec codec, Results results) throws Exception
    {
        try (RedisTestServer redis = RedisTestServer.startPrivate("--hash-max-listpack-value", "512");
             UnifiedJedis admin = redis.newClient())
        {
            UnifiedJedis pool = PooledRedisClientFactory.createPooledClient(
                new RedisClientSettings(redis.uri(), null, null, 2000, 10000, 4, "bench-scale-listpack", null));
            try (pool; StoreHarness harness = new StoreHarness(BenchClientFactory.storeFactory(pool, "scale:"), "/app", new DefaultSessionCacheFactory()))
            {
                RedisSessionDataStore store = harness.store();
                long now = System.currentTimeMillis();
                load(pool, store, codec, "small-", 0, 1000, "small", i -> now + MAX_INACTIVE_MS);
                load(pool, store, codec, "typical-", 0, 1000, "typical", i -> now + MAX_INACTIVE_MS);
                results.add("mem_small_per_session_listpack512", memoryUsage(admin, store, "small-", 0, 200), "B");
                results.add("mem_typical_per_session_listpack512", memoryUsage(admin, store, "typical-", 0, 200), "B");
                System.out.println("scale: with hash-max-listpack-value 512, encoding of a small session: " +
                    new String(admin.objectEncoding(store.getKeys().session("small-0")), StandardCharsets.UTF_8) + ", of a typical one: " +
                    new String(admin.objectEncoding(store.getKeys().session("typical-0")), StandardCharsets.UTF_8));
            }
        }
        results.ratio("mem_small_listpack512_vs_default", "mem_small_per_session_listpack512", "mem_small_per_session");
        results.ratio("mem_typical_listpack512_vs_default", "mem_typical_per_session_listpack512", "mem_typical_per_session");
    }

    private static double memoryUsage(UnifiedJedis admin, RedisSessionDataStore store, String idPrefix, int from, int count)
    {
        long sum = 0;
        for (int i = from; i < from + count; i++)
            sum += admin.memoryUsage(store.getKeys().session(idPrefix + i), 0);
        return (double)sum / count;
    }
}
