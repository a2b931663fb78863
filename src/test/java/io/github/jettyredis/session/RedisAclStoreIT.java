// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import redis.clients.jedis.UnifiedJedis;

/**
 * The store's own tests ({@link RedisSessionDataStoreTest}) run by the least-privileged ACL user the README
 * gives ({@link ReadmeAclUser}) on a private server; the tests' own reads and writes are the default
 * user's. After each test the server's {@code ACL LOG} must be empty.
 */
public class RedisAclStoreIT extends RedisSessionDataStoreTest
{
    @Override
    protected UnifiedJedis newTestClient()
    {
        return ReadmeAclUser.server().newClient();
    }

    @Override
    protected RedisSessionDataStoreFactory factory(String prefix)
    {
        RedisSessionDataStoreFactory factory = super.factory(prefix);
        factory.setUri(ReadmeAclUser.server().uri());
        return ReadmeAclUser.use(factory);
    }

    @AfterEach
    public void nothingWasRefused()
    {
        ReadmeAclUser.assertNothingRefused(List.of(ReadmeAclUser.server()));
    }
}
