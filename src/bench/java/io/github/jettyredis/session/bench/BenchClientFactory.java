// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.client.RedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import org.eclipse.jetty.session.SessionContext;
import redis.clients.jedis.UnifiedJedis;

/**
 * Hands every context the benchmark's own client, so that a baseline can run on the very same connection
 * pool as the store. The benchmark closes the client, not the store.
 */
final class BenchClientFactory implements RedisClientFactory
{
    private final UnifiedJedis client;

    private BenchClientFactory(UnifiedJedis client)
    {
        this.client = client;
    }

    /**
     * @param client the pooled client the store uses
     * @param prefix the key prefix
     * @return a store factory on that client
     */
    static RedisSessionDataStoreFactory storeFactory(UnifiedJedis client, String prefix)
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setPrefix(prefix);
        factory.setClientFactory(new BenchClientFactory(client));
        return factory;
    }

    @Override
    public UnifiedJedis getClient(SessionContext context, RedisClientSettings settings)
    {
        return client;
    }

    @Override
    public void releaseClient(SessionContext context, UnifiedJedis released)
    {
        // The benchmark owns the client.
    }
}
