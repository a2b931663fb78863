// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

import io.github.jettyredis.session.StoreProperty;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * A parsed and validated value of {@code jetty.session.redis.uri}. Three deployments, each with a TLS
 * variant ({@code rediss...}):
 * <ul>
 *   <li>{@code redis://[user:password@]host:port[/db]}: one standalone server (or a managed endpoint);</li>
 *   <li>{@code redis-cluster://[user:password@]host:port[,host:port...]}: a Redis Cluster, seeded with
 *   those nodes (the client discovers the others); Cluster has database 0 only, so a database other
 *   than 0 is refused;</li>
 *   <li>{@code redis-sentinel://[user:password@]host:port[,host:port...]/masterName[/db]}: the master
 *   that those sentinels name {@code masterName}. User, password and database are those of the master;
 *   the sentinels are asked without credentials (with TLS when the scheme is {@code rediss-sentinel}).</li>
 * </ul>
 * Ports are required. User and password may be percent-encoded. A list of nodes cannot hold bracketed
 * IPv6 addresses (a single node can); use host names there. {@link #toString()} masks the password.
 *
 * @param mode the kind of deployment
 * @param nodes the server, the cluster's seed nodes, or the sentinels; at least one
 * @param user the ACL user, or null for the default user
 * @param password the password, or null for none
 * @param database the database number; always 0 for a cluster
 * @param tls whether to connect with TLS
 * @param masterName the master's name for the sentinels; null unless {@link Mode#SENTINEL}
 */
public record RedisUri(Mode mode, List<HostAndPort> nodes, String user, String password, int database, boolean tls, String masterName)
{
    /** The configuration property whose values this class parses; every message names it. */
    public static final String PROPERTY = StoreProperty.URI.property();

    /** The kind of Redis deployment a URI names. */
    public enum Mode
    {
        /** One server: {@code redis://}, {@code rediss://}. */
        STANDALONE("redis", "rediss", "redis://[user:password@]host:port[/db] or rediss://... for TLS"),
        /** Redis Cluster: {@code redis-cluster://}, {@code rediss-cluster://}. */
        CLUSTER("redis-cluster", "rediss-cluster", "redis-cluster://[user:password@]host:port[,host:port...] or rediss-cluster://... for TLS"),
        /** A master found through Redis Sentinel: {@code redis-sentinel://}, {@code rediss-sentinel://}. */
        SENTINEL("redis-sentinel", "rediss-sentinel", "redis-sentinel://[user:password@]host:port[,host:port...]/masterName[/db] or rediss-sentinel://... for TLS");

        private final String scheme;
        private final String tlsScheme;
        private final String syntax;

        Mode(String scheme, String tlsScheme, String syntax)
        {
            this.scheme = scheme;
            this.tlsScheme = tlsScheme;
            this.syntax = syntax;
        }

        /**
         * @param tls whether the scheme asks for TLS
         * @return the URI scheme of this mode, e.g. {@code rediss-cluster}
         */
        public String scheme(boolean tls)
        {
            return tls ? tlsScheme : scheme;
        }
    }

    /**
     * @throws IllegalArgumentException if the components are not consistent (no node, a cluster database,
     * a master name outside Sentinel mode)
     */
    public RedisUri
    {
        Objects.requireNonNull(mode, "mode");
        nodes = List.copyOf(nodes);
        if (nodes.isEmpty())
            throw new IllegalArgumentException(PROPERTY + " names no host");
        if (database < 0 || (mode == Mode.CLUSTER && database != 0))
            throw new IllegalArgumentException(PROPERTY + " cannot use database " + database + " in " + mode + " mode");
        if ((mode == Mode.SENTINEL) == (masterName == null || masterName.isEmpty()))
            throw new IllegalArgumentException(PROPERTY + " needs a master name in SENTINEL mode, and only there");
    }

    /**
     * Parses and validates a URI.
     *
     * @param value the configured value
     * @return the URI it names
     * @throws IllegalArgumentException naming {@value #PROPERTY} and showing the value with its password
     * masked, if the value is not a valid URI of one of the supported schemes
     */
    public static RedisUri parse(String value)
    {
        if (value == null || value.isBlank())
            throw new IllegalArgumentException(PROPERTY + " is not set");
        String trimmed = value.trim();
        URI uri;
        try
        {
            uri = new URI(trimmed);
        }
        catch (URISyntaxException e)
        {
            String hint = trimmed.indexOf('[') >= 0 && trimmed.indexOf(',') >= 0
                ? " (a list of nodes cannot hold bracketed IPv6 addresses: use host names)" : "";
            throw new IllegalArgumentException(PROPERTY + " is not a valid URI: " + mask(trimmed) + hint, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        for (Mode mode : Mode.values())
        {
            if (scheme.equals(mode.scheme) || scheme.equals(mode.tlsScheme))
                return mode == Mode.STANDALONE ? standalone(uri, trimmed) : multiNode(mode, scheme.equals(mode.tlsScheme), uri, trimmed);
        }
        throw new IllegalArgumentException(PROPERTY + " must look like " + Mode.STANDALONE.syntax + ", " +
            "redis-cluster://host:port[,host:port...] or redis-sentinel://host:port[,host:port...]/masterName[/db], not " + mask(trimmed));
    }

    /** {@code redis://} and {@code rediss://}, validated as they always were, through Jedis' own helper. */
    private static RedisUri standalone(URI uri, String value)
    {
        if (!JedisURIHelper.isValid(uri) || uri.getPort() <= 0)
            throw new IllegalArgumentException(PROPERTY + " must look like " + Mode.STANDALONE.syntax + ", not " + mask(value));
        String path = uri.getPath();
        if (path != null && path.length() > 1 && !path.substring(1).matches("\\d+"))
            throw new IllegalArgumentException(PROPERTY + " has a database that is not a number: " + mask(value));
        String[] credentials = credentials(uri.getRawUserInfo(), value);
        String host = uri.getHost();
        // URI keeps the brackets of an IPv6 literal; a HostAndPort holds the bare address.
        if (host.startsWith("[") && host.endsWith("]"))
            host = host.substring(1, host.length() - 1);
        return new RedisUri(Mode.STANDALONE, List.of(new HostAndPort(host, uri.getPort())), credentials[0], credentials[1],
            database(path == null || path.length() <= 1 ? null : path.substring(1), value), JedisURIHelper.isRedisSSLScheme(uri), null);
    }

    /**
     * The cluster and sentinel forms. {@link URI} keeps a list of nodes as a registry-based authority
     * (no host, no port), so the authority is split here.
     */
    private static RedisUri multiNode(Mode mode, boolean tls, URI uri, String value)
    {
        if (uri.getRawAuthority() == null)
            throw new IllegalArgumentException(PROPERTY + " must look like " + mode.syntax + ", not " + mask(value));
        if (uri.getRawQuery() != null || uri.getRawFragment() != null)
            throw new IllegalArgumentException(PROPERTY + " cannot have a query or fragment in " + mode + " mode: " + mask(value));
        String authority = uri.getRawAuthority();
        int at = authority.lastIndexOf('@');
        String[] credentials = credentials(at < 0 ? null : authority.substring(0, at), value);
        List<HostAndPort> nodes = new ArrayList<>();
        for (String node : authority.substring(at + 1).split(",", -1))
            nodes.add(node(node.trim(), mode, value));

        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String[] segments = path.isEmpty() || path.equals("/") ? new String[0] : path.substring(1).split("/", -1);
        String masterName = null;
        String database = null;
        if (mode == Mode.SENTINEL)
        {
            if (segments.length == 0 || segments[0].isEmpty())
                throw new IllegalArgumentException(PROPERTY + " needs the master name: " + mode.syntax + ", not " + mask(value));
            if (segments.length > 2)
                throw new IllegalArgumentException(PROPERTY + " must look like " + mode.syntax + ", not " + mask(value));
            masterName = decode(segments[0]);
            database = segments.length == 2 ? segments[1] : null;
        }
        else
        {
            if (segments.length > 1)
                throw new IllegalArgumentException(PROPERTY + " must look like " + mode.syntax + ", not " + mask(value));
            database = segments.length == 1 ? segments[0] : null;
        }
        int db = database(database, value);
        if (mode == Mode.CLUSTER && db != 0)
            throw new IllegalArgumentException(PROPERTY + " names database " + db + ", but Redis Cluster has only database 0: " + mask(value));
        return new RedisUri(mode, nodes, credentials[0], credentials[1], db, tls, masterName);
    }

    private static HostAndPort node(String node, Mode mode, String value)
    {
        int colon = node.lastIndexOf(':');
        String host = colon < 0 ? "" : node.substring(0, colon);
        String port = colon < 0 ? "" : node.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]"))
            host = host.substring(1, host.length() - 1);
        if (host.isEmpty() || !port.matches("\\d{1,5}") || Integer.parseInt(port) == 0 || Integer.parseInt(port) > 65535)
            throw new IllegalArgumentException(PROPERTY + " needs host:port for every node (" + mode.syntax + "), not '" + mask(node) +
                "' in " + mask(value));
        return new HostAndPort(host, Integer.parseInt(port));
    }

    /** @return user (null for the default user) and password (null for none), percent-decoded */
    private static String[] credentials(String rawUserInfo, String value)
    {
        if (rawUserInfo == null)
            return new String[2];
        int colon = rawUserInfo.indexOf(':');
        // Jedis would fail on "user@" later, with a message that names neither property nor address.
        if (colon < 0)
            throw new IllegalArgumentException(PROPERTY + " has a user but no password: write user:password@ (or :password@ for " +
                "the default user), not " + mask(value));
        String user = decode(rawUserInfo.substring(0, colon));
        String password = decode(rawUserInfo.substring(colon + 1));
        return new String[]{user.isEmpty() ? null : user, password.isEmpty() ? null : password};
    }

    private static int database(String database, String value)
    {
        if (database == null || database.isEmpty())
            return 0;
        if (!database.matches("\\d{1,9}"))
            throw new IllegalArgumentException(PROPERTY + " has a database that is not a number: " + mask(value));
        return Integer.parseInt(database);
    }

    private static String decode(String raw)
    {
        // URLDecoder is for forms: keep a literal '+' a plus, as URI decoding does.
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * Hides the password of a URI-like string, for messages and logs: everything between the first
     * {@code :} after {@code //} and the last {@code @} (so a password holding {@code @} or {@code /}
     * is hidden whole).
     *
     * @param uri a URI as configured, valid or not; may be null
     * @return the same with the password replaced by {@code ****}
     */
    public static String mask(String uri)
    {
        if (uri == null)
            return null;
        int start = uri.indexOf("//");
        start = start < 0 ? 0 : start + 2;
        int at = uri.lastIndexOf('@');
        if (at < start)
            return uri;
        int colon = uri.indexOf(':', start);
        if (colon < 0 || colon > at)
            return uri;
        return uri.substring(0, colon + 1) + "****" + uri.substring(at);
    }

    /** @return the first node: the standalone server, a seed node or a sentinel */
    public HostAndPort firstNode()
    {
        return nodes.get(0);
    }

    /** @return this URI in canonical form, with the password masked */
    @Override
    public String toString()
    {
        StringBuilder s = new StringBuilder(mode.scheme(tls)).append("://");
        if (user != null || password != null)
            s.append(user == null ? "" : user).append(password == null ? "" : ":****").append('@');
        s.append(nodes.stream().map(RedisUri::format).collect(Collectors.joining(",")));
        if (masterName != null)
            s.append('/').append(masterName);
        if (database != 0)
            s.append('/').append(database);
        return s.toString();
    }

    private static String format(HostAndPort node)
    {
        return (node.getHost().indexOf(':') >= 0 ? "[" + node.getHost() + "]" : node.getHost()) + ":" + node.getPort();
    }
}
