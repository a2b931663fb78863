// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import org.eclipse.jetty.jmx.MBeanContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SessionOperations} as an operator reaches it, through JMX (Jetty's {@link MBeanContainer} on the
 * platform {@link MBeanServer}, as the jmx module sets it up), on two nodes holding a session in memory.
 */
public class SessionOperationsIT
{
    private static final String[] ID = {String.class.getName()};

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    @Test
    public void invalidateSessionFiresItsListenersAndEveryNodeAndRedisDropIt() throws Exception
    {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        JettyNode a = cluster.start("a", JettyNode.Cache.DEFAULT, node -> node.server().addBean(new MBeanContainer(mbeans)));
        JettyNode b = cluster.start("b", JettyNode.Cache.DEFAULT);
        String id = cluster.get(a.url("op=create&ttl=1800"));
        assertEquals("ok", cluster.get(a.url("op=set&name=user&value=alice")));
        cluster.awaitIdle();
        // Both nodes hold it in memory now.
        assertEquals("alice", cluster.get(b.url("op=get&name=user")));
        cluster.awaitIdle();

        Set<ObjectName> names = mbeans.queryNames(new ObjectName("io.github.jettyredis.session:type=sessionoperations,*"), null);
        assertEquals(1, names.size(), "node a's one context: " + names);
        ObjectName operations = names.iterator().next();
        assertEquals(Boolean.TRUE, mbeans.invoke(operations, "invalidateSession", new Object[]{id}, ID));

        assertEquals(1, cluster.destroyedCount(id), "sessionDestroyed fired once, on the node asked");
        SessionKeys keys = cluster.keys();
        assertFalse(cluster.redis().exists(keys.session(id)), "gone from Redis");
        assertTrue(cluster.redis().exists(keys.tombstone(id)), "with its tombstone");
        assertNull(cluster.redis().zscore(keys.expiryIndex(), SessionKeys.bytes(id)), "and its index entry");
        // Node b would answer from the copy it holds (DefaultSessionCache) had it not dropped it; asked without a
        // request of b's, which would drop the copy by itself after serving it once.
        Await.until("node b drops its copy", Duration.ofSeconds(10), () -> !b.holdsInMemory(id));
        assertEquals("none", cluster.get(b.url("op=get&name=user")));
        assertEquals("none", cluster.get(a.url("op=get&name=user")));
        assertEquals(1, cluster.destroyedCount(id), "and only once, across the nodes");

        assertEquals(Boolean.FALSE, mbeans.invoke(operations, "invalidateSession", new Object[]{id}, ID), "no such session any more");
        assertEquals(Boolean.FALSE, mbeans.invoke(operations, "invalidateSession", new Object[]{"no-such-session"}, ID));
    }
}
