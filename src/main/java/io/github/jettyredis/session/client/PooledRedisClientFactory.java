// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.client;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

import org.eclipse.jetty.session.SessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.UnifiedJedis;

/**
 * The default {@link RedisClientFactory}: one pooled client built from the settings, shared by every
 * context that asks for it and closed when the last of them releases it. The URI's scheme picks the
 * client (see {@link RedisUri}): a standalone {@link RedisClient}, a {@link RedisClusterClient} seeded with
 * the listed nodes, or a {@link RedisSentinelClient} that follows the master the sentinels name.
 *
 * <p>A standalone or sentinel client runs each command once: the session store retries its calls itself,
 * once, on a fresh connection, when a pooled one broke (Redis restarted, a failover), so that a stalled
 * Redis costs a request one timeout per attempt and no more. A cluster client retries as Jedis' cluster
 * executor does: it follows redirections and refreshes the slot map.</p>
 */
public class PooledRedisClientFactory implements RedisClientFactory
{
    private static final Logger LOG = LoggerFactory.getLogger(PooledRedisClientFactory.class);
    /**
     * How often a cluster client re-reads the slot map by itself. Jedis refreshes it only when a single
     * command is redirected ({@code MOVED}) or fails; a pipelined command (the store's reads and writes)
     * gets the error instead and triggers no refresh. The store's calls make the client learn a move they meet at
     * once (see {@code ClusterSlots}); this period is the backstop for calls that go elsewhere meanwhile.
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
     * Opens the listener's connection to the Redis of the shared client: the standalone server, the master
     * the sentinels name now, or any node of the cluster (Redis Cluster forwards every PUBLISH to all of
     * them), with the settings' credentials and TLS, outside the pool.
     */
    @Override
    public Connection openSubscriberConnection(UnifiedJedis client, RedisClientSettings settings)
    {
        HostAndPort address;
        if (client instanceof RedisSentinelClient sentinel)
            address = sentinel.getCurrentMaster();
        else if (client instanceof RedisClusterClient cluster)
            address = cluster.getClusterNodes().keySet().stream().findFirst().map(HostAndPort::from).orElse(settings.getHostAndPort());
        else
            address = settings.getHostAndPort();
        return new Connection(address, subscriberClientConfig(settings));
    }

    /**
     * @param settings the configured settings
     * @return the configuration of a subscribed connection: that of {@link #clientConfig}, and a blocking
     * read that times out after three heartbeats without a reply, so that a dead connection is noticed
     */
    public static JedisClientConfig subscriberClientConfig(RedisClientSettings settings)
    {
        return DefaultJedisClientConfig.builder().from(clientConfig(settings))
            .blockingSocketTimeoutMillis(3 * settings.getSocketTimeoutMs())
            .build();
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
                return RedisSentinelClient.builder()
                    .masterName(settings.getMasterName())
                    .sentinels(nodes)
                    .clientConfig(clientConfig)
                    .sentinelClientConfig(sentinelClientConfig(settings))
                    .poolConfig(poolConfig)
                    .build();
            }
            default ->
            {
                return RedisClient.builder()
                    .hostAndPort(settings.getHostAndPort())
                    .clientConfig(clientConfig)
                    .poolConfig(poolConfig)
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
            .sslOptions(sslOptions(settings))
            .clientName(settings.getClientName())
            .build();
    }

    /**
     * @param settings the configured settings
     * @return for a {@code rediss...} URI, the settings' trust store, key store and host name verification;
     * null (plain connections) otherwise
     */
    static SslOptions sslOptions(RedisClientSettings settings)
    {
        return settings.isTls() ? settings.getTls().sslOptions() : null;
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
            .sslOptions(sslOptions(settings))
            .clientName(settings.getClientName());
        if (settings.getUser() != null)
            builder.user(settings.getUser());
        if (settings.getPassword() != null)
            builder.password(settings.getPassword());
        return builder.build();
    }
}
