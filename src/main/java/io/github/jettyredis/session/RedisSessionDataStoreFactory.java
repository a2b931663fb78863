// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.client.RedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.client.RedisUri;
import io.github.jettyredis.session.client.TlsSettings;
import io.github.jettyredis.session.codec.AttributeSerializer;
import io.github.jettyredis.session.codec.JavaSerialization;
import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.codec.SessionSerialFilter;
import io.github.jettyredis.session.internal.RedisLinks;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionSizeLimits;
import org.eclipse.jetty.session.AbstractSessionDataStoreFactory;
import org.eclipse.jetty.session.AbstractSessionManager;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * Makes a {@link RedisSessionDataStore} for each context. Add one as a bean of the {@code Server} (the
 * {@code session-store-redis} module does so from Jetty XML) and every session manager of that server
 * keeps its sessions in Redis. Every setting is a bean property; the properties of the Jetty module are
 * named {@code jetty.session.redis.<property>}. Settings are read when a context's store is made, so set
 * them before the server starts.
 *
 * <p>All stores made by one factory share one pooled client (the default {@link PooledRedisClientFactory}),
 * which is closed when the last of them stops.</p>
 */
@ManagedObject("Redis session data store factory")
public class RedisSessionDataStoreFactory extends AbstractSessionDataStoreFactory
{
    /** The fewest connections {@code maxConnections=0} gives. */
    static final int LEAST_AUTO_CONNECTIONS = 8;
    /** The most connections {@code maxConnections=0} gives. */
    static final int MOST_AUTO_CONNECTIONS = 256;
    /** The connections {@code maxConnections=0} gives when the server's thread pool says nothing. */
    static final int UNKNOWN_SERVER_CONNECTIONS = 64;

    private String uri = StoreProperty.URI.defaultValue();
    private String user = StoreProperty.USER.defaultOrNull();
    private String password = StoreProperty.PASSWORD.defaultOrNull();
    private String prefix = StoreProperty.PREFIX.defaultValue();
    private int connectTimeoutMs = StoreProperty.CONNECT_TIMEOUT_MS.defaultInt();
    private int socketTimeoutMs = StoreProperty.SOCKET_TIMEOUT_MS.defaultInt();
    private int maxConnections = StoreProperty.MAX_CONNECTIONS.defaultInt();
    private String clientName = StoreProperty.CLIENT_NAME.defaultOrNull();
    private int maxAttributeBytes = StoreProperty.MAX_ATTRIBUTE_BYTES.defaultInt();
    private int maxSessionBytes = StoreProperty.MAX_SESSION_BYTES.defaultInt();
    private String serialFilter = StoreProperty.SERIAL_FILTER.defaultOrNull();
    private RedisClientFactory clientFactory;
    private String clientFactoryClass = StoreProperty.CLIENT_FACTORY_CLASS.defaultOrNull();
    private String clientOptions = StoreProperty.CLIENT_OPTIONS.defaultOrNull();
    private AttributeSerializer serializer;
    private String serializerClass = StoreProperty.SERIALIZER_CLASS.defaultOrNull();
    private boolean broadcastInvalidation = StoreProperty.BROADCAST_INVALIDATION.defaultBoolean();
    private int pipelinesInFlight = StoreProperty.PIPELINES_IN_FLIGHT.defaultInt();
    private boolean metrics = StoreProperty.METRICS.defaultBoolean();
    private boolean userSessions = StoreProperty.USER_SESSIONS.defaultBoolean();
    private String userAttribute = StoreProperty.USER_ATTRIBUTE.defaultOrNull();
    private int maxSessionsPerUser = StoreProperty.MAX_SESSIONS_PER_USER.defaultInt();
    private String whenMaxSessionsExceeded = StoreProperty.WHEN_MAX_SESSIONS_EXCEEDED.defaultValue();
    private String trustStore = StoreProperty.TRUST_STORE.defaultOrNull();
    private String trustStorePassword = StoreProperty.TRUST_STORE_PASSWORD.defaultOrNull();
    private String trustStoreType = StoreProperty.TRUST_STORE_TYPE.defaultValue();
    private String keyStore = StoreProperty.KEY_STORE.defaultOrNull();
    private String keyStorePassword = StoreProperty.KEY_STORE_PASSWORD.defaultOrNull();
    private String keyStoreType = StoreProperty.KEY_STORE_TYPE.defaultValue();
    private boolean verifyHostname = StoreProperty.VERIFY_HOSTNAME.defaultBoolean();
    private RedisClientFactory defaultClientFactory;
    /** What the stores of this factory share per Redis client: one listener for deletions, one view of availability. */
    private final RedisLinks links = new RedisLinks();


    @Override
    public SessionDataStore getSessionDataStore(SessionManager manager) throws Exception
    {
        RedisSessionDataStore store = new RedisSessionDataStore(effectiveClientFactory(), settings(poolSizeFor(manager)),
            effectiveSerializer(), validPrefix());
        store.setRedisLinks(links);
        store.setGracePeriodSec(getGracePeriodSec());
        store.setSavePeriodSec(getSavePeriodSec());
        store.setBroadcastInvalidation(broadcastInvalidation);
        store.setPipelinesInFlight(validPipelinesInFlight());
        store.setMetrics(metrics);
        store.setSizeLimits(maxAttributeBytes, maxSessionBytes);
        store.setUserSessions(userSessions, userAttribute, validMaxSessionsPerUser(), validPolicy());
        // Called before the session manager's handlers start: the chain can still take one more.
        if (userSessions)
            AuthenticatedUserHandler.insertUnder(manager);
        return store;
    }

    /**
     * Checks every setting as the stores will use them, without connecting to Redis, so that a bad value
     * can stop the server at start (the module's XML calls this) instead of failing each context later.
     *
     * @throws IllegalArgumentException naming the property of the first bad value
     */
    public void validate()
    {
        settings(configuredPoolSize() == 0 ? UNKNOWN_SERVER_CONNECTIONS : maxConnections);
        validPrefix();
        validPipelinesInFlight();
        new SessionSizeLimits(maxAttributeBytes, maxSessionBytes);
        validMaxSessionsPerUser();
        validPolicy();
        effectiveClientFactory();
        AttributeSerializer serializer = effectiveSerializer();
        try
        {
            serializer.checkUsable();
        }
        catch (IllegalStateException e)
        {
            throw new IllegalArgumentException(StoreProperty.SERIALIZER_CLASS + " cannot be used: " + e.getMessage(), e);
        }
    }

    private RedisClientSettings settings(int poolSize)
    {
        return new RedisClientSettings(uri, user, password, connectTimeoutMs, socketTimeoutMs, poolSize, clientName, clientOptions, tlsSettings());
    }

    private TlsSettings tlsSettings()
    {
        return new TlsSettings(path(StoreProperty.TRUST_STORE, trustStore), trustStorePassword, trustStoreType, path(StoreProperty.KEY_STORE, keyStore),
            keyStorePassword, keyStoreType, verifyHostname);
    }

    private static Path path(StoreProperty property, String value)
    {
        try
        {
            return value == null ? null : Path.of(value);
        }
        catch (InvalidPathException e)
        {
            throw new IllegalArgumentException(property + " is not a valid path: " + value, e);
        }
    }

    /**
     * @param manager the session manager a store is made for
     * @return the configured {@code maxConnections}; for 0, as many as the manager's server runs requests at
     * once, so that no request waits for a pooled connection (requests that queue for one add its wait to
     * their latency): the thread pool's max threads, {@value #LEAST_AUTO_CONNECTIONS} to
     * {@value #MOST_AUTO_CONNECTIONS}; the most with virtual threads, which have no such bound
     */
    int poolSizeFor(SessionManager manager)
    {
        if (configuredPoolSize() != 0)
            return maxConnections;
        ThreadPool threads = manager instanceof AbstractSessionManager known && known.getServer() != null
            ? known.getServer().getThreadPool() : null;
        if (threads instanceof VirtualThreads.Configurable virtual && virtual.getVirtualThreadsExecutor() != null)
            return MOST_AUTO_CONNECTIONS;
        if (threads instanceof ThreadPool.SizedThreadPool sized && sized.getMaxThreads() > 0)
            return Math.max(LEAST_AUTO_CONNECTIONS, Math.min(MOST_AUTO_CONNECTIONS, sized.getMaxThreads()));
        return UNKNOWN_SERVER_CONNECTIONS;
    }

    private int configuredPoolSize()
    {
        if (maxConnections < 0)
            throw new IllegalArgumentException(StoreProperty.MAX_CONNECTIONS.property() + " must be 0 (as many as the server's " +
                "threads) or more, not " + maxConnections);
        return maxConnections;
    }

    private int validPipelinesInFlight()
    {
        if (pipelinesInFlight < 0)
            throw new IllegalArgumentException(StoreProperty.PIPELINES_IN_FLIGHT.property() + " must be 0 (no shared pipelines) " +
                "or more, not " + pipelinesInFlight);
        return pipelinesInFlight;
    }

    private String validPrefix()
    {
        if (prefix == null || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0)
            throw new IllegalArgumentException(StoreProperty.PREFIX + " must be set and must not contain '{' or '}' " +
                "(they would change the Redis Cluster hash slot of every key): " + prefix);
        return prefix;
    }

    private synchronized RedisClientFactory effectiveClientFactory()
    {
        if (clientFactory != null)
            return clientFactory;
        if (clientFactoryClass != null)
            return clientFactory = ModuleProperties.newInstance(StoreProperty.CLIENT_FACTORY_CLASS.property(), clientFactoryClass, RedisClientFactory.class);
        if (defaultClientFactory == null)
            defaultClientFactory = new PooledRedisClientFactory();
        return defaultClientFactory;
    }

    private synchronized AttributeSerializer effectiveSerializer()
    {
        if (serializer != null)
            return serializer;
        if (serializerClass != null)
            return serializer = ModuleProperties.newInstance(StoreProperty.SERIALIZER_CLASS.property(), serializerClass, AttributeSerializer.class);
        try
        {
            return new ProtobufAttributeSerializer(new JavaSerialization(SessionSerialFilter.create(serialFilter)));
        }
        catch (IllegalArgumentException e)
        {
            throw new IllegalArgumentException(StoreProperty.SERIAL_FILTER + " is not a valid filter pattern: " + e.getMessage(), e);
        }
    }

    private static String blankToNull(String value)
    {
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** @return the Redis URI, with any password masked */
    @ManagedAttribute("Redis URI (password masked)")
    public String getUri()
    {
        return RedisUri.mask(uri);
    }

    /**
     * @param uri {@code redis://[user:password@]host:port[/db]} for one server,
     * {@code redis-cluster://[user:password@]host:port[,host:port...]} for Redis Cluster,
     * {@code redis-sentinel://[user:password@]host:port[,host:port...]/masterName[/db]} for the master
     * behind Redis Sentinel; {@code rediss://...}, {@code rediss-cluster://...}, {@code rediss-sentinel://...}
     * for TLS (see {@link RedisUri}); default {@code redis://127.0.0.1:6379}
     */
    public void setUri(String uri)
    {
        this.uri = uri;
    }

    /** @return the ACL user, or null */
    @ManagedAttribute("Redis ACL user")
    public String getUser()
    {
        return user;
    }

    /** @param user the Redis ACL user; overrides a user in the URI; default none */
    public void setUser(String user)
    {
        this.user = blankToNull(user);
    }

    /** @param password the Redis password; overrides one in the URI; default none. Never logged. */
    public void setPassword(String password)
    {
        this.password = blankToNull(password);
    }

    /** @return the trust store of TLS connections, or null for the JVM's default trust */
    @ManagedAttribute("trust store of TLS connections")
    public String getTrustStore()
    {
        return trustStore;
    }

    /**
     * @param trustStore the file of the certificates (or CA) a {@code rediss...} server's certificate must
     * chain to; default none: the JVM's default trust ({@code cacerts})
     */
    public void setTrustStore(String trustStore)
    {
        this.trustStore = blankToNull(trustStore);
    }

    /** @param password the trust store's password; default none. Never logged. */
    public void setTrustStorePassword(String password)
    {
        this.trustStorePassword = blankToNull(password);
    }

    /** @return the trust store's type */
    @ManagedAttribute("trust store type")
    public String getTrustStoreType()
    {
        return trustStoreType;
    }

    /** @param type the trust store's {@code KeyStore} type, default {@code PKCS12} (which reads JKS files too) */
    public void setTrustStoreType(String type)
    {
        this.trustStoreType = type == null || type.isBlank() ? StoreProperty.TRUST_STORE_TYPE.defaultValue() : type.trim();
    }

    /** @return the key store of TLS connections, or null for no client certificate */
    @ManagedAttribute("key store of TLS connections (client certificate)")
    public String getKeyStore()
    {
        return keyStore;
    }

    /**
     * @param keyStore the file with the client's private key and certificate chain, for servers that
     * require client certificates (mutual TLS, {@code tls-auth-clients yes}); default none
     */
    public void setKeyStore(String keyStore)
    {
        this.keyStore = blankToNull(keyStore);
    }

    /** @param password the key store's password, which the key in it must share; default none. Never logged. */
    public void setKeyStorePassword(String password)
    {
        this.keyStorePassword = blankToNull(password);
    }

    /** @return the key store's type */
    @ManagedAttribute("key store type")
    public String getKeyStoreType()
    {
        return keyStoreType;
    }

    /** @param type the key store's {@code KeyStore} type, default {@code PKCS12} */
    public void setKeyStoreType(String type)
    {
        this.keyStoreType = type == null || type.isBlank() ? StoreProperty.KEY_STORE_TYPE.defaultValue() : type.trim();
    }

    /** @return whether TLS connections check that the server's certificate names the host */
    @ManagedAttribute("TLS connections check that the server's certificate names the host")
    public boolean isVerifyHostname()
    {
        return verifyHostname;
    }

    /**
     * @param verify whether the server's certificate must name the host of the URI (in its subject
     * alternative names), default true; false checks only that it chains to a trusted certificate
     */
    public void setVerifyHostname(boolean verify)
    {
        this.verifyHostname = verify;
    }

    /** @return the prefix of every key */
    @ManagedAttribute("prefix of every key")
    public String getPrefix()
    {
        return prefix;
    }

    /** @param prefix the prefix of every key, default {@code jetty-session:}; no braces */
    public void setPrefix(String prefix)
    {
        this.prefix = prefix;
    }

    /** @return the connect timeout in ms */
    @ManagedAttribute("connect timeout in ms")
    public int getConnectTimeoutMs()
    {
        return connectTimeoutMs;
    }

    /** @param connectTimeoutMs the connect timeout in ms, default 2000 */
    public void setConnectTimeoutMs(int connectTimeoutMs)
    {
        this.connectTimeoutMs = connectTimeoutMs;
    }

    /** @return the socket (reply) timeout in ms */
    @ManagedAttribute("socket timeout in ms")
    public int getSocketTimeoutMs()
    {
        return socketTimeoutMs;
    }

    /** @param socketTimeoutMs how long to wait for a reply, in ms, default 2000 */
    public void setSocketTimeoutMs(int socketTimeoutMs)
    {
        this.socketTimeoutMs = socketTimeoutMs;
    }

    /** @return the most pooled connections */
    @ManagedAttribute("most pooled connections")
    public int getMaxConnections()
    {
        return maxConnections;
    }

    /**
     * @param maxConnections the most pooled connections; default 0: as many as the server runs requests at
     * once (see {@link #poolSizeFor})
     */
    public void setMaxConnections(int maxConnections)
    {
        this.maxConnections = maxConnections;
    }

    /** @return the most shared pipelines a context has on their way to Redis at once; 0: none shared */
    @ManagedAttribute("most shared pipelines on their way to Redis at once, per context (0: none shared)")
    public int getPipelinesInFlight()
    {
        return pipelinesInFlight;
    }

    /**
     * @param pipelinesInFlight the most shared pipelines each context has on their way to Redis at once; default
     * 2. Loads, checks and saves that requests make while that many are on their way wait, and go together in
     * the next one, one round trip for all. 0: each operation is a round trip of its own, as with a plain client.
     */
    public void setPipelinesInFlight(int pipelinesInFlight)
    {
        this.pipelinesInFlight = pipelinesInFlight;
    }

    /** @return the client name shown by CLIENT LIST */
    @ManagedAttribute("client name")
    public String getClientName()
    {
        return clientName;
    }

    /** @param clientName the name shown by {@code CLIENT LIST}, default {@code jetty-session-redis}; blank for none */
    public void setClientName(String clientName)
    {
        this.clientName = blankToNull(clientName);
    }

    /** @return the most bytes one encoded attribute value may take in Redis, 0 for no limit */
    @ManagedAttribute("most bytes of one encoded attribute value (0: no limit)")
    public int getMaxAttributeBytes()
    {
        return maxAttributeBytes;
    }

    /**
     * @param maxAttributeBytes the most bytes one encoded attribute value may take in Redis, 0 for no limit;
     * default 1 MiB. A save does not write a bigger value (it logs a warning naming the attribute) and Redis
     * keeps what it had for that attribute; the rest of the session is saved.
     */
    public void setMaxAttributeBytes(int maxAttributeBytes)
    {
        this.maxAttributeBytes = maxAttributeBytes;
    }

    /** @return the most bytes a session's encoded attribute values may take together, 0 for no limit */
    @ManagedAttribute("most bytes of a session's encoded attribute values (0: no limit)")
    public int getMaxSessionBytes()
    {
        return maxSessionBytes;
    }

    /**
     * @param maxSessionBytes the most bytes a session's encoded attribute values may take together in Redis,
     * 0 for no limit; default 4 MiB. A save that would grow a session past it writes none of the changes that
     * grow it (it logs a warning naming each); changes that keep or shrink a value still go.
     */
    public void setMaxSessionBytes(int maxSessionBytes)
    {
        this.maxSessionBytes = maxSessionBytes;
    }

    /** @return the user part of the Java deserialization filter, or null */
    @ManagedAttribute("Java deserialization filter pattern (user part)")
    public String getSerialFilter()
    {
        return serialFilter;
    }

    /**
     * @param serialFilter a JDK serial filter pattern checked before the built-in deny list, see
     * {@link SessionSerialFilter#create(String)}; default none. Ignored when a custom serializer is set.
     */
    public void setSerialFilter(String serialFilter)
    {
        this.serialFilter = blankToNull(serialFilter);
    }

    /** @return whether nodes drop sessions deleted by other nodes from memory at once */
    @ManagedAttribute("drop sessions deleted by other nodes from memory at once")
    public boolean isBroadcastInvalidation()
    {
        return broadcastInvalidation;
    }

    /**
     * @param broadcast whether each node listens (Redis pub/sub, one connection per context) for sessions
     * deleted by other nodes and drops them from its session cache at once; default true. Only matters
     * with a cache that keeps sessions in memory ({@code DefaultSessionCache}).
     */
    public void setBroadcastInvalidation(boolean broadcast)
    {
        this.broadcastInvalidation = broadcast;
    }

    /** @return whether each store counts what it does */
    @ManagedAttribute("each store counts what it does (SessionStoreCounters)")
    public boolean isMetrics()
    {
        return metrics;
    }

    /**
     * @param metrics whether each store counts what it does (its {@link SessionStoreCounters}, a JMX bean,
     * also what {@link io.github.jettyredis.session.metrics.SessionStoreMetrics} binds to Micrometer); default
     * true. Off, a store neither counts nor times anything.
     */
    public void setMetrics(boolean metrics)
    {
        this.metrics = metrics;
    }

    private int validMaxSessionsPerUser()
    {
        if (maxSessionsPerUser < 0)
            throw new IllegalArgumentException(StoreProperty.MAX_SESSIONS_PER_USER + " must be 0 (no limit) or more, not " + maxSessionsPerUser);
        return maxSessionsPerUser;
    }

    private MaxSessionsPolicy validPolicy()
    {
        return MaxSessionsPolicy.of(StoreProperty.WHEN_MAX_SESSIONS_EXCEEDED.property(), whenMaxSessionsExceeded);
    }

    /** @return whether each context indexes its sessions by user */
    @ManagedAttribute("sessions indexed by user")
    public boolean isUserSessions()
    {
        return userSessions;
    }

    /**
     * @param userSessions whether each context indexes its sessions by user, for
     * {@link RedisSessionDataStore#getUserSessions()} (list, log out everywhere, a maximum per user); default false
     */
    public void setUserSessions(boolean userSessions)
    {
        this.userSessions = userSessions;
    }

    /** @return the session attribute that names the user, or null for the container's authentication */
    @ManagedAttribute("session attribute that names the user (none: the container's authentication)")
    public String getUserAttribute()
    {
        return userAttribute;
    }

    /**
     * @param userAttribute the session attribute whose value names the user (a {@code String}, a
     * {@code Principal}, or anything with {@code getUserPrincipal()}); default none: the container's
     * authentication, which a form login keeps in the session
     */
    public void setUserAttribute(String userAttribute)
    {
        this.userAttribute = blankToNull(userAttribute);
    }

    /** @return the most sessions one user may have in a context, 0 for no limit */
    @ManagedAttribute("most sessions per user (0: no limit)")
    public int getMaxSessionsPerUser()
    {
        return maxSessionsPerUser;
    }

    /** @param maxSessionsPerUser the most sessions one user may have in a context (with userSessions on); default 0, no limit */
    public void setMaxSessionsPerUser(int maxSessionsPerUser)
    {
        this.maxSessionsPerUser = maxSessionsPerUser;
    }

    /** @return what happens when a user gets one session more than the maximum */
    @ManagedAttribute("when a user exceeds maxSessionsPerUser: invalidate-oldest or refuse")
    public String getWhenMaxSessionsExceeded()
    {
        return whenMaxSessionsExceeded;
    }

    /**
     * @param policy {@code invalidate-oldest} (default: the user's least recently used other sessions are
     * invalidated) or {@code refuse} (the new login fails, see {@link SessionLimitingLoginService})
     */
    public void setWhenMaxSessionsExceeded(String policy)
    {
        this.whenMaxSessionsExceeded = policy == null || policy.isBlank() ? StoreProperty.WHEN_MAX_SESSIONS_EXCEEDED.defaultValue() : policy.trim();
    }

    /** @return the client factory set as an object, or null */
    public RedisClientFactory getClientFactory()
    {
        return clientFactory;
    }

    /** @param clientFactory supplies the Jedis client of each context; default one shared pooled client */
    public void setClientFactory(RedisClientFactory clientFactory)
    {
        this.clientFactory = clientFactory;
    }

    /** @return the class name of the client factory, or null */
    @ManagedAttribute("RedisClientFactory class")
    public String getClientFactoryClass()
    {
        return clientFactoryClass;
    }

    /** @param className a {@link RedisClientFactory} with a public no-argument constructor; used when no object is set */
    public void setClientFactoryClass(String className)
    {
        this.clientFactoryClass = blankToNull(className);
    }

    /** @return the options handed to the client factory, with any password in them masked */
    @ManagedAttribute("options for the client factory (passwords masked)")
    public String getClientOptions()
    {
        // Each option may be a URI with a password, e.g. a route of ContextRoutingClientFactory.
        return clientOptions == null ? null : Arrays.stream(clientOptions.split(",")).map(RedisUri::mask).collect(Collectors.joining(","));
    }

    /**
     * @param options {@code key=value,key=value} options handed to the client factory in its
     * {@link RedisClientSettings#getOptions() settings}, for factories configured by class name (e.g. the
     * routes of {@link io.github.jettyredis.session.client.ContextRoutingClientFactory}); default none
     */
    public void setClientOptions(String options)
    {
        this.clientOptions = blankToNull(options);
    }

    /** @return the attribute serializer set as an object, or null */
    public AttributeSerializer getSerializer()
    {
        return serializer;
    }

    /** @param serializer how attribute values become bytes; default {@link ProtobufAttributeSerializer} */
    public void setSerializer(AttributeSerializer serializer)
    {
        this.serializer = serializer;
    }

    /** @return the class name of the serializer, or null */
    @ManagedAttribute("AttributeSerializer class")
    public String getSerializerClass()
    {
        return serializerClass;
    }

    /** @param className an {@link AttributeSerializer} with a public no-argument constructor; used when no object is set */
    public void setSerializerClass(String className)
    {
        this.serializerClass = blankToNull(className);
    }
}
