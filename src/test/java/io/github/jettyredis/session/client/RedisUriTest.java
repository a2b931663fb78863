// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.client;

import java.util.List;

import io.github.jettyredis.session.client.RedisUri.Mode;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parsing of {@code jetty.session.redis.uri}: the three schemes and their TLS variants, what each accepts
 * and refuses, and that no message ever shows the password.
 */
public class RedisUriTest
{
    private static HostAndPort node(String host, int port)
    {
        return new HostAndPort(host, port);
    }

    private record Valid(String uri, RedisUri expected)
    {
    }

    @Test
    public void validUris()
    {
        List<Valid> cases = List.of(
            new Valid("redis://127.0.0.1:6379", new RedisUri(Mode.STANDALONE, List.of(node("127.0.0.1", 6379)), null, null, 0, false, null)),
            new Valid(" redis://h:1/3 ", new RedisUri(Mode.STANDALONE, List.of(node("h", 1)), null, null, 3, false, null)),
            new Valid("rediss://u:p%40ss@h:6380/0", new RedisUri(Mode.STANDALONE, List.of(node("h", 6380)), "u", "p@ss", 0, true, null)),
            new Valid("redis://:pw@h:1", new RedisUri(Mode.STANDALONE, List.of(node("h", 1)), null, "pw", 0, false, null)),
            new Valid("redis://[::1]:6379/2", new RedisUri(Mode.STANDALONE, List.of(node("::1", 6379)), null, null, 2, false, null)),
            new Valid("REDIS://h:1", new RedisUri(Mode.STANDALONE, List.of(node("h", 1)), null, null, 0, false, null)),
            new Valid("redis-cluster://10.0.0.1:7000", new RedisUri(Mode.CLUSTER, List.of(node("10.0.0.1", 7000)), null, null, 0, false, null)),
            new Valid("redis-cluster://u:a+b@n1:7000,n2:7001,n3:7002/0", new RedisUri(Mode.CLUSTER,
                List.of(node("n1", 7000), node("n2", 7001), node("n3", 7002)), "u", "a+b", 0, false, null)),
            new Valid("rediss-cluster://:pw@n1:7000/", new RedisUri(Mode.CLUSTER, List.of(node("n1", 7000)), null, "pw", 0, true, null)),
            new Valid("redis-cluster://[::1]:7000", new RedisUri(Mode.CLUSTER, List.of(node("::1", 7000)), null, null, 0, false, null)),
            new Valid("redis-sentinel://s1:26379,s2:26380/mymaster", new RedisUri(Mode.SENTINEL,
                List.of(node("s1", 26379), node("s2", 26380)), null, null, 0, false, "mymaster")),
            new Valid("rediss-sentinel://app:s3cret@s1:26379/my%20master/5", new RedisUri(Mode.SENTINEL,
                List.of(node("s1", 26379)), "app", "s3cret", 5, true, "my master")),
            new Valid("redis-sentinel://s1:26379/mymaster/", new RedisUri(Mode.SENTINEL, List.of(node("s1", 26379)), null, null, 0, false, "mymaster")));
        for (Valid c : cases)
            assertEquals(c.expected(), RedisUri.parse(c.uri()), c.uri());
    }

    @Test
    public void invalidUrisNameThePropertyAndHideThePassword()
    {
        String[][] cases = {
            // value, a fragment the message must hold
            {null, "is not set"},
            {"  ", "is not set"},
            {"http://u:s3cret@127.0.0.1:6379", "must look like redis://"},
            {"127.0.0.1:6379", "is not a valid URI"},
            {"localhost:6379", "must look like redis://"},
            {"redis://u:s3cret@127.0.0.1", "must look like redis://"},
            {"redis://u:s3cret@127.0.0.1:6379/notanumber", "database that is not a number"},
            {"redis://u:s3cret@h:1/1/2", "database that is not a number"},
            {"redis://user@h:6379", "a user but no password"},
            {"redis://u:s3cret@h:6379 /0", "not a valid URI"},
            {"redis-cluster://u:s3cret@n1:7000/3", "only database 0"},
            {"redis-cluster://u:s3cret@n1:7000/x", "database that is not a number"},
            {"redis-cluster://u:s3cret@n1:7000/0/1", "must look like redis-cluster://"},
            {"redis-cluster://u:s3cret@n1:7000,n2", "host:port for every node"},
            {"redis-cluster://u:s3cret@n1:7000,,n2:7001", "host:port for every node"},
            {"redis-cluster://u:s3cret@n1:0", "host:port for every node"},
            {"redis-cluster://u:s3cret@n1:70000", "host:port for every node"},
            {"redis-cluster://u:s3cret@[::1]:7000,[::2]:7000", "bracketed IPv6"},
            {"redis-cluster://u:s3cret@n1:7000?protocol=3", "query or fragment"},
            {"redis-cluster:///", "must look like redis-cluster://"},
            {"redis-sentinel://u:s3cret@s1:26379", "needs the master name"},
            {"redis-sentinel://u:s3cret@s1:26379/", "needs the master name"},
            {"redis-sentinel://u:s3cret@s1:26379/mymaster/x", "database that is not a number"},
            {"redis-sentinel://u:s3cret@s1:26379/mymaster/1/2", "must look like redis-sentinel://"},
            {"redis-sentinel://u:s3cret@s1/mymaster", "host:port for every node"},
            {"redis-shards://u:s3cret@s1:1", "must look like redis://"},
        };
        for (String[] c : cases)
        {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUri.parse(c[0]), c[0]);
            assertTrue(e.getMessage().startsWith(RedisUri.PROPERTY + " "), c[0] + " gave: " + e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), c[0] + " gave: " + e.getMessage());
            assertFalse(e.getMessage().contains("s3cret"), c[0] + " shows the password: " + e.getMessage());
        }
    }

    @Test
    public void maskHidesThePasswordWhole()
    {
        String[][] cases = {
            {"redis://u:s3cret@h:1/0", "redis://u:****@h:1/0"},
            {"redis://:s3cret@h:1", "redis://:****@h:1"},
            {"redis://h:1/0", "redis://h:1/0"},
            {"redis-cluster://u:s3cret@n1:1,n2:2", "redis-cluster://u:****@n1:1,n2:2"},
            {"redis-sentinel://u:s3c@r/et@s1:1/m/2", "redis-sentinel://u:****@s1:1/m/2"},
            {"u:s3cret@h:1", "u:****@h:1"},
            {null, null},
        };
        for (String[] c : cases)
            assertEquals(c[1], RedisUri.mask(c[0]), c[0]);
    }

    @Test
    public void toStringIsCanonicalAndMasked()
    {
        assertEquals("rediss-sentinel://app:****@s1:26379,[::1]:26380/mymaster/5",
            new RedisUri(Mode.SENTINEL, List.of(node("s1", 26379), node("::1", 26380)), "app", "s3cret", 5, true, "mymaster").toString());
        assertEquals("redis-cluster://:****@n1:7000,n2:7001", RedisUri.parse("redis-cluster://:s3cret@n1:7000,n2:7001/0").toString());
        assertEquals("redis://h:1/3", RedisUri.parse("redis://h:1/3").toString());
    }

    @Test
    public void settingsExposeTheModeAndKeepTheirApi()
    {
        RedisClientSettings cluster = new RedisClientSettings("rediss-cluster://u:s3cret@n1:7000,n2:7001", null, null, 1, 1, 1, null, null);
        assertEquals(Mode.CLUSTER, cluster.getMode());
        assertEquals(List.of(node("n1", 7000), node("n2", 7001)), cluster.getNodes());
        assertEquals(node("n1", 7000), cluster.getHostAndPort());
        assertEquals("u", cluster.getUser());
        assertEquals("s3cret", cluster.getPassword());
        assertTrue(cluster.isTls());
        assertEquals("rediss-cluster://u:****@n1:7000,n2:7001", cluster.address());
        assertEquals("rediss-cluster://u:s3cret@n1:7000,n2:7001", cluster.getUri().toString());
        assertFalse(cluster.toString().contains("s3cret"), cluster.toString());

        RedisClientSettings sentinel = new RedisClientSettings("redis-sentinel://:uripw@s1:26379/mymaster/4", "app", "s3cret", 1, 1, 1, null, null)
            .withUri("redis-sentinel://:uripw@s1:26379/other/4");
        assertEquals(Mode.SENTINEL, sentinel.getMode());
        assertEquals("other", sentinel.getMasterName());
        assertEquals(4, sentinel.getDatabase());
        assertEquals("app", sentinel.getUser(), "the user property wins over the URI's");
        assertEquals("s3cret", sentinel.getPassword(), "the password property wins over the URI's");
        assertFalse(sentinel.toString().contains("s3cret") || sentinel.toString().contains("uripw"), sentinel.toString());

        RedisClientSettings standalone = new RedisClientSettings("redis://127.0.0.1:6379/2", null, null, 1, 1, 1, null, null);
        assertEquals(Mode.STANDALONE, standalone.getMode());
        assertEquals(2, standalone.getDatabase());
        assertEquals(null, standalone.getMasterName());
    }
}
