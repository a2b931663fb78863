// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.TestCertificates;
import io.github.jettyredis.session.testing.TestRedis;
import org.eclipse.jetty.session.SessionDataStoreFactory;

/**
 * Jetty's own store test suite (all 24 tests) against a {@code redis-server} that listens with TLS only
 * and requires client certificates, through a {@code rediss://} URI with the trust store, the key store and
 * host name verification.
 */
public class RedisTlsJettySuiteIT extends RedisSessionDataStoreJettySuiteTest
{
    private static RedisTestServer redis;

    public RedisTlsJettySuiteIT() throws Exception
    {
    }

    /** One server for the class, started on first use and stopped when the JVM exits. */
    private static synchronized RedisTestServer redis()
    {
        if (redis == null)
            redis = RedisTestServer.startTls(TestCertificates.shared().server(), "--tls-auth-clients", "yes");
        return redis;
    }

    @Override
    protected TestRedis testRedis()
    {
        return redis();
    }

    @Override
    public SessionDataStoreFactory createSessionDataStoreFactory()
    {
        return TestCertificates.shared().configure((RedisSessionDataStoreFactory)super.createSessionDataStoreFactory());
    }
}
