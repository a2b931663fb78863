// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.ToLongFunction;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnreadableSessionDataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of Redis failure, provoked on a private {@code redis-server}, is counted once per failed call
 * under its own name in the store's counters, and under no other.
 */
public class RedisErrorCountsIT
{
    /** Filler keys that make a restarted Redis answer LOADING for about a second (see RedisLoadingIT). */
    private static final int FILLER_KEYS = 400;

    // A fresh server per test; each key's load slowed down, so that a restart with data is seen loading.
    @RegisterExtension
    final PrivateRedis redis = new PrivateRedis("--key-load-delay", "2500", "--loading-process-events-interval-bytes", "1024");

    private StoreHarness harness(String user, String password) throws Exception
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(redis.uri());
        factory.setPrefix("test-errors:");
        factory.setConnectTimeoutMs(300);
        factory.setSocketTimeoutMs(300);
        factory.setUser(user);
        factory.setPassword(password);
        // No deletion listener: once subscribed, it checks the sessions held in memory against Redis, a call of the
        // store's own that a slow host can delay into the failure a test provokes, and that is counted too.
        factory.setBroadcastInvalidation(false);
        return new StoreHarness(factory, "/app");
    }

    private static void saveNew(RedisSessionDataStore store, String id) throws Exception
    {
        long now = System.currentTimeMillis();
        SessionData data = store.newSessionData(id, now, now, now, 600_000);
        data.setAttribute("user", "alice");
        store.store(id, data);
    }

    /** Asserts that the one kind counted the failed calls, and every other kind none. */
    private static void assertOnly(String kind, ToLongFunction<SessionStoreCounters> count, long calls, SessionStoreCounters counters)
    {
        long all = counters.getRedisUnreachable() + counters.getRedisTimeouts() + counters.getRedisLoading() + counters.getRedisNotTheMaster() +
            counters.getRedisUnavailable() + counters.getRedisFull() +
            counters.getRedisNoPermission() + counters.getRedisOtherErrors();
        assertEquals(calls, count.applyAsLong(counters), kind + ": " + counters);
        assertEquals(calls, all, "counted as " + kind + " only: " + counters);
    }

    @Test
    public void aStoppedRedisCountsAsUnreachable() throws Exception
    {
        try (StoreHarness harness = harness(null, null))
        {
            RedisSessionDataStore store = harness.store();
            redis.server().kill();
            assertThrows(JedisException.class, () -> store.load("u1"));
            // Known down now: the next call is not sent, and fails as unreachable too.
            assertThrows(JedisException.class, () -> store.load("u2"));
            assertOnly("unreachable", SessionStoreCounters::getRedisUnreachable, 2, store.getCounters());
            assertEquals(2, store.getCounters().getLoadsUnreachable());
        }
    }

    @Test
    public void aStalledRedisCountsAsTimeout() throws Exception
    {
        try (StoreHarness harness = harness(null, null))
        {
            RedisSessionDataStore store = harness.store();
            saveNew(store, "t1");
            redis.server().pause();
            try
            {
                assertThrows(JedisException.class, () -> store.load("t1"));
            }
            finally
            {
                redis.server().resume();
            }
            assertOnly("timeout", SessionStoreCounters::getRedisTimeouts, 1, store.getCounters());
        }
    }

    @Test
    public void aFullRedisCountsAsFull() throws Exception
    {
        try (StoreHarness harness = harness(null, null); UnifiedJedis admin = redis.newClient())
        {
            RedisSessionDataStore store = harness.store();
            saveNew(store, "f1");
            SessionData data = store.load("f1");
            admin.configSet("maxmemory-policy", "noeviction");
            admin.configSet("maxmemory", "1");
            // An update (a create's script deletes the tombstone first, and Redis lets a script that wrote go on).
            data.setAttribute("cart", "2 items");
            store.store("f1", data);
            assertOnly("full", SessionStoreCounters::getRedisFull, 1, store.getCounters());
            assertEquals(1, store.getCounters().getSavesKept(), "refused whole, and kept for later");
        }
    }

    @Test
    public void aRedisThatTurnedReplicaCountsAsNotTheMaster() throws Exception
    {
        try (StoreHarness harness = harness(null, null); Jedis admin = redis.server().connect())
        {
            RedisSessionDataStore store = harness.store();
            saveNew(store, "r1");
            SessionData data = store.load("r1");
            admin.replicaof("127.0.0.1", RedisTestServer.freePort());
            try
            {
                data.setAttribute("cart", "2 items");
                store.store("r1", data);
                // Refused READONLY, made again on a fresh connection, refused again: one failed call (and one
                // more for each try of the catch-up after it, should this thread be that slow).
                SessionStoreCounters counters = store.getCounters();
                assertTrue(counters.getRedisNotTheMaster() >= 1, counters.toString());
                assertEquals(0, counters.getRedisUnreachable() + counters.getRedisTimeouts() + counters.getRedisLoading() +
                    counters.getRedisUnavailable() + counters.getRedisFull() + counters.getRedisNoPermission() +
                    counters.getRedisOtherErrors(), "counted as not the master only: " + counters);
                assertEquals(1, counters.getSavesKept(), "kept for when Redis takes writes, and counted once");
            }
            finally
            {
                admin.replicaofNoOne();
            }
        }
    }

    @Test
    public void aCommandTheAclDeniesCountsAsNoPermission() throws Exception
    {
        try (UnifiedJedis admin = redis.newClient())
        {
            admin.sendCommand(Protocol.Command.ACL, "SETUSER", "limited", "on", ">limited-password", "~*", "&*", "+@all", "-hgetall");
        }
        try (StoreHarness harness = harness("limited", "limited-password"))
        {
            RedisSessionDataStore store = harness.store();
            saveNew(store, "p1");
            // Jetty's load takes any error reply for an unreadable session.
            UnreadableSessionDataException refused = assertThrows(UnreadableSessionDataException.class, () -> store.load("p1"));
            assertTrue(refused.getCause().getMessage().startsWith("NOPERM"), refused.getCause().toString());
            assertOnly("no permission", SessionStoreCounters::getRedisNoPermission, 1, store.getCounters());
        }
    }

    @Test
    public void aRedisStillLoadingItsDataCountsAsLoading() throws Exception
    {
        try (StoreHarness harness = harness(null, null))
        {
            RedisSessionDataStore store = harness.store();
            redis.server().restartWithFiller(FILLER_KEYS, 3000);
            assertThrows(JedisException.class, () -> store.load("l1"));
            SessionStoreCounters counters = store.getCounters();
            assertOnly("loading", SessionStoreCounters::getRedisLoading, 1, counters);
            try (UnifiedJedis admin = redis.newClient())
            {
                Await.until("Redis has loaded its data", Duration.ofSeconds(30), () -> RedisTestServer.answersPing(admin));
            }
        }
    }

    @Test
    public void aKeyThatIsNoSessionCountsAsAnotherError() throws Exception
    {
        try (StoreHarness harness = harness(null, null); UnifiedJedis admin = redis.newClient())
        {
            RedisSessionDataStore store = harness.store();
            admin.set(store.getKeys().session("o1"), "not a hash".getBytes(StandardCharsets.US_ASCII));
            assertThrows(UnreadableSessionDataException.class, () -> store.load("o1"));
            assertOnly("other", SessionStoreCounters::getRedisOtherErrors, 1, store.getCounters());
        }
    }
}
