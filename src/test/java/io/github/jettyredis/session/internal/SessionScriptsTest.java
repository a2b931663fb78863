// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The {@code restore} mode of {@link SessionScripts#WRITE}, with which nodes write back the copies they hold of
 * a session Redis lost: whichever node gets there first, the copy changed last is what Redis keeps; and what a
 * {@link SessionScripts#DELETE} tells of the session it deleted. Run on the shared test server, under a prefix of
 * its own.
 */
public class SessionScriptsTest
{
    private static final String OLDER = "0000019a00000000node0001";
    private static final String NEWER = "0000019a00001000node0002";

    private final UnifiedJedis redis = RedisTestServer.shared().newClient();
    private final SessionKeys keys = new SessionKeys(RedisTestServer.uniquePrefix(), "_app", "0.0.0.0");

    @AfterEach
    public void close()
    {
        redis.del(keys.session("s"), keys.tombstone("s"));
        redis.close();
    }

    private SessionScripts.Write restore(String version, String cart)
    {
        List<byte[]> args = new ArrayList<>(List.of(keys.session("s"), keys.tombstone("s")));
        for (String arg : List.of("restore", "60000", "node", "1", "0", "", "0", "#meta", "m", "#version", version, "cart", cart))
            args.add(SessionKeys.bytes(arg));
        return SessionScripts.Write.of(SessionScripts.WRITE.run(redis, args.toArray(byte[][]::new)));
    }

    private SessionScripts.Deletion delete()
    {
        return SessionScripts.deletion(SessionScripts.DELETE.run(redis, SessionScripts.deleteArgs(keys, "s", "node", 60_000, 60_000, 0, null)));
    }

    private String stored(String field)
    {
        byte[] value = redis.hget(keys.session("s"), SessionKeys.bytes(field));
        return value == null ? null : new String(value);
    }

    @Test
    public void theCopyChangedLastIsKeptWhenItComesBackFirst()
    {
        assertEquals(SessionScripts.Write.WRITTEN, restore(NEWER, "2-items"));
        assertEquals(SessionScripts.Write.SUPERSEDED, restore(OLDER, "1-item"));
        assertEquals("2-items", stored("cart"));
        assertEquals(NEWER, stored("#version"));
    }

    @Test
    public void theCopyChangedLastReplacesAnOlderOneWrittenBackBeforeIt()
    {
        assertEquals(SessionScripts.Write.WRITTEN, restore(OLDER, "1-item"));
        assertEquals(SessionScripts.Write.WRITTEN, restore(NEWER, "2-items"));
        assertEquals("2-items", stored("cart"));
        assertEquals(SessionScripts.Write.SUPERSEDED, restore(NEWER, "again"), "the same version twice: the first stays");
    }

    @Test
    public void aDeletedSessionIsNeverWrittenBack()
    {
        redis.set(keys.tombstone("s"), SessionKeys.bytes("deleted"));
        assertEquals(SessionScripts.Write.DELETED, restore(NEWER, "2-items"));
        assertFalse(redis.exists(keys.session("s")));
    }

    /**
     * A deletion tells a session deleted before it (a tombstone, no hash) from one Redis lost (neither): a new id
     * given to the first is never written, to the second it is written back ({@code RedisSessionDataStore}).
     */
    @Test
    public void aDeletionTellsASessionDeletedBeforeItFromOneRedisLost()
    {
        assertEquals(SessionScripts.Write.WRITTEN, restore(NEWER, "1-item"));
        SessionScripts.Deletion first = delete();
        assertEquals(List.of(1L, false), List.of(first.result(), first.deletedBefore()), "deleted here");
        SessionScripts.Deletion again = delete();
        assertEquals(List.of(0L, true), List.of(again.result(), again.deletedBefore()), "deleted before");
        redis.del(keys.tombstone("s"));
        SessionScripts.Deletion lost = delete();
        assertEquals(List.of(0L, false), List.of(lost.result(), lost.deletedBefore()), "lost by Redis");
    }
}
