// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import redis.clients.jedis.UnifiedJedis;

/**
 * The store's own tests ({@link RedisSessionDataStoreTest}) run by the least-privileged ACL user the README
 * gives ({@link ReadmeAclUser}) on a private server; the tests' own reads and writes are the default
 * user's. After each test the server's {@code ACL LOG} must be empty.
 */
public class RedisAclStoreIT extends RedisSessionDataStoreTest
{
    private static RedisTestServer redis;

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
    protected UnifiedJedis newTestClient()
    {
        return redis().newClient();
    }

    @Override
    protected RedisSessionDataStoreFactory factory(String prefix)
    {
        RedisSessionDataStoreFactory factory = super.factory(prefix);
        factory.setUri(redis().uri());
        return ReadmeAclUser.use(factory);
    }

    @AfterEach
    public void nothingWasRefused()
    {
        ReadmeAclUser.assertNothingRefused(redis());
    }
}
