package io.github.jettyredis.session.client;

import java.time.Duration;

import org.eclipse.jetty.session.SessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.executors.RetryableCommandExecutor;
import redis.clients.jedis.providers.PooledConnectionProvider;

/**
 * The default {@link RedisClientFactory}: one pooled standalone client built from the settings, shared by
 * every context that asks for it and closed when the last of them releases it.
 *
 * <p>A command that fails because its pooled connection broke (Redis restarted, a failover) is retried
 * once on a fresh connection, so the server recovers by itself when Redis returns.</p>
 */
public class PooledRedisClientFactory implements RedisClientFactory
{
    private static final Logger LOG = LoggerFactory.getLogger(PooledRedisClientFactory.class);

    private UnifiedJedis sharedClient;
    private int users;

    @Override
    public synchronized UnifiedJedis getClient(SessionContext context, RedisClientSettings settings)
    {
        if (sharedClient == null)
        {
            sharedClient = newClient(settings);
            LOG.info("Connecting to Redis at {} for sessions", settings.address());
        }
        users++;
        return sharedClient;
    }

    @Override
    public synchronized void releaseClient(SessionContext context, UnifiedJedis client)
    {
        if (client != sharedClient)
            throw new IllegalArgumentException("Not a client of this factory: " + client);
        if (--users == 0)
        {
            sharedClient.close();
            sharedClient = null;
        }
    }

    /**
     * Builds a new pooled client; override to change how (the result is still shared and closed here).
     *
     * @param settings the configured settings
     * @return a new client
     */
    protected UnifiedJedis newClient(RedisClientSettings settings)
    {
        return createPooledClient(settings);
    }

    /**
     * @param settings connection settings
     * @return a new pooled standalone client for them, owned by the caller
     */
    public static UnifiedJedis createPooledClient(RedisClientSettings settings)
    {
        JedisClientConfig clientConfig = clientConfig(settings);
        ConnectionPoolConfig poolConfig = new ConnectionPoolConfig();
        poolConfig.setMaxTotal(settings.getMaxConnections());
        poolConfig.setMaxIdle(settings.getMaxConnections());
        // An exhausted pool waits no longer than a slow reply would, instead of forever.
        poolConfig.setMaxWait(Duration.ofMillis(settings.getSocketTimeoutMs()));
        PooledConnectionProvider provider = new PooledConnectionProvider(settings.getHostAndPort(), clientConfig, poolConfig);
        Duration retryBudget = Duration.ofMillis(settings.getConnectTimeoutMs() + settings.getSocketTimeoutMs());
        return RedisClient.builder()
            .connectionProvider(provider)
            .commandExecutor(new RetryableCommandExecutor(provider, 2, retryBudget))
            .build();
    }

    /**
     * @param settings the configured settings
     * @return the Jedis client configuration they describe: timeouts, database, TLS, ACL user and password
     */
    public static JedisClientConfig clientConfig(RedisClientSettings settings)
    {
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(settings.getConnectTimeoutMs())
            .socketTimeoutMillis(settings.getSocketTimeoutMs())
            .database(settings.getDatabase())
            .ssl(settings.isTls())
            .clientName(settings.getClientName());
        if (settings.getUser() != null)
            builder.user(settings.getUser());
        if (settings.getPassword() != null)
            builder.password(settings.getPassword());
        return builder.build();
    }
}
