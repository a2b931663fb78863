// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Vector;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.codec.EncryptingAttributeSerializer;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SessionTool} in-process, against a private Redis holding sessions that real stores (and a real Jetty
 * node over HTTP) wrote.
 */
public class SessionToolTest
{
    private static final String KEY = Base64.getEncoder().encodeToString(filled(32, (byte)7));
    private static final String SECRET = "alice-secret-value";

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    /** An application record: typed in Redis, readable by the tool because its class is on the test's class path. */
    public record Profile(String name, int age) implements Serializable
    {
    }

    /** What one run of the tool did. */
    record Run(int exitCode, String out, String err)
    {
        /** @return the cells of the first output line that starts with {@code first}, split at runs of blanks */
        List<String> line(String first)
        {
            return out.lines().filter(line -> line.startsWith(first + " ")).findFirst()
                .map(line -> Arrays.asList(line.trim().split("\\s{2,}"))).orElseThrow(() -> new AssertionError("No line " + first + " in:\n" + out));
        }
    }

    static Run tool(Map<String, String> environment, String stdin, String... args)
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new SessionTool(new PrintStream(out, true, StandardCharsets.UTF_8), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            environment).execute(args, new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs the tool on the test's Redis and prefix, without environment. */
    private Run tool(String... args)
    {
        List<String> all = new ArrayList<>(List.of("--uri", REDIS.uri(), "--prefix", cluster.prefix()));
        all.addAll(List.of(args));
        return tool(Map.of(), "", all.toArray(new String[0]));
    }

    private RedisSessionDataStoreFactory factory()
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(REDIS.uri());
        factory.setPrefix(cluster.prefix());
        return factory;
    }

    /** Stores a session through a real store, as a request would, with the attributes given. */
    static void save(RedisSessionDataStore store, String id, long maxInactiveMs, Map<String, Object> attributes) throws Exception
    {
        long now = System.currentTimeMillis();
        SessionData data = store.newSessionData(id, now, now, now, maxInactiveMs);
        data.setExpiry(maxInactiveMs <= 0 ? 0 : now + maxInactiveMs);
        attributes.forEach(data::setAttribute);
        store.store(id, data);
    }

    private static byte[] filled(int length, byte value)
    {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        return bytes;
    }

    @Test
    public void contextsAndSessionsAreListedWithTheirCountsAndExpiries() throws Exception
    {
        try (StoreHarness app = new StoreHarness(factory(), "/app");
             StoreHarness shop = new StoreHarness(factory(), "/shop"))
        {
            save(app.store(), "soon", 60_000, Map.of());
            save(app.store(), "later", 600_000, Map.of());
            save(app.store(), "forever", -1, Map.of());
            save(shop.store(), "cart", 600_000, Map.of());

            Run contexts = tool("contexts");
            assertEquals(0, contexts.exitCode(), contexts.err());
            assertEquals(List.of("_app_0.0.0.0", "2", "0"), contexts.line("_app_0.0.0.0"), "the immortal session is not counted");
            assertEquals(List.of("_shop_0.0.0.0", "1", "0"), contexts.line("_shop_0.0.0.0"));
            assertTrue(contexts.out().contains("never expire"), "says immortal sessions are not counted: " + contexts.out());

            Run sessions = tool("sessions", "/app");
            assertEquals(0, sessions.exitCode(), sessions.err());
            List<String> ids = sessions.out().lines().skip(1).takeWhile(line -> !line.contains(" of ")).map(line -> line.split("\\s+")[0]).toList();
            assertEquals(List.of("soon", "later"), ids, "soonest expiry first, from the index: " + sessions.out());
            assertTrue(sessions.line("soon").get(2).matches("5[89]s|1m 0s"), "expires in about a minute: " + sessions.out());
            assertTrue(sessions.out().contains("2 of 2 sessions of _app_0.0.0.0"), sessions.out());

            Run immortal = tool("show", "/app", "forever");
            assertEquals(0, immortal.exitCode(), "found by id though not listed: " + immortal.err());
            assertEquals("never (no TTL)", immortal.line("key expires").get(1), immortal.out());
            assertEquals("never", immortal.line("expiry").get(1), immortal.out());
            assertEquals("none", immortal.line("expiry index entry").get(1), immortal.out());

            Run limited = tool("sessions", "_app_0.0.0.0", "--limit", "1");
            assertTrue(limited.out().contains("soon") && !limited.out().contains("later"), limited.out());
            assertTrue(limited.out().contains("1 of 2 sessions"), limited.out());
        }
    }

    @Test
    public void showGivesMetadataAndEachAttributesKindTypeAndSizeButNoValueUnlessAsked() throws Exception
    {
        try (StoreHarness app = new StoreHarness(factory(), "/app"))
        {
            save(app.store(), "s1", 600_000, Map.of("user", SECRET, "visits", 3, "tags", new ArrayList<>(List.of("a", "b")),
                "profile", new Profile("alice", 42), "legacy", new Vector<>(List.of("x", "y")),
                "huge", new java.math.BigDecimal(java.math.BigInteger.TWO.pow(1_000_000), 3)));

            Run show = tool("show", "/app", "s1");
            assertEquals(0, show.exitCode(), show.err());
            assertFalse(show.out().contains(SECRET), "no values by default: " + show.out());
            assertFalse(show.out().contains("[x, y]"), show.out());
            assertTrue(show.out().contains("Session s1 of _app_0.0.0.0"), show.out());
            assertTrue(show.line("max inactive").contains("10m 0s"), show.out());
            assertTrue(show.line("key expires").get(1).startsWith("in "), show.out());
            assertTrue(show.line("expiry index entry").get(1).startsWith("20"), "an instant: " + show.out());
            assertEquals(List.of("user", "string", "-", String.valueOf(2 + SECRET.length())), show.line("user"), show.out());
            assertEquals(List.of("visits", "int", "-", "2"), show.line("visits"));
            assertEquals("collection", show.line("tags").get(1));
            assertEquals("ARRAY_LIST of 2", show.line("tags").get(2));
            assertEquals(List.of("record", Profile.class.getName()), show.line("profile").subList(1, 3));
            assertEquals(List.of("java_serialized", "java.util.Vector"), show.line("legacy").subList(1, 3));

            Run values = tool("show", "/app", "s1", "--values");
            assertEquals(0, values.exitCode(), values.err());
            assertEquals(SECRET, values.line("user").get(4), values.out());
            assertEquals("3", values.line("visits").get(4));
            assertEquals("[a, b]", values.line("tags").get(4));
            assertEquals(new Profile("alice", 42).toString(), values.line("profile").get(4));
            assertEquals("[x, y]", values.line("legacy").get(4));
            // A million-bit number is named, not printed: its digits would take the tool seconds to convert.
            assertEquals("(a number of 1000001 bits, too long to print)", values.line("huge").get(4), values.out());

            // Java-serialized values go through the store's serial filter, here told to refuse Vector.
            Run refused = tool("show", "/app", "s1", "--values", "--serial-filter", "!java.util.Vector");
            assertTrue(refused.line("legacy").get(4).startsWith("(unreadable: "), refused.out());
            assertFalse(refused.out().contains("[x, y]"), refused.out());
        }
    }

    @Test
    public void anEncryptedSessionShowsNoPlaintextWithoutItsKeys() throws Exception
    {
        RedisSessionDataStoreFactory factory = factory();
        factory.setSerializer(new EncryptingAttributeSerializer("k1:" + KEY));
        try (StoreHarness app = new StoreHarness(factory, "/app"))
        {
            save(app.store(), "e1", 600_000, Map.of("user", SECRET));

            Run locked = tool("show", "/app", "e1", "--values");
            assertEquals(0, locked.exitCode(), locked.err());
            assertFalse(locked.out().contains(SECRET), locked.out());
            assertEquals(List.of("user", "encrypted", "key k1"), locked.line("user").subList(0, 3), locked.out());
            assertTrue(locked.line("user").get(4).contains("give the keys"), locked.out());

            List<String> withKeys = List.of("--uri", REDIS.uri(), "--prefix", cluster.prefix(), "show", "/app", "e1", "--values", "--keys-env", "OPS_KEYS");
            Run unlocked = tool(Map.of("OPS_KEYS", "k1:" + KEY), "", withKeys.toArray(new String[0]));
            assertEquals(0, unlocked.exitCode(), unlocked.err());
            assertEquals(List.of("user", "encrypted, string"), unlocked.line("user").subList(0, 2), unlocked.out());
            assertEquals(SECRET, unlocked.line("user").get(4), unlocked.out());
            assertFalse(unlocked.out().contains(KEY) || unlocked.err().contains(KEY), "the key is never printed");

            Run wrongKey = tool(Map.of("OPS_KEYS", "k1:" + Base64.getEncoder().encodeToString(filled(32, (byte)8))), "", withKeys.toArray(new String[0]));
            assertTrue(wrongKey.line("user").get(4).startsWith("(cannot decrypt: "), wrongKey.out());
            assertFalse(wrongKey.out().contains(SECRET), wrongKey.out());
        }
    }

    @Test
    public void aValueOfAClassOnlyTheWebappHasIsNamedNotDecoded() throws Exception
    {
        JettyNode node = cluster.start("n1", JettyNode.Cache.NULL);
        String id = cluster.get(node.url("op=create"));
        // Jetty's test class Foo throws from equals(null) once it is set (a 500 that other tests ignore too): it is saved.
        cluster.get(node.url("op=foo&i=7"));
        cluster.awaitIdle();
        assertEquals("7 true", cluster.get(node.url("op=readfoo")));

        Run values = tool("show", "/app", id, "--values");
        assertEquals(0, values.exitCode(), values.err());
        assertEquals(List.of("foo", "object", "Foo"), values.line("foo").subList(0, 3), values.out());
        assertEquals("(not decoded: Foo is not on the tool's class path)", values.line("foo").get(4), values.out());
        assertEquals("n1", values.line("last node").get(1), values.out());
    }

    @Test
    public void deleteIsRefusedWithoutYesAndWithYesDoesWhatAnInvalidationDoes() throws Exception
    {
        JettyNode node = cluster.start("n1", JettyNode.Cache.DEFAULT);
        String id = cluster.get(node.url("op=create&ttl=1800"));
        assertEquals("ok", cluster.get(node.url("op=set&name=user&value=alice")));
        cluster.awaitIdle();
        SessionKeys keys = cluster.keys();
        UnifiedJedis redis = cluster.redis();
        assertNotNull(redis.zscore(keys.expiryIndex(), SessionKeys.bytes(id)));

        Run refused = tool("delete", "/app", id);
        assertEquals(2, refused.exitCode(), refused.out());
        assertTrue(refused.err().contains("read-only without --yes"), refused.err());
        assertTrue(redis.exists(keys.session(id)) && !redis.exists(keys.tombstone(id)), "nothing written");
        assertEquals("alice", cluster.get(node.url("op=get&name=user")));

        Run deleted = tool("delete", "/app", id, "--yes");
        assertEquals(0, deleted.exitCode(), deleted.err());
        assertTrue(deleted.out().contains("Deleted session " + id), deleted.out());
        assertFalse(redis.exists(keys.session(id)), "hash gone");
        long tombstoneTtl = redis.pttl(keys.tombstone(id));
        assertTrue(tombstoneTtl > Duration.ofMinutes(29).toMillis(), "a tombstone for as long as the session would have lived: " + tombstoneTtl);
        assertNull(redis.zscore(keys.expiryIndex(), SessionKeys.bytes(id)), "index entry gone");
        // The node held the session in memory (DefaultSessionCache): the announced deletion makes it drop it.
        Await.until("the node drops its copy", Duration.ofSeconds(10), () -> !node.holdsInMemory(id));
        assertEquals("none", cluster.get(node.url("op=get&name=user")));
        assertEquals(0, cluster.destroyedCount(id), "a deletion from outside fires no listener");

        Run again = tool("delete", "/app", id, "--yes");
        assertEquals(1, again.exitCode(), again.out());
        assertTrue(again.err().contains("was deleted"), again.err());
        assertTrue(redis.pttl(keys.tombstone(id)) <= tombstoneTtl, "a deletion of nothing writes nothing");
        Run gone = tool("show", "/app", id);
        assertEquals(1, gone.exitCode());
        assertTrue(gone.err().contains("was deleted (its tombstone stays"), gone.err());
    }

    @Test
    public void errorsNameWhatIsWrong() throws Exception
    {
        int port = RedisTestServer.freePort();
        Run unreachable = tool(Map.of(), "", "--uri", "redis://127.0.0.1:" + port, "contexts");
        assertEquals(1, unreachable.exitCode(), unreachable.out());
        assertTrue(unreachable.err().contains("Cannot reach Redis at redis://127.0.0.1:" + port), unreachable.err());

        try (StoreHarness app = new StoreHarness(factory(), "/app"))
        {
            Run unknown = tool("show", "/nope", "x");
            assertEquals(1, unknown.exitCode());
            assertTrue(unknown.err().contains("No context /nope") && unknown.err().contains("known: _app_0.0.0.0"), unknown.err());
            Run missing = tool("show", "/app", "no-such-id");
            assertEquals(1, missing.exitCode());
            assertTrue(missing.err().contains("No session no-such-id in _app_0.0.0.0"), missing.err());
        }

        assertEquals(2, tool("frobnicate").exitCode());
        assertEquals(2, tool("show", "/app").exitCode());
        assertEquals(2, tool("sessions", "/app", "--limit", "none").exitCode());
        assertEquals(2, tool("contexts", "--bogus").exitCode());
        assertEquals(2, tool(Map.of(), "", "--password-env", "UNSET_VARIABLE", "contexts").exitCode());
        Run help = tool(Map.of(), "", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("Usage:"), help.out());
    }

    @Test
    public void thePasswordComesFromTheEnvironmentOrStandardInputAndIsNeverPrinted() throws Exception
    {
        String password = "pw-" + System.nanoTime();
        try (RedisTestServer secured = RedisTestServer.startPrivate("--requirepass", password))
        {
            String uri = secured.uri();
            Run fromEnv = tool(Map.of("REDIS_PW", password), "", "--uri", uri, "--password-env", "REDIS_PW", "contexts");
            assertEquals(0, fromEnv.exitCode(), fromEnv.err());
            Run fromStdin = tool(Map.of(), password + "\n", "--uri", uri, "--password-stdin", "contexts");
            assertEquals(0, fromStdin.exitCode(), fromStdin.err());
            Run without = tool(Map.of(), "", "--uri", uri, "contexts");
            assertEquals(1, without.exitCode(), "Redis refuses: " + without.out());
            Run wrong = tool(Map.of("REDIS_PW", password + "x"), "", "--uri", uri, "--password-env", "REDIS_PW", "contexts");
            assertEquals(1, wrong.exitCode());
            for (Run run : List.of(fromEnv, fromStdin, without, wrong))
                assertFalse(run.out().contains(password) || run.err().contains(password), run.toString());
        }
    }
}
