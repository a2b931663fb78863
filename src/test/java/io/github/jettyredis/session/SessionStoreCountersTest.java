// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.lang.management.ManagementFactory;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.jmx.MBeanContainer;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's counters, on a real Redis, and as Jetty's jmx module shows them: through an
 * {@link MBeanContainer} on the platform {@link MBeanServer}.
 */
public class SessionStoreCountersTest
{
    private static RedisSessionDataStoreFactory factory()
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(RedisTestServer.shared().uri());
        factory.setPrefix(RedisTestServer.uniquePrefix());
        return factory;
    }

    @Test
    public void theStoreCountsWhatItDoesAndJmxShowsIt() throws Exception
    {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        MBeanContainer jmx = new MBeanContainer(mbeans);
        try (StoreHarness harness = new StoreHarness(factory(), "/app", null, jmx))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            SessionData data = store.newSessionData("c1", now, now, now, 600_000);
            data.setAttribute("user", "alice");
            store.store("c1", data);
            data.setAttribute("cart", "2 items");
            store.store("c1", data);
            assertEquals("alice", store.load("c1").getAttribute("user"));
            assertNull(store.load("missing"));
            assertTrue(store.delete("c1"));

            SessionStoreCounters counters = store.getCounters();
            assertEquals(1, counters.getSavesWhole(), counters.toString());
            assertEquals(1, counters.getSavesDelta(), counters.toString());
            assertEquals(1, counters.getLoadsFound(), counters.toString());
            assertEquals(1, counters.getLoadsMissing(), counters.toString());
            assertEquals(1, counters.getDeletions(), counters.toString());
            assertTrue(counters.getBytesRead() > 0 && counters.getBytesWritten() > counters.getBytesRead() / 2, counters.toString());
            assertTrue(counters.getLoadP99Micros() > 0 && counters.getSaveP50Micros() > 0, counters.toString());
            assertTrue(counters.getSessionBytesP50() >= counters.getBytesRead() && counters.getSessionBytesP50() <= 2 * counters.getBytesRead(),
                "the one loaded session's size, to within a quarter of its power of two: " + counters.getSessionBytesP50());
            store.store("c2", store.newSessionData("c2", now, now, now, 600_000));
            assertEquals(1, store.getLiveSessions(), "c2 (c1 is deleted)");

            Set<ObjectName> names = mbeans.queryNames(new ObjectName("io.github.jettyredis.session:type=sessionstorecounters,*"), null);
            assertEquals(1, names.size(), "one counters bean: " + names);
            ObjectName name = names.iterator().next();
            assertEquals(1L, mbeans.getAttribute(name, "savesDelta"));
            assertEquals(1L, mbeans.getAttribute(name, "loadsMissing"));
            mbeans.invoke(name, "reset", new Object[0], new String[0]);
            assertEquals(0L, mbeans.getAttribute(name, "loadsMissing"));
        }
        finally
        {
            // Stopping the server leaves its beans registered in the platform MBean server; this takes them out.
            jmx.destroy();
        }
    }

    @Test
    public void withMetricsOffTheStoreCountsNothingAndHasNoCountersBean() throws Exception
    {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        RedisSessionDataStoreFactory factory = factory();
        factory.setMetrics(false);
        MBeanContainer jmx = new MBeanContainer(mbeans);
        try (StoreHarness harness = new StoreHarness(factory, "/off", null, jmx))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            SessionData data = store.newSessionData("o1", now, now, now, 600_000);
            data.setAttribute("user", "alice");
            store.store("o1", data);
            assertEquals("alice", store.load("o1").getAttribute("user"));
            assertNull(store.load("missing"));

            SessionStoreCounters counters = store.getCounters();
            assertEquals(0, counters.getSavesWhole() + counters.getLoadsFound() + counters.getLoadsMissing() + counters.getBytesRead(),
                counters.toString());
            assertEquals(0, counters.getLoadP50Micros() + counters.getSaveP50Micros(), counters.toString());
            assertFalse(store.isMetrics());
            assertTrue(store.getConfiguration().contains("metrics=false"), store.getConfiguration());
            assertTrue(harness.server().getContainedBeans(SessionStoreCounters.class).isEmpty(), "no counters bean");
            assertEquals(1, mbeans.queryNames(new ObjectName("io.github.jettyredis.session:type=redissessiondatastore,context=*/_off,*"), null).size(),
                "the store is a bean");
            assertEquals(Set.of(), mbeans.queryNames(new ObjectName("io.github.jettyredis.session:type=sessionstorecounters,context=*/_off,*"), null));
        }
        finally
        {
            jmx.destroy();
        }
    }

    @Test
    public void anExpiredSessionAnotherNodeDeletedIsCountedGoneWhenThisOneComesToClaimIt() throws Exception
    {
        RedisSessionDataStoreFactory first = factory();
        RedisSessionDataStoreFactory second = factory();
        second.setPrefix(first.getPrefix());
        // Expired sessions another node last used are due a grace period after their expiry.
        first.setGracePeriodSec(1);
        second.setGracePeriodSec(1);
        try (StoreHarness a = new StoreHarness(first, "/app"); StoreHarness b = new StoreHarness(second, "/app"))
        {
            long past = System.currentTimeMillis() - 10_000;
            a.store().store("e1", a.store().newSessionData("e1", past, past, past, 1000));
            // Node a expires e1 (its listeners fire there); node b still has it among its candidates.
            assertTrue(a.store().delete("e1"));

            Set<String> expired = b.store().getExpired(Set.of("e1"));

            SessionStoreCounters counters = b.store().getCounters();
            assertEquals(Set.of(), expired, counters.toString());
            assertEquals(0, counters.getExpiriesClaimed(), counters.toString());
            assertEquals(1, counters.getExpiriesGone(), counters.toString());
        }
    }
}
