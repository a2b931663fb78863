// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.util.List;
import java.util.Map;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.RedisTestCluster;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import io.github.jettyredis.session.tool.SessionToolTest.Run;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SessionTool} on a real three-master Redis Cluster ({@link RedisTestCluster#shared()}), given the
 * cluster URI as the store is: the context registry, the index and each session live on different masters,
 * and the deletion's script and index entry go to different ones.
 */
public class SessionToolClusterIT
{
    private static final int SESSIONS = 20;

    @Test
    public void everyCommandWorksOnACluster() throws Exception
    {
        String prefix = RedisTestServer.uniquePrefix();
        String uri = RedisTestCluster.shared().uri();
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(uri);
        factory.setPrefix(prefix);
        try (StoreHarness harness = new StoreHarness(factory, "/app");
             UnifiedJedis redis = RedisTestCluster.shared().newClient())
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            // Ids in many slots, so that the sessions are on every master.
            for (int i = 0; i < SESSIONS; i++)
            {
                SessionData data = store.newSessionData("c" + i, now, now, now, 600_000);
                data.setExpiry(now + 600_000 + i);
                data.setAttribute("n", i);
                store.store("c" + i, data);
            }
            String[] target = {"--uri", uri, "--prefix", prefix};

            Run contexts = SessionToolTest.tool(Map.of(), "", with(target, "contexts"));
            assertEquals(0, contexts.exitCode(), contexts.err());
            assertEquals(List.of("_app_0.0.0.0", Integer.toString(SESSIONS), "0"), contexts.line("_app_0.0.0.0"), contexts.out());

            Run sessions = SessionToolTest.tool(Map.of(), "", with(target, "sessions", "/app", "--limit", "3"));
            assertEquals(0, sessions.exitCode(), sessions.err());
            assertTrue(sessions.out().contains("3 of " + SESSIONS + " sessions"), sessions.out());

            for (int i = 0; i < SESSIONS; i++)
            {
                Run show = SessionToolTest.tool(Map.of(), "", with(target, "show", "/app", "c" + i, "--values"));
                assertEquals(0, show.exitCode(), show.err());
                assertEquals(List.of("n", "int", "-"), show.line("n").subList(0, 3), show.out());
                assertEquals(Integer.toString(i), show.line("n").get(4), show.out());
            }

            SessionKeys keys = store.getKeys();
            for (int i = 0; i < SESSIONS; i++)
            {
                Run delete = SessionToolTest.tool(Map.of(), "", with(target, "delete", "/app", "c" + i, "--yes"));
                assertEquals(0, delete.exitCode(), delete.err());
                assertFalse(redis.exists(keys.session("c" + i)));
                assertTrue(redis.exists(keys.tombstone("c" + i)));
                assertNull(redis.zscore(keys.expiryIndex(), SessionKeys.bytes("c" + i)));
            }
        }
    }

    private static String[] with(String[] first, String... more)
    {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
