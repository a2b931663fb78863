// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How the coherent cache's check asks Redis, counted by a private Redis ({@code INFO commandstats}): a copy
 * whose last check found it current with one plain {@code HMGET}, a copy that another node changed since its
 * last check with the script that returns the whole session when it changed again. Two stores on one Redis
 * stand for two nodes; no scavenger runs in the few milliseconds counted.
 */
public class CoherentCheckTest
{
    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    private static RedisSessionDataStoreFactory factory()
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(REDIS.uri());
        factory.setPrefix("check:");
        return factory;
    }

    /** @return how many times Redis ran the command, scripts' calls included */
    private static long calls(String command)
    {
        try (Jedis admin = REDIS.server().connect())
        {
            return admin.info("commandstats").lines()
                .filter(line -> line.startsWith("cmdstat_" + command + ":"))
                .map(line -> Long.parseLong(line.replaceAll("^cmdstat_" + command + ":calls=(\\d+),.*", "$1")))
                .findFirst().orElse(0L);
        }
    }

    /** @return the {@code HMGET}s and scripts that one check of the copy made, and what it found */
    private static String check(RedisSessionDataStore store, SessionData held) throws Exception
    {
        long hmgets = calls("hmget");
        long scripts = calls("evalsha");
        HeldCopyCheck.Freshness freshness = store.refresh(held.getId(), held, false);
        return freshness + ": " + (calls("hmget") - hmgets) + " hmget, " + (calls("evalsha") - scripts) + " script";
    }

    private static void change(RedisSessionDataStore store, String id, String value) throws Exception
    {
        SessionData data = store.load(id);
        data.setAttribute("cart", value);
        store.store(id, data);
    }

    @Test
    public void aCopyFoundCurrentIsCheckedWithAPlainReadAndOneChangedElsewhereWithTheScript() throws Exception
    {
        try (StoreHarness nodeA = new StoreHarness(factory(), "/app");
             StoreHarness nodeB = new StoreHarness(factory(), "/app"))
        {
            RedisSessionDataStore a = nodeA.store();
            RedisSessionDataStore b = nodeB.store();
            long now = System.currentTimeMillis();
            SessionData created = a.newSessionData("s1", now, now, now, 600_000);
            created.calcAndSetExpiry(now);
            created.setAttribute("cart", "empty");
            a.store("s1", created);
            SessionData held = a.load("s1");

            // Requests staying on node A: one plain read each (the script's own HMGET would count one too).
            assertEquals("CURRENT: 1 hmget, 0 script", check(a, held));
            assertEquals("CURRENT: 1 hmget, 0 script", check(a, held));

            // Node B changes it: the plain read finds another version, the script reads the session whole.
            change(b, "s1", "1-item");
            assertEquals("REFRESHED: 2 hmget, 1 script", check(a, held));
            assertEquals("1-item", held.getAttribute("cart"));

            // Alternating between nodes: changed again, read whole in one round trip (the script alone).
            change(b, "s1", "2-items");
            assertEquals("REFRESHED: 1 hmget, 1 script", check(a, held));
            assertEquals("2-items", held.getAttribute("cart"));

            // Unchanged since: the script finds it current, and the check after that is a plain read again.
            assertEquals("CURRENT: 1 hmget, 1 script", check(a, held));
            assertEquals("CURRENT: 1 hmget, 0 script", check(a, held));
        }
    }
}
