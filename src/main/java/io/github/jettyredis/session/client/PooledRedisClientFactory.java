package io.github.jettyredis.session.client;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

import org.eclipse.jetty.session.SessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.executors.RetryableCommandExecutor;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.providers.SentineledConnectionProvider;

/**
 * The default {@link RedisClientFactory}: one pooled client built from the settings, shared by every
 * context that asks for it and closed when the last of them releases it. The URI's scheme picks the
 * client (see {@link RedisUri}): a standalone {@link RedisClient}, a {@link RedisClusterClient} seeded with
 * the listed nodes, or a {@link RedisSentinelClient} that follows the master the sentinels name.
 *
 * <p>A command that fails because its pooled connection broke (Redis restarted, a failover) is retried
 * once on a fresh connection, so the server recovers by itself when Redis returns. A cluster client
 * retries as Jedis' cluster executor does: it follows redirections and refreshes the slot map.</p>
 */
public class PooledRedisClientFactory implements RedisClientFactory
{
    private static final Logger LOG = LoggerFactory.getLogger(PooledRedisClientFactory.class);
    /**
     * How often a cluster client re-reads the slot map by itself. Jedis refreshes it only when a single
     * command is redirected ({@code MOVED}) or fails; a pipelined command (the store's writes and deletes)
     * gets the error instead and triggers no refresh, so after a resharding or failover those would fail
     * until some single command on the same slots happened to run.
     */
    static final Duration CLUSTER_TOPOLOGY_REFRESH = Duration.ofSeconds(10);

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
     * Builds the client the settings' URI asks for, with the same pool limits, timeouts, TLS, ACL user and
     * password in every mode:
     * <ul>
     *   <li>standalone: one pool of at most {@code maxConnections};</li>
     *   <li>Cluster: a {@link RedisClusterClient} seeded with the URI's nodes, one pool of at most
     *   {@code maxConnections} per master it talks to, which also re-reads the slot map every
     *   10 s (a pipelined command that meets a moved slot does not make Jedis re-read it);</li>
     *   <li>Sentinel: a {@link RedisSentinelClient} whose pool follows the current master; user, password
     *   and database apply to the master; the sentinels get the same timeouts and TLS but no credentials.</li>
     * </ul>
     * A cluster or sentinel client connects as it is built (to learn the slots or the master), so this
     * throws if none of the listed nodes answers.
     *
     * @param settings connection settings
     * @return a new pooled client for them, owned by the caller
     */
    public static UnifiedJedis createPooledClient(RedisClientSettings settings)
    {
        JedisClientConfig clientConfig = clientConfig(settings);
        ConnectionPoolConfig poolConfig = new ConnectionPoolConfig();
        poolConfig.setMaxTotal(settings.getMaxConnections());
        poolConfig.setMaxIdle(settings.getMaxConnections());
        // An exhausted pool waits no longer than a slow reply would, instead of forever.
        poolConfig.setMaxWait(Duration.ofMillis(settings.getSocketTimeoutMs()));
        Duration retryBudget = Duration.ofMillis(settings.getConnectTimeoutMs() + settings.getSocketTimeoutMs());
        Set<HostAndPort> nodes = new LinkedHashSet<>(settings.getNodes());
        switch (settings.getMode())
        {
            case CLUSTER ->
            {
                // Jedis' cluster executor already retries (5 attempts): redirections, broken connections, failovers.
                return RedisClusterClient.builder()
                    .nodes(nodes)
                    .clientConfig(clientConfig)
                    .poolConfig(poolConfig)
                    .topologyRefreshPeriod(CLUSTER_TOPOLOGY_REFRESH)
                    .build();
            }
            case SENTINEL ->
            {
                JedisClientConfig sentinelConfig = sentinelClientConfig(settings);
                // Built here rather than by the builder, so that commands get the same retry-once executor.
                SentineledConnectionProvider provider = new SentineledConnectionProvider(settings.getMasterName(), clientConfig,
                    poolConfig, nodes, sentinelConfig);
                return RedisSentinelClient.builder()
                    .masterName(settings.getMasterName())
                    .sentinels(nodes)
                    .clientConfig(clientConfig)
                    .sentinelClientConfig(sentinelConfig)
                    .connectionProvider(provider)
                    .commandExecutor(new RetryableCommandExecutor(provider, 2, retryBudget))
                    .build();
            }
            default ->
            {
                PooledConnectionProvider provider = new PooledConnectionProvider(settings.getHostAndPort(), clientConfig, poolConfig);
                return RedisClient.builder()
                    .connectionProvider(provider)
                    .commandExecutor(new RetryableCommandExecutor(provider, 2, retryBudget))
                    .build();
            }
        }
    }

    /**
     * @param settings the configured settings
     * @return the configuration of connections to the sentinels: the settings' timeouts, TLS and client
     * name, and no credentials (those of the URI and of the {@code user}/{@code password} properties are
     * the master's)
     */
    public static JedisClientConfig sentinelClientConfig(RedisClientSettings settings)
    {
        return DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(settings.getConnectTimeoutMs())
            .socketTimeoutMillis(settings.getSocketTimeoutMs())
            .ssl(settings.isTls())
            .clientName(settings.getClientName())
            .build();
    }

    /**
     * @param settings the configured settings
     * @return the Jedis client configuration they describe: timeouts, database, TLS, ACL user and password
     * (of the master, in Sentinel mode; of every node, in Cluster mode)
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
