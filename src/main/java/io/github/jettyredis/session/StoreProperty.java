// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

/**
 * Every setting of the {@code session-store-redis} module, in one place: its property name in a jetty-base,
 * the bean property it sets on {@link RedisSessionDataStoreFactory} (or on the
 * {@link SessionIdLimitHandler} the module inserts), and its default. The factory's fields start from
 * these defaults; the module's XML and ini-template and the README's table are checked against them by
 * the tests, so that none of them drifts.
 */
public enum StoreProperty
{
    /** The Redis URI: standalone, Cluster or Sentinel, TLS with {@code rediss}. */
    URI("uri", "redis://127.0.0.1:6379"),
    /** The ACL user; overrides one in the URI. */
    USER("user", ""),
    /** The password; overrides one in the URI; never logged. */
    PASSWORD("password", ""),
    /** The trust store TLS connections check the server's certificate against; none: the JVM's default trust. */
    TRUST_STORE("trustStore", ""),
    /** The trust store's password; never logged. */
    TRUST_STORE_PASSWORD("trustStorePassword", ""),
    /** The trust store's {@code KeyStore} type. */
    TRUST_STORE_TYPE("trustStoreType", "PKCS12"),
    /** The key store with the client's key and certificate, for mutual TLS; none: no client certificate. */
    KEY_STORE("keyStore", ""),
    /** The key store's password, also the key's; never logged. */
    KEY_STORE_PASSWORD("keyStorePassword", ""),
    /** The key store's {@code KeyStore} type. */
    KEY_STORE_TYPE("keyStoreType", "PKCS12"),
    /** Whether the server's certificate must name the host connected to. */
    VERIFY_HOSTNAME("verifyHostname", "true"),
    /** The prefix of every key. */
    PREFIX("prefix", "jetty-session:"),
    /** How long to wait for a connection, in ms. */
    CONNECT_TIMEOUT_MS("connectTimeoutMs", "2000"),
    /** How long to wait for a reply (and for a pooled connection), in ms. */
    SOCKET_TIMEOUT_MS("socketTimeoutMs", "2000"),
    /** The most pooled connections; 0 sizes the pool from the server's thread pool. */
    MAX_CONNECTIONS("maxConnections", "0"),
    /** The most shared pipelines a context has on their way to Redis at once; 0: each operation its own round trip. */
    PIPELINES_IN_FLIGHT("pipelinesInFlight", "2"),
    /** The name of the connections in {@code CLIENT LIST}. */
    CLIENT_NAME("clientName", "jetty-session-redis"),
    /** The most bytes one encoded attribute value may take; 0 for no limit. */
    MAX_ATTRIBUTE_BYTES("maxAttributeBytes", Integer.toString(1 << 20)),
    /** The most bytes the encoded attribute values of one session may take together; 0 for no limit. */
    MAX_SESSION_BYTES("maxSessionBytes", Integer.toString(4 << 20)),
    /** A JDK serial filter pattern, checked before the built-in deny list. */
    SERIAL_FILTER("serialFilter", ""),
    /** Whether nodes drop sessions deleted by other nodes from memory at once. */
    BROADCAST_INVALIDATION("broadcastInvalidation", "true"),
    /** Whether each store counts what it does (JMX, Micrometer); off costs nothing per request. */
    METRICS("metrics", "true"),
    /** Whether each context indexes its sessions by user. */
    USER_SESSIONS("userSessions", "false"),
    /** The session attribute that names the user; none: the container's authentication. */
    USER_ATTRIBUTE("userAttribute", ""),
    /** The most sessions one user may have in a context; 0 for no limit. */
    MAX_SESSIONS_PER_USER("maxSessionsPerUser", "0"),
    /** What happens when a user gets one session more than the maximum: {@code invalidate-oldest} or {@code refuse}. */
    WHEN_MAX_SESSIONS_EXCEEDED("whenMaxSessionsExceeded", "invalidate-oldest"),
    /** The class of a {@code RedisClientFactory}. */
    CLIENT_FACTORY_CLASS("clientFactoryClass", ""),
    /** Options handed to the client factory. */
    CLIENT_OPTIONS("clientOptions", ""),
    /** The class of an {@code AttributeSerializer}. */
    SERIALIZER_CLASS("serializerClass", ""),
    /** The most session ids one request may name. */
    MAX_SESSION_IDS("maxSessionIds", Integer.toString(SessionIdLimitHandler.DEFAULT_MAX_SESSION_IDS)),
    /** Jetty's grace period, in seconds (Jetty's own property, shared with its stores). */
    GRACE_PERIOD_SEC("gracePeriodSec", "jetty.session.gracePeriod.seconds", "3600"),
    /** Jetty's save period, in seconds (Jetty's own property, shared with its stores). */
    SAVE_PERIOD_SEC("savePeriodSec", "jetty.session.savePeriod.seconds", "0");

    /** What every property of this module starts with. */
    public static final String PROPERTY_PREFIX = "jetty.session.redis.";

    private final String beanProperty;
    private final String property;
    private final String defaultValue;

    StoreProperty(String beanProperty, String defaultValue)
    {
        this(beanProperty, PROPERTY_PREFIX + beanProperty, defaultValue);
    }

    StoreProperty(String beanProperty, String property, String defaultValue)
    {
        this.beanProperty = beanProperty;
        this.property = property;
        this.defaultValue = defaultValue;
    }

    /** @return the bean property it sets, e.g. {@code connectTimeoutMs} */
    public String beanProperty()
    {
        return beanProperty;
    }

    /** @return its name in a jetty-base, e.g. {@code jetty.session.redis.connectTimeoutMs} */
    public String property()
    {
        return property;
    }

    /** @return its default, as written in a jetty-base; empty for none */
    public String defaultValue()
    {
        return defaultValue;
    }

    /** @return its default as a number */
    public int defaultInt()
    {
        return Integer.parseInt(defaultValue);
    }

    /** @return its default as a boolean */
    public boolean defaultBoolean()
    {
        return Boolean.parseBoolean(defaultValue);
    }

    /** @return its default, or null for none */
    public String defaultOrNull()
    {
        return defaultValue.isEmpty() ? null : defaultValue;
    }

    @Override
    public String toString()
    {
        return property;
    }
}
