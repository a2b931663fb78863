// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.List;

import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.TestRedis;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import org.junit.jupiter.api.AfterEach;

/**
 * Jetty's own store test suite (all 24 tests) run by the least-privileged ACL user the README gives
 * ({@link ReadmeAclUser}) on a private server; the suite's helpers write and read keys as the default user.
 * After each test the server's {@code ACL LOG} must be empty.
 */
public class RedisAclJettySuiteIT extends RedisSessionDataStoreJettySuiteTest
{
    public RedisAclJettySuiteIT() throws Exception
    {
    }

    @Override
    protected TestRedis testRedis()
    {
        return ReadmeAclUser.server();
    }

    @Override
    public SessionDataStoreFactory createSessionDataStoreFactory()
    {
        return ReadmeAclUser.use((RedisSessionDataStoreFactory)super.createSessionDataStoreFactory());
    }

    /** @return the servers the user runs on, whose {@code ACL LOG} must stay empty */
    protected List<RedisTestServer> servers()
    {
        return List.of(ReadmeAclUser.server());
    }

    @AfterEach
    public void nothingWasRefused()
    {
        ReadmeAclUser.assertNothingRefused(servers());
    }
}
