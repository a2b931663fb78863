package io.github.jettyredis.session.bench;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.client.RedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.session.SessionCacheFactory;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.SessionHandler;
import redis.clients.jedis.UnifiedJedis;

/**
 * A started Jetty server with one context ({@code /app}, no connector) whose session handler got a
 * {@link RedisSessionDataStore} from the factory, as in a deployment, so the store has its real session
 * context; the benchmarks then call the store directly. The client is the caller's, so that a baseline
 * can run on the very same connection pool.
 */
final class BenchStore implements AutoCloseable
{
    private final Server server = new Server();
    private final SessionHandler sessionHandler = new SessionHandler();

    /**
     * @param client the pooled client the store uses (not closed here)
     * @param prefix the key prefix
     * @param cacheFactory the session cache, or null for Jetty's default
     */
    BenchStore(UnifiedJedis client, String prefix, SessionCacheFactory cacheFactory) throws Exception
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setPrefix(prefix);
        factory.setClientFactory(new RedisClientFactory()
        {
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
        });
        ContextHandler context = new ContextHandler("/app");
        context.setHandler(sessionHandler);
        server.setHandler(context);
        server.addBean(factory);
        if (cacheFactory != null)
            server.addBean(cacheFactory);
        server.start();
    }

    RedisSessionDataStore store()
    {
        return (RedisSessionDataStore)sessionHandler.getSessionCache().getSessionDataStore();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
