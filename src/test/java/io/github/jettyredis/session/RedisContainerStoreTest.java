// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import io.github.jettyredis.session.testing.DockerRequired;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store against the official Redis image, where a Docker engine exists. Elsewhere (the build machines
 * of this project have none, and every other test uses a spawned redis-server) it is skipped, and the
 * console of the build says so: it runs in surefire's {@code docker} execution, whose test output goes to
 * the console, and {@link DockerRequired} prints why.
 */
@ExtendWith(DockerRequired.class)
@Testcontainers
public class RedisContainerStoreTest
{
    @Container
    private static final GenericContainer<?> REDIS = new GenericContainer<>("redis:7.4-alpine").withExposedPorts(6379);

    @Test
    public void storesAndLoadsASession() throws Exception
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri("redis://" + REDIS.getHost() + ":" + REDIS.getMappedPort(6379));
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            SessionData data = store.newSessionData("c1", now, now, now, 60_000);
            data.calcAndSetExpiry(now);
            data.setAttribute("greeting", "hello");
            store.store("c1", data);
            assertEquals("hello", store.load("c1").getAttribute("greeting"));
            assertTrue(store.exists("c1"));
        }
    }
}
