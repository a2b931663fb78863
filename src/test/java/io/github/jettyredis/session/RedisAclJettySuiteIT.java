// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import io.github.jettyredis.session.testing.RedisTestServer;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import redis.clients.jedis.UnifiedJedis;

/**
 * Jetty's own store test suite (all 24 tests) run by the least-privileged ACL user the README gives
 * ({@link ReadmeAclUser}) on a private server; the suite's helpers write and read keys as the default user.
 * After each test the server's {@code ACL LOG} must be empty.
 */
public class RedisAclJettySuiteIT extends RedisSessionDataStoreJettySuiteTest
{
    private static RedisTestServer redis;

    public RedisAclJettySuiteIT() throws Exception
    {
    }

    /** One server for the class, started (and given the user) on first use. */
    private static synchronized RedisTestServer redis()
    {
        if (redis == null)
        {
            redis = RedisTestServer.startPrivate();
            ReadmeAclUser.create(redis);
        }
        return redis;
    }

    @AfterAll
    public static synchronized void stopRedis()
    {
        if (redis != null)
            redis.close();
        redis = null;
    }

    @Override
    protected String redisUri()
    {
        return redis().uri();
    }

    @Override
    protected UnifiedJedis newTestClient()
    {
        return redis().newClient();
    }

    @Override
    public SessionDataStoreFactory createSessionDataStoreFactory()
    {
        return ReadmeAclUser.use((RedisSessionDataStoreFactory)super.createSessionDataStoreFactory());
    }

    @AfterEach
    public void nothingWasRefused()
    {
        ReadmeAclUser.assertNothingRefused(redis());
    }
}
