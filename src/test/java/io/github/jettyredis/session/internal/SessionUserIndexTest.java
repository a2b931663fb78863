// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user's part of saves and deletions on its own, on a real Redis without a store: what a save records in
 * the session's {@code #user} field, which users' entries it moves, which saves count as logins for the
 * per-user limit, and which user decides when an attribute and the container's authentication both name one.
 */
public class SessionUserIndexTest
{
    private static final String USER_ATTRIBUTE = "login";
    private static final long MAX_INACTIVE_MS = TimeUnit.MINUTES.toMillis(30);

    private final UnifiedJedis redis = RedisTestServer.shared().newClient();
    private final SessionKeys keys = new SessionKeys(RedisTestServer.uniquePrefix(), "/app", "0.0.0.0");
    private final SessionHashCodec codec = new SessionHashCodec(new ProtobufAttributeSerializer());
    private final List<String> logins = new ArrayList<>();

    @AfterEach
    public void closeClient()
    {
        redis.close();
    }

    private SessionUserIndex index(boolean enabled)
    {
        UserIndex byUser = new UserIndex(keys, () -> TimeUnit.MINUTES.toMillis(5));
        return new SessionUserIndex(byUser, new UserNames(USER_ATTRIBUTE), enabled, new SessionUserIndex.Events()
        {
            @Override
            public void loggedIn(String userToken, String id, long entries)
            {
                logins.add(userToken + " " + id + " " + entries);
            }

            @Override
            public void loggedOutDuringRenewal(String userToken, String id)
            {
                logins.add("logged out during renewal: " + userToken + " " + id);
            }
        });
    }

    private static StoredSessionData session(String id, String user)
    {
        long now = System.currentTimeMillis();
        StoredSessionData data = new StoredSessionData(id, "/app", "0.0.0.0", now, now, now, MAX_INACTIVE_MS);
        data.calcAndSetExpiry(now);
        if (user != null)
            data.setAttribute(USER_ATTRIBUTE, user);
        return data;
    }

    /** Runs the user's part of a save that Redis wrote (or not: the session is not there), as the store's write does around its script. */
    private SessionDelta save(SessionUserIndex index, StoredSessionData data, SessionDelta delta, boolean written)
    {
        return save(index, data, delta, written, false, null);
    }

    /**
     * @param sessionThere for a save Redis did not write, whether the session is still there (refused for another
     * node's lease, or another node's later copy written back first)
     * @param recordedUser the user the session's hash then records, or null
     */
    private SessionDelta save(SessionUserIndex index, StoredSessionData data, SessionDelta delta, boolean written, boolean sessionThere,
                              String recordedUser)
    {
        SessionUserIndex.Save save = index.save(data.getId(), data, delta);
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            save.queue(pipeline);
            pipeline.sync();
        }
        save.readReplies(redis);
        if (written)
            save.written();
        else
            save.undo(redis, sessionThere, () -> recordedUser == null ? null : SessionKeys.userToken(recordedUser));
        return save.recording(delta);
    }

    private Double score(String user, String id)
    {
        return redis.zscore(keys.user(SessionKeys.userToken(user)), SessionKeys.bytes(id));
    }

    private static byte[] recordedUser(SessionDelta save)
    {
        return save.attributes().get(SessionHashCodec.USER_FIELD);
    }

    private static boolean deletesUser(SessionDelta save)
    {
        return save.deleted().stream().anyMatch(field -> Arrays.equals(field, SessionHashCodec.USER_FIELD));
    }

    /** Takes a session out of its user's index as a deletion does. @return the user's logout mark it found */
    private String removedUnder(SessionUserIndex index, String userToken, String id)
    {
        UserIndex.Change change;
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            change = index.queueDeletion(pipeline, new SessionScripts.Deletion(1, userToken, false, null), id);
            pipeline.sync();
        }
        return change.logoutMark(redis);
    }

    /** Gives a saved session a new id, as Jetty does: removed under the old one, then written whole under the new one. */
    private void renew(SessionUserIndex index, StoredSessionData data, String newId, Runnable between)
    {
        String alice = SessionKeys.userToken("alice");
        String oldId = data.getId();
        String mark = removedUnder(index, alice, oldId);
        between.run();
        data.setId(newId);
        data.setRenewal(new Renewals.Renewal(oldId, false, alice, mark));
        save(index, data, codec.encodeDelta(data, true), true);
    }

    @Test
    public void aNewIdWrittenAfterTheUserWasLoggedOutEverywhereSinceTheOldIdLeftTheIndexIsTold()
    {
        SessionUserIndex index = index(true);
        String alice = SessionKeys.userToken("alice");
        StoredSessionData data = session("s1", "alice");
        save(index, data, codec.encodeDelta(data, true), true);
        logins.clear();

        // No logout in between: nothing told.
        renew(index, data, "s2", () -> { });
        assertEquals(List.of(), logins);
        assertNull(data.getRenewal(), "forgotten once written");

        // A logout everywhere reads the user's sessions in between, and finds none: the new id is told, and indexed,
        // so that a later logout finds it too.
        renew(index, data, "s3", () -> assertEquals(Map.of(), index.index().entriesForLogout(redis, alice)));
        assertEquals(List.of("logged out during renewal: " + alice + " s3"), logins);
        assertNotNull(score("alice", "s3"));
        String first = redis.get(new String(keys.userLogout(alice)));
        long pttl = redis.pttl(keys.userLogout(alice));
        assertTrue(pttl > TimeUnit.HOURS.toMillis(23) && pttl <= TimeUnit.DAYS.toMillis(1), "the mark lives a day: " + pttl);

        // Each logout leaves a later mark.
        index.index().entriesForLogout(redis, alice);
        assertTrue(Long.parseLong(redis.get(new String(keys.userLogout(alice)))) > Long.parseLong(first));

        // A mark gone by the time of the write (it lives a day) tells nothing.
        logins.clear();
        renew(index, data, "s4", () -> redis.del(keys.userLogout(alice)));
        assertEquals(List.of(), logins);
    }

    @Test
    public void aLoginIsRecordedAndIndexedAndToldOnceAndAChangeOfUserMovesTheEntry()
    {
        SessionUserIndex index = index(true);
        StoredSessionData data = session("s1", "alice");
        String alice = SessionKeys.userToken("alice");

        SessionDelta login = save(index, data, codec.encodeDelta(data, false), true);
        assertArrayEquals(SessionKeys.bytes(alice), recordedUser(login));
        assertEquals((double)data.getExpiry(), score("alice", "s1"));
        assertEquals(alice, data.getStoredUser());
        assertEquals(List.of(alice + " s1 1"), logins);

        // The same user again: nothing recorded, nothing queued, no login.
        SessionDelta same = codec.encodeDelta(data, false);
        redis.zrem(keys.user(alice), SessionKeys.bytes("s1"));
        assertSame(same, save(index, data, same, true));
        assertNull(score("alice", "s1"));
        assertEquals(1, logins.size());

        // The expiry index entry moves: the user's entry moves with it, and that is no login.
        data.setExpiry(data.getExpiry() + 60_000);
        SessionDelta moved = codec.encodeDelta(data, false).withIndexEntry();
        assertSame(moved, save(index, data, moved, true));
        assertEquals((double)data.getExpiry(), score("alice", "s1"));
        assertEquals(1, logins.size());

        // A whole write replaces the hash: it records the user again.
        assertArrayEquals(SessionKeys.bytes(alice), recordedUser(save(index, data, codec.encodeDelta(data, true), true)));
        assertEquals(1, logins.size());

        data.setAttribute(USER_ATTRIBUTE, "bob");
        SessionDelta another = save(index, data, codec.encodeDelta(data, false), true);
        assertArrayEquals(SessionKeys.bytes(SessionKeys.userToken("bob")), recordedUser(another));
        assertNull(score("alice", "s1"));
        assertEquals((double)data.getExpiry(), score("bob", "s1"));
        assertEquals(SessionKeys.userToken("bob") + " s1 1", logins.get(1));

        data.setAttribute(USER_ATTRIBUTE, null);
        SessionDelta logout = save(index, data, codec.encodeDelta(data, false), true);
        assertTrue(deletesUser(logout));
        assertNull(score("bob", "s1"));
        assertNull(data.getStoredUser());
        assertEquals(2, logins.size());
    }

    @Test
    public void aSaveRedisDidNotWriteTakesItsEntryOutAgainAndCountsNoLogin()
    {
        SessionUserIndex index = index(true);
        StoredSessionData data = session("s2", "alice");
        save(index, data, codec.encodeDelta(data, true), false);
        assertNull(score("alice", "s2"));
        assertNull(data.getStoredUser());
        assertEquals(List.of(), logins);
        assertFalse(index.isUserUnchanged(data));
    }

    /**
     * A save refused while the session stays in Redis (another node's lease, a later copy written back first):
     * the entries it changed follow the user the hash records then, which another node may have changed, so that
     * a logout everywhere finds the session under that user, and only under that one.
     */
    @Test
    public void aSaveRefusedWhileTheSessionStaysLeavesItIndexedUnderTheUserRedisRecords()
    {
        SessionUserIndex index = index(true);
        StoredSessionData data = session("s5", "alice");
        save(index, data, codec.encodeDelta(data, false), true);
        assertNotNull(score("alice", "s5"));

        data.setExpiry(data.getExpiry() + 60_000);
        save(index, data, codec.encodeDelta(data, false).withIndexEntry(), false, true, "alice");
        assertNotNull(score("alice", "s5"), "the session is still alice's");

        data.setAttribute(USER_ATTRIBUTE, "bob");
        save(index, data, codec.encodeDelta(data, false), false, true, "alice");
        assertNull(score("bob", "s5"), "the login never went through");
        assertNotNull(score("alice", "s5"), "Redis still records alice");

        // Another node logged bob in meanwhile: this node's refused save of bob leaves bob's entry, alice's goes.
        save(index, data, codec.encodeDelta(data, false), false, true, "bob");
        assertNotNull(score("bob", "s5"));
        assertNull(score("alice", "s5"));
    }

    @Test
    public void anAttributeNamingAUserDecidesOverTheContainersAuthentication()
    {
        SessionUserIndex index = index(true);
        StoredSessionData data = session("s3", null);
        data.setDirty(false);

        index.authenticatedAs(data, "carol");
        assertTrue(data.isDirty());
        assertEquals(SessionKeys.userToken("carol"), index.userOf(data));
        // The same user at the next request changes nothing.
        data.setDirty(false);
        index.authenticatedAs(data, "carol");
        assertFalse(data.isDirty());

        // A form login (the attribute) replaces the authenticated user for good.
        data.setAttribute(USER_ATTRIBUTE, "alice");
        data.setDirty(false);
        index.authenticatedAs(data, "carol");
        assertFalse(data.isDirty());
        assertEquals(SessionKeys.userToken("alice"), index.userOf(data));
        data.setAttribute(USER_ATTRIBUTE, null);
        assertNull(index.userOf(data));

        // Loaded without an attribute, the recorded user is the container's: it stays the session's user.
        StoredSessionData loaded = session("s4", null);
        loaded.setStoredUser(SessionKeys.userToken("carol"));
        index.loaded(loaded);
        assertTrue(index.isUserUnchanged(loaded));
        StoredSessionData named = session("s5", "alice");
        named.setStoredUser(SessionKeys.userToken("alice"));
        index.loaded(named);
        assertNull(named.getAuthenticatedUser());
    }

    @Test
    public void offASaveWritesNothingForUsersButADeletionStillTakesTheEntryTheHashNamed()
    {
        SessionUserIndex off = index(false);
        StoredSessionData data = session("s6", "alice");
        SessionDelta whole = codec.encodeDelta(data, true);
        assertSame(whole, save(off, data, whole, true));
        assertNull(score("alice", "s6"));
        assertEquals(List.of(), logins);
        StoredSessionData anonymous = session("s7", null);
        anonymous.setDirty(false);
        off.authenticatedAs(anonymous, "carol");
        assertNull(anonymous.getAuthenticatedUser());
        assertFalse(anonymous.isDirty());

        // Saved while userSessions was on, deleted with it off.
        save(index(true), data, whole, true);
        assertEquals((double)data.getExpiry(), score("alice", "s6"));
        try (AbstractPipeline pipeline = redis.pipelined())
        {
            off.queueDeletion(pipeline, new SessionScripts.Deletion(1, SessionKeys.userToken("alice"), false, null), "s6");
            off.queueDeletion(pipeline, new SessionScripts.Deletion(1, null, false, null), "s6");
            pipeline.sync();
        }
        assertNull(score("alice", "s6"));
    }
}
