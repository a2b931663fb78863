// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.List;

import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.TestRedis;

/**
 * Jetty's own store test suite (all 24 tests) run by the README's ACL user on a three-master Redis Cluster,
 * with what the README adds for Cluster ({@link ReadmeAclUser#CLUSTER_RULES}); no node's {@code ACL LOG} may
 * show a refusal.
 */
public class RedisAclClusterJettySuiteIT extends RedisAclJettySuiteIT
{
    public RedisAclClusterJettySuiteIT() throws Exception
    {
    }

    @Override
    protected TestRedis testRedis()
    {
        return ReadmeAclUser.cluster();
    }

    @Override
    protected List<RedisTestServer> servers()
    {
        return ReadmeAclUser.cluster().nodes();
    }
}
