// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.jmx.MBeanContainer;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionIdManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The index of sessions by user, through the store on a real Redis (a user named by a session attribute):
 * saves that log in, log out and change the user; deletions; ids renamed; expiry by the scavenger of
 * thousands of sessions, after which nothing of the index is left; and the bound on what a stopped node
 * leaves behind.
 */
public class UserSessionIndexTest
{
    private static final String USER_ATTRIBUTE = "login";

    private final UnifiedJedis redis = RedisTestServer.shared().newClient();
    private final String prefix = RedisTestServer.uniquePrefix();

    @AfterEach
    public void closeClient()
    {
        redis.close();
    }

    private RedisSessionDataStoreFactory factory()
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(RedisTestServer.shared().uri());
        factory.setPrefix(prefix);
        factory.setUserSessions(true);
        factory.setUserAttribute(USER_ATTRIBUTE);
        factory.setGracePeriodSec(1);
        return factory;
    }

    private static SessionData save(RedisSessionDataStore store, String id, String user, long maxInactiveMs) throws Exception
    {
        long now = System.currentTimeMillis();
        SessionData data = store.newSessionData(id, now, now, now, maxInactiveMs);
        data.calcAndSetExpiry(now);
        if (user != null)
            data.setAttribute(USER_ATTRIBUTE, user);
        store.store(id, data);
        return data;
    }

    private byte[] userKey(RedisSessionDataStore store, String user)
    {
        return store.getKeys().user(SessionKeys.userToken(user));
    }

    private Double score(RedisSessionDataStore store, String user, String id)
    {
        return redis.zscore(userKey(store, user), SessionKeys.bytes(id));
    }

    @Test
    public void aLoginIsIndexedAtItsExpiryAndTheHashRecordsTheUserAsAToken() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            SessionData data = save(store, "s1", "alice", TimeUnit.MINUTES.toMillis(30));
            assertEquals((double)data.getExpiry(), score(store, "alice", "s1"));
            assertArrayEquals(SessionKeys.bytes(SessionKeys.userToken("alice")),
                redis.hget(store.getKeys().session("s1"), SessionHashCodec.USER_FIELD));
            // The set expires with its latest session, the margin later.
            // The clock read before the TTL: time passing between the two can only make the TTL smaller.
            long before = System.currentTimeMillis();
            long pttl = redis.pttl(userKey(store, "alice"));
            long expected = data.getExpiry() - before + store.getTtlMarginMs();
            assertTrue(pttl <= expected && pttl > expected - 5_000, "TTL " + pttl + " ms, expected about " + expected);
            // The name is in no key name.
            assertFalse(new String(userKey(store, "alice")).contains("alice"));

            List<UserSession> sessions = store.getUserSessions().list("alice");
            assertEquals(1, sessions.size());
            assertEquals("s1", sessions.get(0).id());
            assertEquals(data.getCreated(), sessions.get(0).created());
            assertEquals(TimeUnit.MINUTES.toMillis(30), sessions.get(0).maxInactiveMs());
            assertEquals(List.of(), store.getUserSessions().list("bob"));

            save(store, "anonymous", null, TimeUnit.MINUTES.toMillis(30));
            assertNull(redis.hget(store.getKeys().session("anonymous"), SessionHashCodec.USER_FIELD));
        }
    }

    @Test
    public void logoutAndAnotherUserMoveTheEntryAndADeletionTakesItOut() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            save(store, "s1", "alice", TimeUnit.MINUTES.toMillis(30));
            save(store, "s2", "alice", TimeUnit.MINUTES.toMillis(30));

            SessionData loaded = store.load("s1");
            loaded.setAttribute(USER_ATTRIBUTE, null);
            store.store("s1", loaded);
            assertNull(score(store, "alice", "s1"));
            assertNull(redis.hget(store.getKeys().session("s1"), SessionHashCodec.USER_FIELD));

            loaded = store.load("s1");
            loaded.setAttribute(USER_ATTRIBUTE, "bob");
            store.store("s1", loaded);
            assertNotNull(score(store, "bob", "s1"));
            assertNotNull(score(store, "alice", "s2"));

            // A save that changes nothing of the user sends no user command; the entry stays.
            loaded = store.load("s2");
            loaded.setAttribute("other", "x");
            store.store("s2", loaded);
            assertNotNull(score(store, "alice", "s2"));

            assertTrue(store.delete("s2"));
            assertFalse(redis.exists(userKey(store, "alice")), "alice's last session deleted: her set is gone");
            assertTrue(store.delete("s1"));
            assertFalse(redis.exists(userKey(store, "bob")));
        }
    }

    @Test
    public void aSaveWritesTheUsersEntryOnlyWhenTheExpiryIndexEntryMoves() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            save(store, "s1", "alice", TimeUnit.MINUTES.toMillis(30));
            // Taken out behind the store's back: only a command the store sends can put it back.
            redis.zrem(userKey(store, "alice"), SessionKeys.bytes("s1"));

            SessionData loaded = store.load("s1");
            loaded.setAttribute("other", "x");
            store.store("s1", loaded);
            assertNull(score(store, "alice", "s1"), "a save of the same user, expiry entry unmoved: no user command");

            loaded = store.load("s1");
            loaded.setExpiry(loaded.getExpiry() + TimeUnit.MINUTES.toMillis(5));
            loaded.setAttribute("other", "y");
            store.store("s1", loaded);
            assertEquals((double)loaded.getExpiry(), score(store, "alice", "s1"), "the user's entry moves with the expiry index entry");
        }
    }

    @Test
    public void theUserTheContainerAuthenticatedStaysWithTheSessionUntilAnAttributeNamesOne() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            SessionData data = save(store, "s1", null, TimeUnit.MINUTES.toMillis(30));
            assertFalse(data.isDirty());
            store.authenticatedAs(data, "alice");
            assertTrue(data.isDirty(), "a new user for the session: it must be saved");
            store.store("s1", data);
            assertNotNull(score(store, "alice", "s1"));
            store.authenticatedAs(data, "alice");
            assertFalse(data.isDirty(), "the same user again: nothing to save");

            // Another node: the user Redis records, with no attribute naming one, is the authenticated one.
            SessionData loaded = store.load("s1");
            store.authenticatedAs(loaded, "alice");
            assertFalse(loaded.isDirty());
            loaded.setAttribute("other", "x");
            store.store("s1", loaded);
            assertNotNull(score(store, "alice", "s1"), "a save that does not know the request keeps the user");

            // An attribute that names a user decides, and its removal (a form logout) logs the session out.
            loaded = store.load("s1");
            loaded.setAttribute(USER_ATTRIBUTE, "bob");
            store.authenticatedAs(loaded, "alice");
            store.store("s1", loaded);
            assertNull(score(store, "alice", "s1"));
            assertNotNull(score(store, "bob", "s1"));
            loaded.setAttribute(USER_ATTRIBUTE, null);
            store.store("s1", loaded);
            assertNull(score(store, "bob", "s1"));
            assertNull(score(store, "alice", "s1"), "not back to the user authenticated before the attribute");
        }
    }

    @Test
    public void aRenamedSessionIsIndexedUnderItsNewIdOnly() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            save(store, "old", "alice", TimeUnit.MINUTES.toMillis(30));
            // What Jetty's renewSessionId does to the store: the data written whole under the new id, the old deleted.
            SessionData data = store.load("old");
            data.setId("new");
            data.setLastSaved(0);
            store.store("new", data);
            store.delete("old");
            assertNull(score(store, "alice", "old"));
            assertNotNull(score(store, "alice", "new"));
            assertEquals(List.of("new"), store.getUserSessions().list("alice").stream().map(UserSession::id).toList());
        }
    }

    /**
     * What Jetty's renewSessionId does to the store, up to the write: the session deleted under its old id.
     *
     * @return the session's copy, given the new id, for its write under it
     */
    private static SessionData deletedForNewId(RedisSessionDataStore store, String oldId, String newId) throws Exception
    {
        SessionData data = store.load(oldId);
        data.setId(newId);
        data.setLastSaved(0);
        store.delete(oldId);
        return data;
    }

    @Test
    public void aSessionGivenANewIdWhileItsUserIsLoggedOutEverywhereIsInvalidatedUnderIt() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            UserSessions users = store.getUserSessions();
            save(store, "bob-old", "bob", TimeUnit.MINUTES.toMillis(30));
            save(store, "alice-old", "alice", TimeUnit.MINUTES.toMillis(30));

            // Bob's session gets a new id with no logout in between: indexed under it, and left alone.
            store.store("bob-new", deletedForNewId(store, "bob-old", "bob-new"));
            // Alice is logged out everywhere between the two steps of her session's new id: the logout finds it under
            // neither id.
            SessionData alice = deletedForNewId(store, "alice-old", "alice-new");
            assertEquals(0, users.invalidateAll("alice"));
            store.store("alice-new", alice);

            Await.until("the session's new id, written after the logout read alice's sessions, is invalidated too",
                Duration.ofSeconds(10), () -> !redis.exists(store.getKeys().session("alice-new")));
            assertTrue(redis.exists(store.getKeys().tombstone("alice-new")), "invalidated, with a tombstone");
            assertEquals(List.of(), users.list("alice"));
            // Tasks run in order on one thread: any for bob's new id would have run before alice's.
            assertTrue(redis.exists(store.getKeys().session("bob-new")));
            assertEquals(List.of("bob-new"), users.list("bob").stream().map(UserSession::id).toList());
        }
    }

    @Test
    public void thousandsOfExpiredSessionsLeaveNothingOfTheIndex() throws Exception
    {
        String[] users = {"alice", "bob", "carol", "dave", "eve"};
        try (StoreHarness harness = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            int sessions = 3000;
            for (int i = 0; i < sessions; i++)
                save(store, "e" + i, users[i % users.length], 500);
            for (String user : users)
                assertEquals(sessions / users.length, redis.zcard(userKey(store, user)));

            // The scavenger finds them through the expiry index a grace period after they expire, claims and deletes each.
            SessionIdManager ids = harness.server().getBean(SessionIdManager.class);
            Await.until("every user's set emptied by expiry", Duration.ofSeconds(60), () ->
            {
                ids.getSessionHouseKeeper().scavenge();
                for (String user : users)
                {
                    if (redis.exists(userKey(store, user)))
                        return false;
                }
                return true;
            });
            for (int i = 0; i < sessions; i += 97)
                assertFalse(redis.exists(store.getKeys().session("e" + i)), "session e" + i + " expired");
            assertEquals(Set.of(), redis.keys(SessionKeys.bytes(prefix + "*:user:*")).stream().map(String::new).collect(Collectors.toSet()));
        }
    }

    @Test
    public void whatAStoppedNodeLeftIsTrimmedByTheNextWriteAndTheSetExpiresByItself() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long margin = store.getTtlMarginMs();
            byte[] key = userKey(store, "alice");
            // Entries of sessions that ended long ago, which no node took out (their nodes stopped first).
            long past = System.currentTimeMillis() - margin - 10_000;
            List<String> stale = new ArrayList<>();
            for (int i = 0; i < 50; i++)
            {
                redis.zadd(key, past - i, SessionKeys.bytes("stale" + i));
                stale.add("stale" + i);
            }
            SessionData live = save(store, "live", "alice", 20_000);
            assertEquals(1, redis.zcard(key), "the login's write trimmed every entry older than the margin");
            // The clock read before the TTL: the TTL can only be lower than what it gives.
            long now = System.currentTimeMillis();
            long pttl = redis.pttl(key);
            long expected = live.getExpiry() - now + margin;
            assertTrue(pttl <= expected && pttl > expected - 5_000, "TTL " + pttl + " ms, expected about " + expected);

            // An immortal session keeps the set as long as it lives; its deletion gives the set its TTL back.
            save(store, "forever", "alice", -1);
            assertEquals(-1, redis.pttl(key));
            store.delete("forever");
            assertTrue(redis.pttl(key) > 0);
        }
    }

    @Test
    public void aNegativeMaximumStopsTheStartNamingTheProperty()
    {
        RedisSessionDataStoreFactory factory = factory();
        factory.setMaxSessionsPerUser(-1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, factory::validate);
        assertTrue(e.getMessage().contains("jetty.session.redis.maxSessionsPerUser"), e.getMessage());
        factory.setMaxSessionsPerUser(2);
        factory.setWhenMaxSessionsExceeded("drop-newest");
        e = assertThrows(IllegalArgumentException.class, factory::validate);
        assertTrue(e.getMessage().contains("jetty.session.redis.whenMaxSessionsExceeded"), e.getMessage());
    }

    @Test
    public void operatorsListAndLogOutAUserThroughJmx() throws Exception
    {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        MBeanContainer container = new MBeanContainer(mbeans);
        try (StoreHarness harness = new StoreHarness(factory(), "/jmx", null, container))
        {
            RedisSessionDataStore store = harness.store();
            save(store, "j1", "alice", TimeUnit.MINUTES.toMillis(30));
            save(store, "j2", "alice", TimeUnit.MINUTES.toMillis(30));
            Set<ObjectName> names = mbeans.queryNames(new ObjectName("io.github.jettyredis.session:type=usersessions,*"), null);
            assertEquals(1, names.size(), names.toString());
            ObjectName name = names.iterator().next();
            String[] sessions = (String[])mbeans.invoke(name, "sessionsOf", new Object[]{"alice"}, new String[]{String.class.getName()});
            assertEquals(2, sessions.length);
            assertTrue(sessions[0].startsWith("id=j"), sessions[0]);
            assertEquals(2, mbeans.invoke(name, "invalidateAll", new Object[]{"alice"}, new String[]{String.class.getName()}));
            assertEquals(0, mbeans.invoke(name, "count", new Object[]{"alice"}, new String[]{String.class.getName()}));
            assertFalse(redis.exists(userKey(store, "alice")));
        }
        finally
        {
            // Stopping the server leaves its beans on the platform MBeanServer, where other tests count theirs.
            container.destroy();
        }
    }
}
