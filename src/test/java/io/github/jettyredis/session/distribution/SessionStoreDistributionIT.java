// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import io.github.jettyredis.session.demo.webapp.SessionDemoListener;
import io.github.jettyredis.session.ids.HexIdGenerator;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The install contract on the real jetty-home: two bases made exactly as the README says (copy
 * {@code modules/} and {@code config/}, {@code start.jar --add-modules=...}), each started with
 * {@code java -jar start.jar} as a child process, sharing sessions through a Redis of the test's own, driven
 * over HTTP through the demo webapp. Only the project jar is put in place by hand (a build that has not run
 * {@code install} has it in no Maven repository); every other jar comes through the modules' {@code [files]}.
 * One run has Jetty's session ids; the other adds the {@code session-id-generator} module, with the jar of a
 * generator in {@code lib/ext/}, as the README says.
 */
class SessionStoreDistributionIT
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(10);

    private final List<JettyProcess> nodes = new ArrayList<>();

    @AfterEach
    void killNodes()
    {
        nodes.forEach(JettyProcess::close);
    }

    @ParameterizedTest(name = "{0} + {1} + {2}")
    @CsvSource({
        // Jetty's own session ids.
        "ee10-deploy, session-cache-null, ",
        // The coherent cache: sessions held in memory, checked against Redis before each use, so that each
        // node sees what the other one did. Ids from a SessionIdGenerator in lib/ext/.
        "ee11-deploy, session-cache-redis, session-id-generator"
    })
    void twoNodesShareSessionsThroughRedis(String deployModule, String cacheModule, String idModule) throws Exception
    {
        RedisTestServer redis = RedisTestServer.shared();
        String prefix = RedisTestServer.uniquePrefix();
        Path work = emptyDir(BuildLayout.target().resolve("distribution-it").resolve(deployModule));
        boolean generatedIds = idModule != null;
        String modules = "--add-modules=http,jmx," + deployModule + "," + cacheModule + ",session-store-redis" + (generatedIds ? ",ext," + idModule : "");
        // Scavenge every second with a one-second grace period, so that an expired session goes within seconds.
        List<String> properties = new ArrayList<>(List.of("jetty.http.host=127.0.0.1",
            "jetty.session.redis.uri=" + redis.uri(), "jetty.session.redis.prefix=" + prefix,
            "jetty.sessionScavengeInterval.seconds=1", "jetty.session.gracePeriod.seconds=1"));

        // The demo webapp reads TTLs and counts destroyed sessions with its own Jedis: it needs the URI too.
        // The house keeper logs each scavenge at DEBUG: the test counts them to see that nothing more happens.
        List<String> jvmArgs = List.of("-Djetty.session.redis.uri=" + redis.uri(), "-Djetty.session.redis.prefix=" + prefix,
            "-Dorg.eclipse.jetty.session.HouseKeeper.LEVEL=DEBUG");
        JettyProcess node1 = start("node1", install(work.resolve("base1"), modules, generatedIds), jvmArgs, properties, work);
        JettyProcess node2 = start("node2", install(work.resolve("base2"), modules, generatedIds), jvmArgs, properties, work);
        for (JettyProcess node : nodes)
            node.awaitReady("/demo/favicon.ico", START_TIMEOUT);
        URI page1 = node1.uri("/demo/");
        URI page2 = node2.uri("/demo/");

        try (UnifiedJedis jedis = redis.newClient())
        {
            HttpSessionClient browser = new HttpSessionClient();

            // A session made on node 1 is read and changed on node 2, and node 1 reads the change.
            Map<String, String> made = browser.visit(page1);
            assertEquals("true", made.get("new"), made.toString());
            assertEquals("1", made.get("attribute.visits"), made.toString());
            // jetty.webapp.addHiddenClasses hides lib/redis/ from webapps.
            assertTrue(made.get("jedisJar").contains("/WEB-INF/lib/"), "the webapp must use its own Jedis: " + made);
            assertEquals("false", made.get("serverProtobufVisible"), "lib/redis/ must be hidden from webapps: " + made);
            assertEquals("false", made.get("serverStoreVisible"), "lib/redis/ must be hidden from webapps: " + made);
            String id = made.get("id");
            assertIdMadeBy(generatedIds, "node1", id);
            String key = sessionKey(prefix, id);
            awaitTrue(() -> jedis.exists(key), "the session's key " + key + " in Redis");

            Map<String, String> onNode2 = browser.visit(page2);
            assertEquals("node2", onNode2.get("node"));
            assertEquals(id, onNode2.get("id"), "node 2 must read the session node 1 made");
            assertEquals("false", onNode2.get("new"));
            assertEquals("2", onNode2.get("attribute.visits"));
            assertEquals("node2", onNode2.get("attribute.lastNode"));
            // Jetty's jmx module shows the store's counters: the page reads those of the node that served it.
            assertTrue(Long.parseLong(onNode2.getOrDefault("counters.loadsFound", "0")) >= 1, "node 2 loaded the session: " + onNode2);
            assertTrue(Long.parseLong(onNode2.getOrDefault("counters.savesWhole", "-1")) >= 0, onNode2.toString());

            Map<String, String> backOnNode1 = browser.visit(page1);
            assertEquals(id, backOnNode1.get("id"));
            assertEquals("3", backOnNode1.get("attribute.visits"), "node 1 must read what node 2 changed");

            // A per-session timeout set on node 1 shows in the key's TTL, and node 2 reads it.
            int interval = Integer.parseInt(backOnNode1.get("maxInactiveInterval"));
            int newInterval = 120;
            long ttlBefore = awaitValue(() -> jedis.pttl(key), ttl -> ttl > 0, "a TTL on " + key);
            assertEquals("120", browser.post(page1, Map.of("action", "maxInactive", "seconds", String.valueOf(newInterval)))
                .get("maxInactiveInterval"));
            long shorterBy = TimeUnit.SECONDS.toMillis(interval - newInterval);
            long ttlAfter = awaitValue(() -> jedis.pttl(key), ttl -> ttl > 0 && ttl < ttlBefore - shorterBy + 10_000,
                "the TTL of " + key + " to drop by " + shorterBy + " ms from " + ttlBefore);
            assertTrue(ttlBefore - ttlAfter < shorterBy + 10_000,
                "TTL " + ttlBefore + " -> " + ttlAfter + " ms: it must drop by the interval's change, " + shorterBy + " ms");
            assertEquals("120", browser.visit(page2).get("maxInactiveInterval"));

            // Invalidated on node 1, gone from Redis and from node 2 (which makes a new session).
            String cookie = browser.cookie();
            assertEquals("false", browser.post(page1, Map.of("action", "invalidate")).get("session"));
            awaitTrue(() -> !jedis.exists(key), "the key " + key + " to be deleted");
            browser.cookie(cookie);
            Map<String, String> afterInvalidate = browser.visit(page2);
            assertNotEquals(id, afterInvalidate.get("id"), "node 2 must not serve the invalidated session");
            assertEquals("true", afterInvalidate.get("new"));
            assertEquals("1", afterInvalidate.get("attribute.visits"));
            assertIdMadeBy(generatedIds, "node2", afterInvalidate.get("id"));

            // changeSessionId on node 1: the new id works on node 2 with the same attributes; the old is gone.
            String oldId = afterInvalidate.get("id");
            awaitTrue(() -> jedis.exists(sessionKey(prefix, oldId)), "the key of session " + oldId);
            String newId = browser.post(page1, Map.of("action", "renew")).get("id");
            assertNotEquals(oldId, newId);
            assertIdMadeBy(generatedIds, "node1", newId);
            Map<String, String> renewedOnNode2 = browser.visit(page2);
            assertEquals(newId, renewedOnNode2.get("id"), "node 2 must serve the session under its new id");
            assertEquals("2", renewedOnNode2.get("attribute.visits"));
            awaitTrue(() -> !jedis.exists(sessionKey(prefix, oldId)), "the old id's key to be deleted");

            // Left alone with a 1 s interval, the session expires: a scavenger deletes it and its
            // sessionDestroyed listener fires on one node, once.
            assertEquals("1", browser.post(page2, Map.of("action", "maxInactive", "seconds", "1")).get("maxInactiveInterval"));
            String destroyed = SessionDemoListener.destroyedKey(prefix, newId);
            awaitTrue(() -> "1".equals(jedis.get(destroyed)), Duration.ofSeconds(30), "sessionDestroyed of " + newId);
            awaitTrue(() -> !jedis.exists(sessionKey(prefix, newId)), "the expired session's key to be deleted");
            // Both scavengers keep running every second: watch three more of their rounds for a second firing.
            for (JettyProcess node : nodes)
            {
                long scavenges = scavenges(node);
                awaitValue(() -> scavenges(node), n -> n >= scavenges + 4, Duration.ofSeconds(30), "three more scavenges on " + node.name());
            }
            assertEquals("1", jedis.get(destroyed), "sessionDestroyed must fire exactly once across the nodes");
        }

        // Both stop cleanly on SIGTERM, with nothing wrong in their logs.
        for (JettyProcess node : nodes)
        {
            int exit = node.stop(STOP_TIMEOUT);
            String log = node.logText();
            assertEquals(143, exit, node.name() + " must exit as the JVM does on SIGTERM (128 + 15):\n" + log);
            assertTrue(log.contains("Stopped oejs.Server@"), node.name() + " must log its stop:\n" + log);
            assertTrue(log.contains("/demo,") && log.contains("a=AVAILABLE"), node.name() + " must have started the webapp:\n" + log);
            assertCleanLog(node.name(), log);
        }
    }

    /** The coherent cache's module takes Jetty's own cache settings, with the defaults of session-cache-hash, and its own ({@code jetty.session.redis.}). */
    @Test
    void theCoherentCacheModuleHasTheSettingsOfJettysCacheModule() throws IOException
    {
        List<String> jettys = ModuleFile.read(BuildLayout.jettyHome().resolve("modules/session-cache-hash.mod")).section("ini-template")
            .stream().filter(line -> line.startsWith("#jetty.session.")).sorted().toList();
        List<String> ours = ModuleFile.read(BuildLayout.projectDir().resolve("modules/session-cache-redis.mod")).section("ini-template")
            .stream().filter(line -> line.startsWith("#jetty.session.") && !line.startsWith("#jetty.session.redis.")).sorted().toList();
        assertEquals(jettys, ours);
    }

    @Test
    void theJarDeclaresItsModuleName() throws IOException
    {
        try (JarFile jar = new JarFile(BuildLayout.projectJar().toFile()))
        {
            assertEquals("io.github.jettyredis.session", jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
        }
    }

    private JettyBase install(Path dir, String addModules, boolean generatedIds) throws IOException, InterruptedException
    {
        JettyBase base = new JettyBase(dir, BuildLayout.jettyHome())
            .copyModuleAndConfig()
            .placeProjectJar(BuildLayout.projectJar());
        if (generatedIds)
            base.placeExtJar("acme-session-ids", HexIdGenerator.class);
        base.startJar(Duration.ofMinutes(3), addModules);
        assertTrue(Files.exists(dir.resolve("start.d/session-store-redis.ini")), "--add-modules must write the module's ini");
        if (generatedIds)
        {
            assertTrue(Files.exists(dir.resolve("start.d/session-id-generator.ini")), "--add-modules must write the id module's ini");
            // In the store's ini, where bases set it when the store's module installed the generator: the
            // property keeps its name, and is read wherever it is set.
            Files.writeString(dir.resolve("start.d/session-store-redis.ini"),
                "jetty.session.redis.idGenerator=" + HexIdGenerator.class.getName() + "\n", StandardOpenOption.APPEND);
        }

        // An upgrade that left the old Jedis behind: [lib] names each jar, so only the current one goes on the
        // class path (a glob, lib/redis/*.jar, would load both). The nodes then run with the old jar there.
        Path jedis;
        try (Stream<Path> jars = Files.list(dir.resolve("lib/redis")))
        {
            jedis = jars.filter(jar -> jar.getFileName().toString().matches("jedis-\\d.*\\.jar")).findFirst()
                .orElseThrow(() -> new AssertionError("[files] must fetch Jedis into lib/redis/"));
        }
        Files.copy(jedis, dir.resolve("lib/redis/jedis-7.2.0.jar"));
        String classPath = base.startJar(Duration.ofMinutes(1), "--list-classpath");
        assertTrue(classPath.contains("/lib/redis/" + jedis.getFileName()), "the current Jedis must be on the class path:\n" + classPath);
        assertFalse(classPath.contains("jedis-7.2.0.jar"), "a jar the module does not name must stay off the class path:\n" + classPath);
        base.deployDemoWebapp("demo");
        return base;
    }

    /**
     * @param generatedIds whether the base has the session-id-generator module with {@link HexIdGenerator}
     * @param node the node that made the id, whose worker name starts Jetty's ids
     * @param id a session id
     */
    private static void assertIdMadeBy(boolean generatedIds, String node, String id)
    {
        if (generatedIds)
            assertTrue(id.startsWith(HexIdGenerator.PREFIX) && id.length() == HexIdGenerator.PREFIX.length() + 32, "the generator must make the ids: " + id);
        else
            assertTrue(id.startsWith(node) && !id.startsWith(HexIdGenerator.PREFIX), "Jetty must make the ids (worker name first): " + id);
    }

    private static String sessionKey(String prefix, String id)
    {
        return prefix + "{_demo_0.0.0.0_" + id + "}";
    }

    private JettyProcess start(String name, JettyBase base, List<String> jvmArgs, List<String> properties, Path work) throws IOException
    {
        // Jetty names its session worker node<JETTY_WORKER_INSTANCE>; the demo webapp shows the same name.
        Map<String, String> env = Map.of("JETTY_WORKER_INSTANCE", name.substring("node".length()));
        JettyProcess node = JettyProcess.start(name, base, RedisTestServer.freePort(), jvmArgs, properties, env,
            work.resolve(name + ".log"), null);
        nodes.add(node);
        return node;
    }

    /** @return how many scavenges the node has begun (its house keeper logs each at DEBUG) */
    private static long scavenges(JettyProcess node)
    {
        String log;
        try
        {
            log = node.logText();
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return log.lines().filter(line -> line.contains("DEBUG:oejs.HouseKeeper:") && line.contains("scavenging sessions")).count();
    }

    private static void assertCleanLog(String node, String log)
    {
        for (String line : log.split("\n"))
        {
            // Jetty's warning about the one-second scavenge interval this test sets on purpose.
            if (line.contains(":WARN :oejs.HouseKeeper:") && line.contains("short interval"))
                continue;
            if (line.contains("ERROR") || line.contains("Exception") || line.contains(":WARN :") || line.startsWith("\tat "))
                fail(node + " logged a problem: " + line + "\n" + log);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException
    {
        awaitTrue(condition, REDIS_TIMEOUT, what);
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException
    {
        awaitValue(() -> condition.getAsBoolean() ? 1 : 0, v -> v == 1, timeout, what);
    }

    private static long awaitValue(LongSupplier value, LongPredicate done, String what) throws InterruptedException
    {
        return awaitValue(value, done, REDIS_TIMEOUT, what);
    }

    private static long awaitValue(LongSupplier value, LongPredicate done, Duration timeout, String what) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last;
        do
        {
            last = value.getAsLong();
            if (done.test(last))
                return last;
            TimeUnit.MILLISECONDS.sleep(20); // polling interval: a node writes when its request ends
        }
        while (System.nanoTime() < deadline);
        throw new AssertionError("Timed out after " + timeout + " waiting for " + what + " (last value " + last + ")");
    }

    private static Path emptyDir(Path dir) throws IOException
    {
        if (Files.exists(dir))
        {
            try (Stream<Path> paths = Files.walk(dir))
            {
                for (Path path : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
                    Files.delete(path);
            }
        }
        assertFalse(Files.exists(dir));
        return Files.createDirectories(dir);
    }
}
