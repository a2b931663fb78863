// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import io.github.jettyredis.session.testing.RedisTestCluster;
import io.github.jettyredis.session.testing.TestRedis;

/**
 * Jetty's own store test suite (all 24 tests) against a real three-master Redis Cluster, through a
 * {@code redis-cluster://} URI: the store's keys of one context land on several nodes, so any command
 * that spanned slots would fail here with {@code CROSSSLOT}, and any script missing on a node would have
 * to be sent again.
 */
public class RedisClusterJettySuiteIT extends RedisSessionDataStoreJettySuiteTest
{
    public RedisClusterJettySuiteIT() throws Exception
    {
    }

    @Override
    protected TestRedis testRedis()
    {
        return RedisTestCluster.shared();
    }
}
