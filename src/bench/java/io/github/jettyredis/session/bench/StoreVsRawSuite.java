// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import io.github.jettyredis.session.BenchAccess;
import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * Requirement 2: the store against the limit. 16 threads each load a typical session, change one
 * attribute (as a request does) and store it, through {@link RedisSessionDataStore}; against, on the
 * same pooled client in the same run, the same Redis work with no store around it:
 * <ul>
 *   <li>{@code store_unshared}: the same store with {@code pipelinesInFlight=0}, each load and save a round
 *   trip of its own, as before shared pipelines;</li>
 *   <li>{@code raw_jedis}: {@code HGETALL}, then one pipeline of {@code HSET} of the fields the store
 *   sends (metadata and the changed attribute, the same bytes), {@code PEXPIRE} and {@code ZADD}: the
 *   ceiling;</li>
 *   <li>{@code raw_lua}: {@code HGETALL}, then the store's own write script ({@code EVALSHA}, same
 *   arguments) pipelined with {@code ZADD}: what the store does minus the codec and Jetty.</li>
 * </ul>
 * Rounds of the three alternate, so drift (JIT, other load on the machine) hits all alike; each figure is
 * the median over rounds. CPU time per operation of this JVM and of redis-server says where time goes:
 * both share the machine's cores.
 */
final class StoreVsRawSuite
{
    private static final int THREADS = 16;
    private static final int SESSIONS_PER_THREAD = 32;
    private static final long MAX_INACTIVE_MS = 1_800_000;

    /** One operation on session number {@code i}. */
    private interface Op
    {
        void run(int i) throws Exception;
    }

    private StoreVsRawSuite()
    {
    }

    static void run(BenchConfig config, Results results) throws Exception
    {
        try (RedisTestServer redis = RedisTestServer.startPrivate();
             UnifiedJedis admin = redis.newClient())
        {
            UnifiedJedis pool = PooledRedisClientFactory.createPooledClient(
                new RedisClientSettings(redis.uri(), null, null, 2000, 2000, 16, "bench", null));
            RedisSessionDataStoreFactory unsharedFactory = BenchClientFactory.storeFactory(pool, "bench:");
            unsharedFactory.setPipelinesInFlight(0);
            StoreHarness unsharedHarness = new StoreHarness(unsharedFactory, "/app", null);
            try (pool; unsharedHarness; StoreHarness harness = new StoreHarness(BenchClientFactory.storeFactory(pool, "bench:"), "/app", null))
            {
                RedisSessionDataStore store = harness.store();
                RedisSessionDataStore unshared = unsharedHarness.store();
                SessionHashCodec codec = new SessionHashCodec(new ProtobufAttributeSerializer());
                int sessions = THREADS * SESSIONS_PER_THREAD;
                String[] ids = new String[sessions];
                byte[][] keys = new byte[sessions][];
                byte[][] members = new byte[sessions][];
                List<Map<byte[], byte[]>> writes = new ArrayList<>();
                byte[][][] scriptArgs = new byte[sessions][][];
                byte[] index = store.getKeys().expiryIndex();
                byte[] counterField = SessionHashCodec.attributeField("counter");
                byte[] counterValue = codec.getSerializer().serialize(1);
                long now = System.currentTimeMillis();
                long ttl = BenchAccess.ttlMs(store, now + MAX_INACTIVE_MS, now);
                for (int i = 0; i < sessions; i++)
                {
                    ids[i] = "bench-session-" + i;
                    SessionData data = store.newSessionData(ids[i], now, now, now, MAX_INACTIVE_MS);
                    data.setLastNode("node0");
                    data.putAllAttributes(SessionShapes.typical());
                    data.setExpiry(data.calcExpiry(now));
                    store.store(ids[i], data);
                    keys[i] = store.getKeys().session(ids[i]);
                    members[i] = ids[i].getBytes(StandardCharsets.UTF_8);
                    // What a save after a request that changed "counter" sends: the metadata and that field.
                    Map<byte[], byte[]> write = new LinkedHashMap<>();
                    SessionData stored = store.load(ids[i]);
                    write.put(SessionHashCodec.METADATA_FIELD, codec.encodeMetadata(stored));
                    write.put(counterField, counterValue);
                    writes.add(write);
                    scriptArgs[i] = BenchAccess.writeArgs(store.getKeys(), ids[i], codec.encodeMetadata(stored), stored.getExpiry(),
                        Map.of(counterField, counterValue), ttl);
                }

                Map<String, Op> variants = new LinkedHashMap<>();
                variants.put("store", i -> requestOn(store, ids[i]));
                variants.put("store_unshared", i -> requestOn(unshared, ids[i]));
                variants.put("raw_jedis", i ->
                {
                    if (pool.hgetAll(keys[i]).isEmpty())
                        throw new IllegalStateException("no session " + ids[i]);
                    try (AbstractPipeline pipeline = pool.pipelined())
                    {
                        pipeline.hset(keys[i], writes.get(i));
                        pipeline.pexpire(keys[i], ttl);
                        pipeline.zadd(index, System.currentTimeMillis() + MAX_INACTIVE_MS, members[i]);
                        pipeline.sync();
                    }
                });
                variants.put("raw_lua", i ->
                {
                    if (pool.hgetAll(keys[i]).isEmpty())
                        throw new IllegalStateException("no session " + ids[i]);
                    Response<Object> written;
                    try (AbstractPipeline pipeline = pool.pipelined())
                    {
                        written = BenchAccess.queueWrite(pipeline, scriptArgs[i]);
                        pipeline.zadd(index, System.currentTimeMillis() + MAX_INACTIVE_MS, members[i]);
                        pipeline.sync();
                    }
                    if (!Long.valueOf(1).equals(BenchAccess.writeResult(written, pool, scriptArgs[i])))
                        throw new IllegalStateException("write refused for " + ids[i]);
                });

                long warmupMs = config.pick(8000, 3000);
                long roundMs = config.pick(3000, 1000);
                int rounds = config.pick(9, 3);
                for (Map.Entry<String, Op> variant : variants.entrySet())
                    round(variant.getValue(), warmupMs, admin);
                Map<String, List<double[]>> measured = new HashMap<>();
                List<String> order = new ArrayList<>(variants.keySet());
                for (int r = 0; r < rounds; r++)
                {
                    for (int v = 0; v < order.size(); v++)
                    {
                        // Rotate the order each round, so no variant always follows the same one.
                        String name = order.get((v + r) % order.size());
                        double[] figures = round(variants.get(name), roundMs, admin);
                        measured.computeIfAbsent(name, k -> new ArrayList<>()).add(figures);
                        System.out.printf("store-vs-raw round %d %-9s %8.0f ops/s  client %.1f us/op  redis %.1f us/op%n",
                            r + 1, name, figures[0], figures[1], figures[2]);
                    }
                }
                for (String name : order)
                {
                    List<double[]> list = measured.get(name);
                    results.add(name + "_ops_per_s", median(list, 0), "ops/s");
                    results.add(name + "_client_cpu_per_op", median(list, 1), "us");
                    results.add(name + "_redis_cpu_per_op", median(list, 2), "us");
                }
                results.ratio("store_vs_raw_jedis", "store_ops_per_s", "raw_jedis_ops_per_s");
                results.ratio("store_vs_raw_lua", "store_ops_per_s", "raw_lua_ops_per_s");
                results.ratio("raw_lua_vs_raw_jedis", "raw_lua_ops_per_s", "raw_jedis_ops_per_s");
                results.ratio("store_unshared_vs_raw_jedis", "store_unshared_ops_per_s", "raw_jedis_ops_per_s");
                // Round by round (each store round next to a raw one): how much the ratio moves.
                double[] perRound = new double[rounds];
                for (int r = 0; r < rounds; r++)
                    perRound[r] = measured.get("store").get(r)[0] / measured.get("raw_jedis").get(r)[0];
                Arrays.sort(perRound);
                results.add("store_vs_raw_jedis_min", perRound[0], "x");
                results.add("store_vs_raw_jedis_max", perRound[rounds - 1], "x");
                if (config.profile())
                {
                    // Separate runs, after the measured ones: sampling must not change the figures.
                    for (String name : List.of("store", "raw_jedis"))
                        config.sample("profile-" + name, name + ", 16 threads",
                            () -> round(variants.get(name), 10_000, admin));
                }
            }
        }
    }

    /** What a request that changes one attribute does to the store: a load, then a save. */
    private static void requestOn(RedisSessionDataStore store, String id) throws Exception
    {
        SessionData data = store.load(id);
        long time = System.currentTimeMillis();
        data.setLastAccessed(data.getAccessed());
        data.setAccessed(time);
        data.setExpiry(data.calcExpiry(time));
        data.setAttribute("counter", (Integer)data.getAttribute("counter") + 1);
        store.store(id, data);
    }

    /**
     * Runs {@link #THREADS} threads doing the operation for the given time.
     *
     * @return ops/s, this JVM's CPU us per op, redis-server's CPU us per op
     */
    private static double[] round(Op op, long millis, UnifiedJedis admin) throws Exception
    {
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder ops = new LongAdder();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++)
        {
            int first = t * SESSIONS_PER_THREAD;
            Thread thread = new Thread(() ->
            {
                try
                {
                    go.await();
                    long count = 0;
                    while (!stop.get())
                    {
                        op.run(first + (int)(count % SESSIONS_PER_THREAD));
                        count++;
                    }
                    ops.add(count);
                }
                catch (Throwable x)
                {
                    failure.compareAndSet(null, x);
                    stop.set(true);
                }
            }, "bench-store-" + t);
            thread.start();
            threads.add(thread);
        }
        double redisCpu = RedisInfo.cpuSeconds(admin);
        long clientCpu = RedisInfo.processCpuNanos();
        long start = System.nanoTime();
        go.countDown();
        Thread.sleep(millis);
        stop.set(true);
        for (Thread thread : threads)
            thread.join();
        long elapsed = System.nanoTime() - start;
        clientCpu = RedisInfo.processCpuNanos() - clientCpu;
        redisCpu = RedisInfo.cpuSeconds(admin) - redisCpu;
        if (failure.get() != null)
            throw new IllegalStateException("Benchmark operation failed", failure.get());
        double count = ops.sum();
        return new double[]{count * 1e9 / elapsed, clientCpu / 1e3 / count, redisCpu * 1e6 / count};
    }

    private static double median(List<double[]> rounds, int column)
    {
        double[] values = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
