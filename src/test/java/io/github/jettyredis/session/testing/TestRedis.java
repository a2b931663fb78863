// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import redis.clients.jedis.UnifiedJedis;

/**
 * A Redis that tests point a store at: the shared server, a private one, or a cluster, all spawned by
 * {@link RedisTestServer}. Lets helpers such as {@link JettyNodes} work on any of them.
 */
public interface TestRedis
{
    /** @return the URI to give the store, e.g. {@code redis://127.0.0.1:port} or {@code redis-cluster://...} */
    String uri();

    /** @return a new client of this Redis, for assertions; close it when done */
    UnifiedJedis newClient();
}
