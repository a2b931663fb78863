// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.metrics;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.SessionStoreCounters;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;

/**
 * Run in a JVM of its own by {@link SessionStoreMetricsTest}: starts a store on the Redis given, saves and
 * loads a session, and prints what it counted, and whether Micrometer is on the class path and was loaded.
 * Exits with 1 if anything failed.
 */
final class StoreWithoutMicrometer
{
    private StoreWithoutMicrometer()
    {
    }

    /** @param args the Redis URI */
    public static void main(String[] args) throws Exception
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(args[0]);
        factory.setPrefix(RedisTestServer.uniquePrefix());
        try (StoreHarness harness = new StoreHarness(factory, "/child"))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            SessionData data = store.newSessionData("m1", now, now, now, 600_000);
            data.setAttribute("user", "alice");
            store.store("m1", data);
            if (!"alice".equals(store.load("m1").getAttribute("user")))
                throw new AssertionError("the session was not loaded back");
            SessionStoreCounters counters = store.getCounters();
            System.out.println("counted saves=" + counters.getSavesWhole() + " loads=" + counters.getLoadsFound());
        }
        System.out.println("micrometer on class path: " + (ClassLoader.getSystemResource("io/micrometer/core/instrument/MeterRegistry.class") != null));
    }
}
