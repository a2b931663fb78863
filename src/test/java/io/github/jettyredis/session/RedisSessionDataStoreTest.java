// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.internal.ExpiryClaims;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import io.github.jettyredis.session.testing.TestExecutors;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionIdManager;
import org.eclipse.jetty.session.UnreadableSessionDataException;
import org.eclipse.jetty.session.UnwriteableSessionDataException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's own behaviour on a real Redis, beyond Jetty's suite: TTLs that follow each session's
 * interval, the expiry index, prefix isolation, unreadable data and no resurrection.
 */
public class RedisSessionDataStoreTest
{
    private static final long TTL_TOLERANCE_MS = 5_000;

    @RegisterExtension
    final TestExecutors executors = new TestExecutors();

    private final UnifiedJedis redis = newTestClient();
    private final String prefix = RedisTestServer.uniquePrefix();

    /**
     * @return a client of the Redis the stores use, for the tests' own reads and writes; called from the
     * constructor, so an override must not use instance fields
     */
    protected UnifiedJedis newTestClient()
    {
        return RedisTestServer.shared().newClient();
    }

    @AfterEach
    public void closeClient()
    {
        redis.close();
    }

    /**
     * @param prefix the stores' key prefix
     * @return the factory of a store under test; subclasses run these tests against another Redis, or as
     * another user, by overriding it and {@link #newTestClient()}
     */
    protected RedisSessionDataStoreFactory factory(String prefix)
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(RedisTestServer.shared().uri());
        factory.setPrefix(prefix);
        return factory;
    }

    private static SessionData newSession(RedisSessionDataStore store, String id, long maxInactiveMs)
    {
        long now = System.currentTimeMillis();
        SessionData data = store.newSessionData(id, now, now, now, maxInactiveMs);
        data.calcAndSetExpiry(now);
        data.setLastNode("node0");
        return data;
    }

    private long pttl(RedisSessionDataStore store, String id)
    {
        return redis.pttl(store.getKeys().session(id));
    }

    private static void assertTtlAbout(long expectedMs, long actualMs)
    {
        assertTrue(actualMs <= expectedMs && actualMs > expectedMs - TTL_TOLERANCE_MS,
            "TTL " + actualMs + " ms, expected about " + expectedMs + " ms");
    }

    @Test
    public void ttlIsTheSessionsOwnIntervalPlusTheMargin() throws Exception
    {
        RedisSessionDataStoreFactory factory = factory(prefix);
        factory.setGracePeriodSec(30);
        factory.setSavePeriodSec(0);
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long scavengeSec = harness.server().getBean(SessionIdManager.class).getSessionHouseKeeper().getIntervalSec();
            assertTrue(scavengeSec > 0);
            long margin = TimeUnit.SECONDS.toMillis(2 * 30 + scavengeSec) + RedisSessionDataStore.CLOCK_SKEW_ALLOWANCE_MS;
            assertEquals(margin, store.getTtlMarginMs());

            // The default interval, a short and a long override, as set with setMaxInactiveInterval.
            for (long intervalMs : new long[]{TimeUnit.MINUTES.toMillis(30), 5_000, TimeUnit.DAYS.toMillis(7)})
            {
                String id = "ttl" + intervalMs;
                store.store(id, newSession(store, id, intervalMs));
                assertTtlAbout(intervalMs + margin, pttl(store, id));
            }

            // Shortening the interval of a stored session shortens its TTL at once; lengthening lengthens it.
            SessionData data = store.load("ttl" + TimeUnit.DAYS.toMillis(7));
            data.setMaxInactiveMs(10_000);
            data.calcAndSetExpiry(System.currentTimeMillis());
            store.store(data.getId(), data);
            assertTtlAbout(10_000 + margin, pttl(store, data.getId()));
            data.setMaxInactiveMs(TimeUnit.HOURS.toMillis(5));
            data.calcAndSetExpiry(System.currentTimeMillis());
            store.store(data.getId(), data);
            assertTtlAbout(TimeUnit.HOURS.toMillis(5) + margin, pttl(store, data.getId()));
        }
    }

    @Test
    public void immortalSessionHasNoTtlAndIsNotInTheExpiryIndex() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(prefix), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            SessionData data = newSession(store, "mortal", 60_000);
            store.store("mortal", data);
            assertNotNull(redis.zscore(store.getKeys().expiryIndex(), SessionKeys.bytes("mortal")));

            data.setMaxInactiveMs(-1);
            data.calcAndSetExpiry(System.currentTimeMillis());
            assertEquals(0, data.getExpiry());
            store.store("mortal", data);
            assertEquals(-1, pttl(store, "mortal"));
            assertNull(redis.zscore(store.getKeys().expiryIndex(), SessionKeys.bytes("mortal")));
            assertEquals(-1, store.load("mortal").getMaxInactiveMs());
        }
    }

    @Test
    public void aSaveThatOnlyMovesTheExpiryALittleIsNotSent() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(prefix), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long interval = TimeUnit.MINUTES.toMillis(30);
            SessionData data = newSession(store, "drift", interval);
            data.setAttribute("cart", new ArrayList<>(List.of("book")));
            store.store("drift", data);
            long stored = data.getExpiry();

            // Jetty's save when a request ends, right after the one when its response committed.
            data.calcAndSetExpiry(stored - interval + 50);
            store.store("drift", data);
            assertEquals(stored, store.load("drift").getExpiry(), "a drift of 50 ms is not sent");

            // An attribute changed in place is sent, with the expiry.
            @SuppressWarnings("unchecked")
            List<String> cart = (List<String>)data.getAttribute("cart");
            cart.add("pen");
            data.calcAndSetExpiry(stored - interval + 60);
            store.store("drift", data);
            assertEquals(List.of(stored + 60, List.of("book", "pen")),
                List.of(store.load("drift").getExpiry(), store.load("drift").getAttribute("cart")));

            // So is a drift of a second or more, and a new access however close.
            data.calcAndSetExpiry(stored - interval + 60 + RedisSessionDataStore.MAX_EXPIRY_DRIFT_MS);
            store.store("drift", data);
            assertEquals(data.getExpiry(), store.load("drift").getExpiry());
            data.setAccessed(data.getAccessed() + 1);
            data.calcAndSetExpiry(data.getExpiry() - interval + 1);
            store.store("drift", data);
            assertEquals(List.of(data.getAccessed(), data.getExpiry()),
                List.of(store.load("drift").getAccessed(), store.load("drift").getExpiry()));
        }
    }

    @Test
    public void aSessionWithThousandsOfAttributesIsWrittenAndTrimmedInChunks() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(prefix), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            SessionData data = newSession(store, "many", 60_000);
            for (int i = 0; i < 1_500; i++)
                data.setAttribute("a" + i, i);
            store.store("many", data);
            assertEquals(1_504, redis.hlen(store.getKeys().session("many")), "1,500 attributes, #meta, #expiry, #version and #indexed");

            SessionData loaded = store.load("many");
            for (int i = 0; i < 1_200; i++)
                loaded.setAttribute("a" + i, null);
            store.store("many", loaded);
            assertEquals(304, redis.hlen(store.getKeys().session("many")));
            assertEquals(1_499, store.load("many").getAttribute("a1499"));
        }
    }

    @Test
    public void theDriftToleranceIsUnderASecondAndUnderOnePercentOfTheInterval()
    {
        SessionData data = new SessionData("id", "_", "0.0.0.0", 0, 0, 0, TimeUnit.MINUTES.toMillis(30));
        assertEquals(1000, RedisSessionDataStore.expiryDriftToleranceMs(data));
        data.setMaxInactiveMs(5_000);
        assertEquals(50, RedisSessionDataStore.expiryDriftToleranceMs(data));
        data.setMaxInactiveMs(-1);
        assertEquals(0, RedisSessionDataStore.expiryDriftToleranceMs(data), "an immortal session is always written");
    }

    @Test
    public void ttlCoversASavePeriodLongerThanTheRequestGap() throws Exception
    {
        RedisSessionDataStoreFactory factory = factory(prefix);
        factory.setGracePeriodSec(0);
        factory.setSavePeriodSec(600);
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            RedisSessionDataStore store = harness.store();
            SessionData data = newSession(store, "busy", 2_000);
            store.store("busy", data);
            long savedTtl = pttl(store, "busy");

            // A request 1 s later only touches the session: within the save period nothing is written...
            long later = System.currentTimeMillis() + 1_000;
            data.setAccessed(later);
            data.calcAndSetExpiry(later);
            data.setMetaDataDirty(true);
            store.store("busy", data);
            assertTrue(pttl(store, "busy") <= savedTtl, "a touch inside the save period must not write");

            // ...so the key must outlive the stored expiry by the whole save period: the session is alive
            // for as long as requests keep coming, up to savePeriod after the last write.
            assertTrue(savedTtl > 2_000 + TimeUnit.SECONDS.toMillis(600) - TTL_TOLERANCE_MS, "TTL " + savedTtl);
        }
    }

    @Test
    public void getExpiredFindsExpiredSessionsOfThisContextThroughTheIndex() throws Exception
    {
        try (StoreHarness app = new StoreHarness(factory(prefix), "/app");
             StoreHarness other = new StoreHarness(factory(prefix), "/other"))
        {
            RedisSessionDataStore store = app.store();
            long now = System.currentTimeMillis();
            SessionData expired = newSession(store, "old", 1_000);
            expired.setExpiry(now - 10_000);
            store.store("old", expired);
            store.store("young", newSession(store, "young", 60_000));
            store.store("forever", newSession(store, "forever", -1));
            SessionData foreign = newSession(other.store(), "foreign", 1_000);
            foreign.setExpiry(now - 10_000);
            other.store().store("foreign", foreign);

            assertEquals(Set.of("old"), store.doGetExpired(now));
            assertEquals(Set.of("old"), store.doCheckExpired(Set.of("old", "young", "forever"), now));
            assertEquals(Set.of("gone"), store.doCheckExpired(Set.of("gone"), now));
        }
    }

    @Test
    public void manyExpiredSessionsAreClaimedInBatchesAndOneForeignKeyAmongThemCostsOnlyItself() throws Exception
    {
        try (StoreHarness app = new StoreHarness(factory(prefix), "/app"))
        {
            RedisSessionDataStore store = app.store();
            long now = System.currentTimeMillis();
            Set<String> expired = new HashSet<>();
            // More than two claim batches, with sessions still alive and a foreign key in between.
            for (int i = 0; i < 2 * ExpiryClaims.CLAIM_BATCH + 50; i++)
            {
                String id = "s" + i;
                SessionData data = newSession(store, id, 1_000);
                if (i % 10 != 7)
                {
                    data.setExpiry(now - 10_000);
                    expired.add(id);
                }
                store.store(id, data);
                if (i == 250)
                {
                    redis.set(store.getKeys().session("foreign"), SessionKeys.bytes("x"));
                    redis.zadd(store.getKeys().expiryIndex(), 1, SessionKeys.bytes("foreign"));
                }
            }

            // No grace period: what the index finds expired is due at once.
            store.setGracePeriodSec(0);
            assertEquals(expired, store.getExpired(Set.of()));
            assertTrue(redis.exists(store.getKeys().session("foreign")), "not ours to touch");
            assertNull(redis.zscore(store.getKeys().expiryIndex(), SessionKeys.bytes("foreign")), "taken out of the index");
        }
    }

    @Test
    public void twoNodesClaimingTheSameExpiredSessionsAtOnceClaimEachExactlyOnce() throws Exception
    {
        try (StoreHarness nodeA = new StoreHarness(factory(prefix), "/app");
             StoreHarness nodeB = new StoreHarness(factory(prefix), "/app"))
        {
            long now = System.currentTimeMillis();
            Set<String> expired = new HashSet<>();
            // Several claim calls' worth, so that the two nodes' pipelined calls interleave in Redis.
            for (int i = 0; i < 5 * ExpiryClaims.CLAIM_BATCH + 17; i++)
            {
                String id = "s" + i;
                SessionData data = newSession(nodeA.store(), id, 1_000);
                data.setExpiry(now - 10_000);
                nodeA.store().store(id, data);
                expired.add(id);
            }
            nodeA.store().setGracePeriodSec(0);
            nodeB.store().setGracePeriodSec(0);

            ExecutorService pool = executors.newPool(2);
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Set<String>> byA = pool.submit(() -> claimAfter(start, nodeA.store()));
            Future<Set<String>> byB = pool.submit(() -> claimAfter(start, nodeB.store()));
            Set<String> claimedByA = byA.get(30, TimeUnit.SECONDS);
            Set<String> claimedByB = byB.get(30, TimeUnit.SECONDS);

            Set<String> both = new HashSet<>(claimedByA);
            both.retainAll(claimedByB);
            assertTrue(both.isEmpty(), both.size() + " sessions claimed by both nodes");
            Set<String> either = new HashSet<>(claimedByA);
            either.addAll(claimedByB);
            assertEquals(expired, either, "every expired session is claimed by one node");
        }
    }

    @Test
    public void theClaimChecksEachIndexedSessionItselfLostDeletedOrUsedAgain() throws Exception
    {
        try (StoreHarness app = new StoreHarness(factory(prefix), "/app"))
        {
            RedisSessionDataStore store = app.store();
            byte[] index = store.getKeys().expiryIndex();
            long now = System.currentTimeMillis();
            SessionData dead = newSession(store, "dead", 1_000);
            dead.setExpiry(now - 10_000);
            store.store("dead", dead);
            // Used again on a node whose save did not move the entry: the index says expired, the hash says not.
            SessionData usedAgain = newSession(store, "usedAgain", 600_000);
            store.store("usedAgain", usedAgain);
            redis.zadd(index, now - 10_000, SessionKeys.bytes("usedAgain"));
            // Deleted by another node (its tombstone), and lost by Redis (nothing at all), both still indexed.
            redis.set(store.getKeys().tombstone("deleted"), SessionKeys.bytes("1"));
            redis.zadd(index, now - 10_000, SessionKeys.bytes("deleted"));
            redis.zadd(index, now - 10_000, SessionKeys.bytes("lost"));

            store.setGracePeriodSec(0);
            assertEquals(Set.of("dead", "lost"), store.getExpired(Set.of()));
            assertEquals(usedAgain.getExpiry(), redis.zscore(index, SessionKeys.bytes("usedAgain")).longValue(),
                "the entry moved to the session's own expiry");
            assertTrue(redis.exists(store.getKeys().session("usedAgain")));
            assertNull(redis.zscore(index, SessionKeys.bytes("deleted")), "a deleted session leaves the index");
            assertTrue(redis.exists(store.getKeys().tombstone("lost")), "the lost session's claim is its tombstone");
        }
    }

    private static Set<String> claimAfter(CyclicBarrier start, RedisSessionDataStore store) throws Exception
    {
        start.await(10, TimeUnit.SECONDS);
        return store.getExpired(Set.of());
    }

    @Test
    public void theIndexEntryMovesOnlyWhenTheExpiryMovedByATenthOfTheIntervalOrEarlier() throws Exception
    {
        try (StoreHarness app = new StoreHarness(factory(prefix), "/app"))
        {
            RedisSessionDataStore store = app.store();
            byte[] index = store.getKeys().expiryIndex();
            byte[] member = SessionKeys.bytes("s");
            long created = System.currentTimeMillis();
            SessionData data = newSession(store, "s", 600_000);
            store.store("s", data);
            long indexed = data.getExpiry();
            assertEquals(indexed, redis.zscore(index, member).longValue(), "a new session is indexed at its expiry");

            // Requests on another node (each loads the session, as with NullSessionCache): the hash tells
            // where the entry is. Moves under 60 s, a tenth of the interval, leave it.
            for (long later : new long[]{5_000, 30_000, 59_000})
            {
                data = accessedAt(store, "s", created + later);
                assertEquals(created + later + 600_000, storedExpiry(store, "s"), "the session's own expiry moves");
                assertEquals(indexed, redis.zscore(index, member).longValue(), "moved by " + later + " ms");
            }
            data = accessedAt(store, "s", created + 61_000);
            assertEquals(data.getExpiry(), redis.zscore(index, member).longValue(), "moved by more than the tolerance");

            // An earlier expiry moves it at once: the index must never say later than the session expires.
            data = store.load("s");
            data.setMaxInactiveMs(60_000);
            data.calcAndSetExpiry(created + 61_000);
            data.setMetaDataDirty(true);
            store.store("s", data);
            assertEquals(created + 121_000, redis.zscore(index, member).longValue());

            data = store.load("s");
            data.setMaxInactiveMs(-1);
            data.calcAndSetExpiry(created + 62_000);
            data.setMetaDataDirty(true);
            store.store("s", data);
            assertNull(redis.zscore(index, member), "an immortal session has no entry");
        }
    }

    private long storedExpiry(RedisSessionDataStore store, String id)
    {
        return Long.parseLong(new String(redis.hget(store.getKeys().session(id), SessionHashCodec.EXPIRY_FIELD), StandardCharsets.US_ASCII));
    }

    /** Loads the session, as a node serving a request does, and saves it accessed at that time. */
    private static SessionData accessedAt(RedisSessionDataStore store, String id, long time) throws Exception
    {
        SessionData data = store.load(id);
        data.setLastAccessed(data.getAccessed());
        data.setAccessed(time);
        data.calcAndSetExpiry(time);
        data.setMetaDataDirty(true);
        store.store(id, data);
        return data;
    }

    @Test
    public void aLiveSessionWhoseIndexEntryLagsIsNotExpiredAndItsEntryIsMoved() throws Exception
    {
        try (StoreHarness app = new StoreHarness(factory(prefix), "/app"))
        {
            RedisSessionDataStore store = app.store();
            SessionData live = newSession(store, "live", 60_000);
            store.store("live", live);
            long now = System.currentTimeMillis();
            redis.zadd(store.getKeys().expiryIndex(), now - 10_000, SessionKeys.bytes("live"));

            store.setGracePeriodSec(0);
            assertEquals(Set.of(), store.getExpired(Set.of()));
            assertTrue(redis.exists(store.getKeys().session("live")));
            assertEquals(live.getExpiry(), redis.zscore(store.getKeys().expiryIndex(), SessionKeys.bytes("live")).longValue());
        }
    }

    @Test
    public void cleanOrphansDeletesLongExpiredSessionsOfEveryContextAndTrimsTheIndex() throws Exception
    {
        try (StoreHarness app = new StoreHarness(factory(prefix), "/app");
             StoreHarness other = new StoreHarness(factory(prefix), "/other"))
        {
            long now = System.currentTimeMillis();
            for (StoreHarness harness : new StoreHarness[]{app, other})
            {
                RedisSessionDataStore store = harness.store();
                SessionData ancient = newSession(store, "ancient", 1_000);
                ancient.setExpiry(now - TimeUnit.DAYS.toMillis(1));
                store.store("ancient", ancient);
                SessionData live = newSession(store, "live", 60_000);
                store.store("live", live);
                // An index entry may lag its session's expiry: the session's own expiry decides.
                redis.zadd(store.getKeys().expiryIndex(), now - TimeUnit.DAYS.toMillis(1), SessionKeys.bytes("live"));
            }
            app.store().cleanOrphans(now - TimeUnit.HOURS.toMillis(1));
            for (StoreHarness harness : new StoreHarness[]{app, other})
            {
                SessionKeys keys = harness.store().getKeys();
                assertFalse(redis.exists(keys.session("ancient")), keys.context());
                assertNull(redis.zscore(keys.expiryIndex(), SessionKeys.bytes("ancient")), keys.context());
                assertTrue(redis.exists(keys.session("live")), keys.context());
                assertEquals(1, redis.zcount(keys.expiryIndex(), Double.NEGATIVE_INFINITY, Double.MAX_VALUE), keys.context());
                assertTrue(redis.zscore(keys.expiryIndex(), SessionKeys.bytes("live")) > now, "the lagging entry moved to the expiry");
            }
        }
    }

    @Test
    public void twoPrefixesOnOneRedisStayApart() throws Exception
    {
        String otherPrefix = RedisTestServer.uniquePrefix();
        try (StoreHarness first = new StoreHarness(factory(prefix), "/app");
             StoreHarness second = new StoreHarness(factory(otherPrefix), "/app"))
        {
            SessionData mine = newSession(first.store(), "same-id", 60_000);
            mine.setAttribute("owner", "first");
            first.store().store("same-id", mine);

            assertNull(second.store().load("same-id"));
            assertFalse(second.store().exists("same-id"));
            SessionData theirs = newSession(second.store(), "same-id", 60_000);
            theirs.setAttribute("owner", "second");
            second.store().store("same-id", theirs);

            assertEquals("first", first.store().load("same-id").getAttribute("owner"));
            assertEquals("second", second.store().load("same-id").getAttribute("owner"));
            second.store().delete("same-id");
            assertNotNull(first.store().load("same-id"));
        }
    }

    @Test
    public void foreignBytesAreUnreadableNotFatal() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(prefix), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            redis.set(store.getKeys().session("string-key"), SessionKeys.bytes("not a hash"));
            redis.hset(store.getKeys().session("garbage-meta"), Map.of(SessionHashCodec.METADATA_FIELD, new byte[]{1, 2, 3, 4}));
            redis.hset(store.getKeys().session("no-meta"), Map.of(SessionHashCodec.attributeField("x"), new byte[]{10, 1, 'x'}));

            for (String id : new String[]{"string-key", "garbage-meta", "no-meta"})
            {
                UnreadableSessionDataException e = assertThrows(UnreadableSessionDataException.class, () -> store.load(id), id);
                assertEquals(id, e.getId());
            }
            // An id whose data cannot be read is still taken: it must not be handed out again.
            assertTrue(store.exists("garbage-meta"));
        }
    }

    @Test
    public void aSessionDeletedByAnotherNodeIsNotRecreatedByALaterSave() throws Exception
    {
        try (StoreHarness nodeA = new StoreHarness(factory(prefix), "/app");
             StoreHarness nodeB = new StoreHarness(factory(prefix), "/app"))
        {
            SessionData onA = newSession(nodeA.store(), "doomed", 60_000);
            onA.setAttribute("k", "v");
            nodeA.store().store("doomed", onA);
            SessionData onB = nodeB.store().load("doomed");

            assertTrue(nodeA.store().delete("doomed"));
            onB.setAttribute("k", "changed");
            UnwriteableSessionDataException refused = assertThrows(UnwriteableSessionDataException.class,
                () -> nodeB.store().store("doomed", onB));
            assertTrue(refused.getCause().getMessage().contains("deleted by another node"), refused.getCause().getMessage());
            // Jetty logs it as a WARN with the exception: what happened, without a stack of its request machinery.
            assertEquals(0, refused.getStackTrace().length);
            assertEquals(0, refused.getCause().getStackTrace().length);

            assertFalse(redis.exists(nodeA.store().getKeys().session("doomed")));
            assertTrue(redis.exists(nodeA.store().getKeys().tombstone("doomed")));
            assertNull(redis.zscore(nodeA.store().getKeys().expiryIndex(), SessionKeys.bytes("doomed")));
            assertNull(nodeA.store().load("doomed"));
        }
    }

    /**
     * Every command of the index by user (its script, the listing, the deletion that takes an entry out and
     * the orphan sweep), so that the ACL subclass checks the README's line has them all.
     */
    @Test
    public void aUsersSessionsAreIndexedListedAndTakenOutWhenDeleted() throws Exception
    {
        RedisSessionDataStoreFactory factory = factory(prefix);
        factory.setUserSessions(true);
        factory.setUserAttribute("login");
        factory.setGracePeriodSec(1);
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            RedisSessionDataStore store = harness.store();
            for (String id : List.of("u1", "u2", "forever"))
            {
                SessionData data = newSession(store, id, id.equals("forever") ? -1 : 60_000);
                data.setAttribute("login", "alice");
                store.store(id, data);
            }
            assertEquals(Set.of("u1", "u2", "forever"), new HashSet<>(store.getUserSessions().list("alice").stream().map(UserSession::id).toList()));
            assertTrue(store.delete("forever"));
            assertTrue(store.getUserSessions().invalidate("u1"));
            assertEquals(List.of("u2"), store.getUserSessions().list("alice").stream().map(UserSession::id).toList());

            assertTrue(store.delete("u2"));

            // A long expired session found by the orphan sweep leaves its user's index too.
            SessionData ancient = newSession(store, "ancient", 1_000);
            ancient.setExpiry(System.currentTimeMillis() - 60_000);
            ancient.setAttribute("login", "alice");
            store.store("ancient", ancient);
            byte[] userKey = store.getKeys().user(SessionKeys.userToken("alice"));
            assertNotNull(redis.zscore(userKey, SessionKeys.bytes("ancient")));
            store.cleanOrphans(System.currentTimeMillis());
            assertFalse(redis.exists(store.getKeys().session("ancient")));
            assertFalse(redis.exists(userKey));
        }
    }
}
