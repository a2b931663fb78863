// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.Map;

import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.util.SafeEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The size limits ({@code maxAttributeBytes}, {@code maxSessionBytes}) over real HTTP: a value over a limit
 * costs the request nothing and the session only that value, Redis keeps what it had, and a later save
 * that fits writes it.
 */
public class SessionSizeLimitTest
{
    /** A {@code byte[n]} encodes as n bytes and a few of tag and length. */
    private static final int MAX_ATTRIBUTE = 10_000;
    private static final int MAX_SESSION = 25_000;

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    private JettyNode start(String name, JettyNode.Cache cache) throws Exception
    {
        return cluster.start(name, cache, node ->
        {
            node.sessions().setMaxAttributeBytes(MAX_ATTRIBUTE);
            node.sessions().setMaxSessionBytes(MAX_SESSION);
        });
    }

    private String get(JettyNode node, String query) throws Exception
    {
        ContentResponse response = cluster.client().GET(node.url(query));
        assertEquals(HttpStatus.OK_200, response.getStatus(), query + ": " + response.getContentAsString());
        node.awaitIdle();
        return response.getContentAsString();
    }

    /** Redis holds a {@code byte[n]} for the attribute: n bytes and a few of tag and length. */
    private void assertStoredBytes(int n, String id, String name)
    {
        Integer size = storedSize(id, name);
        assertTrue(size != null && size >= n && size <= n + 8, name + ": " + size + " bytes in Redis, for a byte[" + n + "]");
    }

    /** @return how many bytes Redis holds for the attribute, or null if it holds none */
    private Integer storedSize(String id, String name)
    {
        for (Map.Entry<byte[], byte[]> field : cluster.redis().hgetAll(cluster.keys().session(id)).entrySet())
            if (SafeEncoder.encode(field.getKey()).equals(name))
                return field.getValue().length;
        return null;
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void aValueOverTheAttributeLimitIsNotSavedAndRedisKeepsWhatItHad(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = start("node", cache);
        String id = get(node, "op=create");
        get(node, "op=bytes&name=photo&size=1000");
        assertStoredBytes(1000, id, "photo");

        // Too big: the request succeeds, its other change is saved, the old value stays in Redis.
        get(node, "op=bytes&name=photo&size=" + (MAX_ATTRIBUTE + 1));
        get(node, "op=set&name=user&value=alice");
        assertStoredBytes(1000, id, "photo");
        assertTrue(storedSize(id, "user") != null, "the request's other change is saved");
        assertEquals("alice", get(node, "op=get&name=user"));
        // A value just under the limit is saved.
        get(node, "op=bytes&name=photo&size=" + (MAX_ATTRIBUTE - 10));
        assertStoredBytes(MAX_ATTRIBUTE - 10, id, "photo");
    }

    @ParameterizedTest
    @EnumSource(value = JettyNode.Cache.class, names = {"DEFAULT", "REDIS"})
    public void changesThatWouldGrowTheSessionPastItsLimitWaitUntilItFits(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = start("node", cache);
        JettyNode reader = start("reader", JettyNode.Cache.NULL);
        String id = get(node, "op=create");
        get(node, "op=bytes&name=a&size=9000");
        get(node, "op=bytes&name=b&size=9000");
        // a + b + c would be about 27,000 bytes: c is not written, the session stays as it was.
        get(node, "op=bytes&name=c&size=9000");
        assertNull(storedSize(id, "c"));
        assertEquals("null", get(reader, "op=get&name=c"), "another node sees the session as Redis holds it");
        // A change that shrinks a value goes, even while the session is over the limit in memory; then c fits.
        get(node, "op=bytes&name=a&size=100");
        assertStoredBytes(100, id, "a");
        get(node, "op=touch");
        assertStoredBytes(9000, id, "c");
    }
}
