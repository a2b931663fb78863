// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.client;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import io.github.jettyredis.session.StoreProperty;
import redis.clients.jedis.HostAndPort;

/**
 * The connection settings configured on a {@code RedisSessionDataStoreFactory}, handed to the
 * {@link RedisClientFactory}. The URI names a standalone server, a Redis Cluster or a master behind
 * Redis Sentinel (see {@link RedisUri} for the schemes). Immutable; {@link #toString()} never shows the
 * password.
 */
public final class RedisClientSettings
{
    private final URI uri;
    private final RedisUri redisUri;
    private final String user;
    private final String password;
    private final int connectTimeoutMs;
    private final int socketTimeoutMs;
    private final int maxConnections;
    private final String clientName;
    private final Map<String, String> options;
    private final TlsSettings tls;

    /**
     * @param uri {@code redis://[user:password@]host:port[/db]},
     * {@code redis-cluster://[user:password@]host:port[,host:port...]} or
     * {@code redis-sentinel://[user:password@]host:port[,host:port...]/masterName[/db]}; {@code rediss...}
     * for TLS (see {@link RedisUri})
     * @param user the ACL user, or null to take it from the URI (or use the default user)
     * @param password the password, or null to take it from the URI (or use none)
     * @param connectTimeoutMs how long to wait for a connection
     * @param socketTimeoutMs how long to wait for a reply
     * @param maxConnections the most pooled connections
     * @param clientName the name shown by {@code CLIENT LIST}, or null
     * @param options free-form {@code key=value,key=value} options for a custom {@link RedisClientFactory},
     * or null
     * @throws IllegalArgumentException naming the property of any value that is not valid
     */
    public RedisClientSettings(String uri, String user, String password, int connectTimeoutMs, int socketTimeoutMs,
                               int maxConnections, String clientName, String options)
    {
        this(uri, user, password, connectTimeoutMs, socketTimeoutMs, maxConnections, clientName, options, TlsSettings.DEFAULT);
    }

    /**
     * @param uri as in {@link #RedisClientSettings(String, String, String, int, int, int, String, String)}
     * @param user the ACL user, or null
     * @param password the password, or null
     * @param connectTimeoutMs how long to wait for a connection
     * @param socketTimeoutMs how long to wait for a reply
     * @param maxConnections the most pooled connections
     * @param clientName the name shown by {@code CLIENT LIST}, or null
     * @param options free-form options for a custom {@link RedisClientFactory}, or null
     * @param tls trust store, key store and host name verification of {@code rediss...} connections; its
     * stores are read here, so that a missing file or a wrong password fails now
     * @throws IllegalArgumentException naming the property of any value that is not valid
     */
    public RedisClientSettings(String uri, String user, String password, int connectTimeoutMs, int socketTimeoutMs,
                               int maxConnections, String clientName, String options, TlsSettings tls)
    {
        this.tls = Objects.requireNonNull(tls, "tls").check();
        this.options = parseOptions(options);
        this.redisUri = RedisUri.parse(uri);
        // RedisUri.parse accepted it as a java.net.URI already (a list of nodes is a registry-based authority).
        this.uri = URI.create(uri.trim());
        this.user = blankToNull(user);
        this.password = blankToNull(password);
        this.connectTimeoutMs = requirePositive(connectTimeoutMs, StoreProperty.CONNECT_TIMEOUT_MS.property());
        this.socketTimeoutMs = requirePositive(socketTimeoutMs, StoreProperty.SOCKET_TIMEOUT_MS.property());
        this.maxConnections = requirePositive(maxConnections, StoreProperty.MAX_CONNECTIONS.property());
        this.clientName = blankToNull(clientName);
    }

    private static Map<String, String> parseOptions(String options)
    {
        Map<String, String> parsed = new LinkedHashMap<>();
        if (options == null || options.isBlank())
            return Map.of();
        for (String option : options.split(","))
        {
            int equals = option.indexOf('=');
            if (equals <= 0)
                throw new IllegalArgumentException(StoreProperty.CLIENT_OPTIONS + " must be key=value pairs separated by ',', not: " + mask(option.trim()));
            parsed.put(option.substring(0, equals).trim(), option.substring(equals + 1).trim());
        }
        return Collections.unmodifiableMap(parsed);
    }

    /**
     * @param otherUri another Redis URI
     * @return these settings with that URI instead (validated the same way)
     */
    public RedisClientSettings withUri(String otherUri)
    {
        return new RedisClientSettings(otherUri, user, password, connectTimeoutMs, socketTimeoutMs, maxConnections, clientName,
            options.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")), tls);
    }

    /** @return the free-form options for a custom client factory, in the order given; never null */
    public Map<String, String> getOptions()
    {
        return options;
    }

    private static int requirePositive(int value, String property)
    {
        if (value <= 0)
            throw new IllegalArgumentException(property + " must be greater than 0, not " + value);
        return value;
    }

    private static String blankToNull(String value)
    {
        return value == null || value.isBlank() ? null : value;
    }

    /** Hides the password of a URI-like string, for messages and logs. */
    static String mask(String uri)
    {
        return RedisUri.mask(uri);
    }

    /**
     * @return the Redis URI as configured (it may hold a password: never log it; use {@link #address()}).
     * A cluster or sentinel URI's list of nodes is its (registry-based) authority: read the parts from
     * {@link #getRedisUri()}.
     */
    public URI getUri()
    {
        return uri;
    }

    /** @return the URI parsed: mode, nodes, credentials, database, TLS, master name */
    public RedisUri getRedisUri()
    {
        return redisUri;
    }

    /** @return whether the URI names a standalone server, a cluster or a master behind sentinels */
    public RedisUri.Mode getMode()
    {
        return redisUri.mode();
    }

    /** @return the standalone server, the cluster's seed nodes or the sentinels, as listed in the URI */
    public List<HostAndPort> getNodes()
    {
        return redisUri.nodes();
    }

    /** @return host and port of the standalone server; for a cluster or sentinels, the first one listed */
    public HostAndPort getHostAndPort()
    {
        return redisUri.firstNode();
    }

    /** @return the master's name for the sentinels, or null when the URI is not a sentinel one */
    public String getMasterName()
    {
        return redisUri.masterName();
    }

    /** @return the database number from the URI, 0 when it names none (always 0 for a cluster) */
    public int getDatabase()
    {
        return redisUri.database();
    }

    /** @return whether the URI asks for TLS ({@code rediss://}, {@code rediss-cluster://}, {@code rediss-sentinel://}) */
    public boolean isTls()
    {
        return redisUri.tls();
    }

    /**
     * @param failure why connecting failed
     * @return for a TLS URI, which TLS setting to look at ({@link TlsSettings#hintFor}); else empty
     */
    public String tlsHint(Throwable failure)
    {
        return isTls() ? tls.hintFor(failure) : "";
    }

    /** @return trust store, key store and host name verification for TLS (used only with a {@code rediss...} URI) */
    public TlsSettings getTls()
    {
        return tls;
    }

    /** @return the ACL user: the configured one, else the URI's, else null (for Sentinel: the master's) */
    public String getUser()
    {
        return user != null ? user : redisUri.user();
    }

    /** @return the password: the configured one, else the URI's, else null (for Sentinel: the master's) */
    public String getPassword()
    {
        return password != null ? password : redisUri.password();
    }

    /** @return the connect timeout in milliseconds */
    public int getConnectTimeoutMs()
    {
        return connectTimeoutMs;
    }

    /** @return the socket (reply) timeout in milliseconds */
    public int getSocketTimeoutMs()
    {
        return socketTimeoutMs;
    }

    /** @return the most connections a pooled client keeps */
    public int getMaxConnections()
    {
        return maxConnections;
    }

    /** @return the client name, or null */
    public String getClientName()
    {
        return clientName;
    }

    /** @return the URI as configured without its password, for messages: {@code redis://user:****@host:port/db} */
    public String address()
    {
        return mask(uri.toString());
    }

    @Override
    public boolean equals(Object o)
    {
        return o instanceof RedisClientSettings that &&
            uri.equals(that.uri) &&
            Objects.equals(user, that.user) &&
            Objects.equals(password, that.password) &&
            connectTimeoutMs == that.connectTimeoutMs &&
            socketTimeoutMs == that.socketTimeoutMs &&
            maxConnections == that.maxConnections &&
            Objects.equals(clientName, that.clientName) &&
            options.equals(that.options) &&
            tls.equals(that.tls);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(uri, user, password, connectTimeoutMs, socketTimeoutMs, maxConnections, clientName, options, tls);
    }

    @Override
    public String toString()
    {
        return String.format("RedisClientSettings[%s,user=%s,password=%s,connectTimeoutMs=%d,socketTimeoutMs=%d," +
                "maxConnections=%d,clientName=%s,options=%s,tls=%s]", address(), getUser(), getPassword() == null ? "none" : "****",
            connectTimeoutMs, socketTimeoutMs, maxConnections, clientName, options.keySet(), tls);
    }
}
