// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.metrics;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import javax.management.MBeanServer;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.SessionStoreCounters;
import io.github.jettyredis.session.testing.ChildJvm;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.jetty.jmx.MBeanContainer;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's counters in a real Micrometer registry, bound directly and through JMX, moving with real
 * requests; and a store that runs, and loads no Micrometer class, when Micrometer is absent or unused.
 */
public class SessionStoreMetricsTest
{
    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(RedisTestServer.shared());

    private static double count(MeterRegistry registry, String context, String name, String... tags)
    {
        return registry.get(name).tag(SessionStoreMeters.CONTEXT_TAG, context).tags(tags).functionCounter().count();
    }

    private static double gauge(MeterRegistry registry, String context, String name, String... tags)
    {
        return registry.get(name).tag(SessionStoreMeters.CONTEXT_TAG, context).tags(tags).gauge().value();
    }

    @Test
    public void aRegistryShowsTheCountsOfRealRequests() throws Exception
    {
        // No cache: every request loads its session from Redis.
        JettyNode node = cluster.start("node", JettyNode.Cache.NULL);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionStoreMetrics.of(node.server()).bindTo(registry);
        String context = node.store().getContextName();
        assertEquals(0, count(registry, context, "jetty.session.redis.saves", "kind", "whole"));

        cluster.get(node.url("op=create"));
        assertEquals("ok", cluster.get(node.url("op=set&name=user&value=alice")));
        assertEquals("alice", cluster.get(node.url("op=get&name=user")));
        node.awaitIdle();

        SessionStoreCounters counters = node.store().getCounters();
        assertEquals(counters.getSavesWhole(), count(registry, context, "jetty.session.redis.saves", "kind", "whole"), counters.toString());
        assertTrue(count(registry, context, "jetty.session.redis.saves", "kind", "whole") >= 1, counters.toString());
        assertTrue(count(registry, context, "jetty.session.redis.loads", "outcome", "found") >= 2, counters.toString());
        assertTrue(count(registry, context, "jetty.session.redis.bytes", "direction", "written") > 0, counters.toString());
        assertEquals(0, registry.get("jetty.session.redis.errors").tag(SessionStoreMeters.CONTEXT_TAG, context).functionCounters().stream()
            .mapToDouble(FunctionCounter::count).sum(), "no Redis errors: " + counters);
        double p99 = gauge(registry, context, "jetty.session.redis.load.duration", "percentile", "0.99");
        assertEquals(counters.getLoadP99Micros() / 1e6, p99, 1e-9, "seconds");
        assertTrue(p99 > 0 && p99 < 10, "p99 load time in seconds: " + p99);
        assertTrue(gauge(registry, context, "jetty.session.redis.session.size", "percentile", "0.5") > 0);
        assertEquals(1, gauge(registry, context, "jetty.session.redis.sessions.live"));
        assertEquals(SessionStoreMeters.METERS.size() + 1, registry.getMeters().size(), "every meter, once: " +
            registry.getMeters().stream().map(m -> m.getId().toString()).collect(Collectors.joining("\n")));
    }

    @Test
    public void aStoreWithMetricsOffIsNotBound() throws Exception
    {
        JettyNode node = cluster.start("node", JettyNode.Cache.NULL, n -> n.sessions().setMetrics(false));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionStoreMetrics.of(node.server()).bindTo(registry);
        assertEquals(List.of(), registry.getMeters());
    }

    @Test
    public void throughJmxTheSameMetersShowEveryStore() throws Exception
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(RedisTestServer.shared().uri());
        factory.setPrefix(RedisTestServer.uniquePrefix());
        MBeanContainer jmx = new MBeanContainer(ManagementFactory.getPlatformMBeanServer());
        try (StoreHarness harness = new StoreHarness(factory, "/jmx-metrics", null, jmx))
        {
            RedisSessionDataStore store = harness.store();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            // As a webapp of a jetty-base binds it: with none of the store's, Jetty's or Jedis's classes visible.
            WebappLikeLoader webapp = new WebappLikeLoader();
            assertThrows(NoClassDefFoundError.class, () -> Class.forName(SessionStoreMetrics.class.getName(), true, webapp),
                "the loader hides the server's classes, which the direct binder needs");
            Class<?> binder = Class.forName(SessionStoreJmxMetrics.class.getName(), true, webapp);
            assertTrue(binder != SessionStoreJmxMetrics.class, "loaded apart");
            ((MeterBinder)binder.getConstructor(MBeanServer.class).newInstance(ManagementFactory.getPlatformMBeanServer())).bindTo(registry);
            String context = store.getContextName();
            long now = System.currentTimeMillis();
            SessionData data = store.newSessionData("j1", now, now, now, 600_000);
            data.setAttribute("user", "alice");
            store.store("j1", data);
            store.load("j1");

            assertEquals(1, count(registry, context, "jetty.session.redis.saves", "kind", "whole"));
            assertEquals(1, count(registry, context, "jetty.session.redis.loads", "outcome", "found"));
            assertEquals(store.getCounters().getSaveP50Micros() / 1e6, gauge(registry, context, "jetty.session.redis.save.duration", "percentile", "0.5"),
                1e-12);
            assertEquals(1, gauge(registry, context, "jetty.session.redis.sessions.live"));
            Collection<Gauge> gauges = registry.get("jetty.session.redis.session.size").tag(SessionStoreMeters.CONTEXT_TAG, context).gauges();
            assertEquals(2, gauges.size(), "p50 and p99");
        }
        finally
        {
            // Stopping the server leaves its beans registered in the platform MBean server; this takes them out.
            jmx.destroy();
        }
    }

    /**
     * Sees only the JDK, Micrometer (this test's, so that its registry takes the meters) and this package's
     * main classes, defined anew: what a webapp sees of the server, if it bundles this project's jar.
     */
    private static final class WebappLikeLoader extends ClassLoader
    {
        WebappLikeLoader()
        {
            super(ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException
        {
            synchronized (getClassLoadingLock(name))
            {
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null)
                    return loaded;
                if (name.startsWith("io.micrometer."))
                    return SessionStoreMetricsTest.class.getClassLoader().loadClass(name);
                if (!name.startsWith(SessionStoreJmxMetrics.class.getPackageName() + ".") || name.endsWith("Test"))
                    return super.loadClass(name, resolve);
                try (InputStream in = SessionStoreMetricsTest.class.getClassLoader().getResourceAsStream(name.replace('.', '/') + ".class"))
                {
                    if (in == null)
                        throw new ClassNotFoundException(name);
                    byte[] bytes = in.readAllBytes();
                    return defineClass(name, bytes, 0, bytes.length);
                }
                catch (IOException e)
                {
                    throw new ClassNotFoundException(name, e);
                }
            }
        }
    }

    @Test
    public void theStoreRunsWithoutMicrometerAndLoadsNoneOfItsClassesWhenItIsThere() throws Exception
    {
        String classPath = System.getProperty("java.class.path");
        String withoutMicrometer = Arrays.stream(classPath.split(File.pathSeparator))
            .filter(entry -> !entry.contains("micrometer"))
            .collect(Collectors.joining(File.pathSeparator));
        assertTrue(withoutMicrometer.length() < classPath.length(), "Micrometer is on the test class path: " + classPath);

        ChildJvm.Result without = ChildJvm.run(Duration.ofMinutes(1), List.of(), withoutMicrometer, StoreWithoutMicrometer.class,
            RedisTestServer.shared().uri());
        assertEquals(0, without.exitCode(), without.output());
        assertTrue(without.output().contains("counted saves=1 loads=1"), without.output());
        assertTrue(without.output().contains("micrometer on class path: false"), without.output());

        ChildJvm.Result with = ChildJvm.run(Duration.ofMinutes(1), List.of("-verbose:class"), classPath, StoreWithoutMicrometer.class,
            RedisTestServer.shared().uri());
        assertEquals(0, with.exitCode(), with.output());
        assertTrue(with.output().contains("micrometer on class path: true"), "the check can tell: " + with.output());
        assertTrue(with.output().contains("io.github.jettyredis.session.RedisSessionDataStore "), "-verbose:class shows loaded classes");
        assertFalse(with.output().contains("io.micrometer"), "no Micrometer class loaded");
    }
}
