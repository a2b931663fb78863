// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import io.github.jettyredis.session.testing.RedisTestCluster;
import io.github.jettyredis.session.testing.TestCertificates;
import io.github.jettyredis.session.testing.TestRedis;
import org.eclipse.jetty.session.SessionDataStoreFactory;

/**
 * Jetty's own store test suite (all 24 tests) against a three-master Redis Cluster that speaks TLS only, to
 * clients and on its bus ({@code tls-cluster yes}), and requires client certificates, through a
 * {@code rediss-cluster://} URI: the slot map the client learns must name the nodes' TLS ports, and every
 * connection to a node it learns of must carry the trust store, the key store and host name verification.
 */
public class RedisTlsClusterJettySuiteIT extends RedisSessionDataStoreJettySuiteTest
{
    private static RedisTestCluster cluster;

    public RedisTlsClusterJettySuiteIT() throws Exception
    {
    }

    /** One cluster for the class, started on first use and stopped when the JVM exits. */
    private static synchronized RedisTestCluster cluster()
    {
        if (cluster == null)
            cluster = RedisTestCluster.startTls(3, "--tls-auth-clients", "yes");
        return cluster;
    }

    @Override
    protected TestRedis testRedis()
    {
        return cluster();
    }

    @Override
    public SessionDataStoreFactory createSessionDataStoreFactory()
    {
        return TestCertificates.shared().configure((RedisSessionDataStoreFactory)super.createSessionDataStoreFactory());
    }
}
