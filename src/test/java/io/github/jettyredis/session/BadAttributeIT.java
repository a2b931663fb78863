// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One attribute that cannot be read or written costs only itself: the user keeps the session, login
 * included, and no node wipes what another can read.
 */
public class BadAttributeIT
{
    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    private byte[] field(String id, String name)
    {
        return cluster.redis().hget(cluster.keys().session(id), SessionHashCodec.attributeField(name));
    }

    @Test
    public void anAttributeThatCannotBeReadIsLeftOutAndKept() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.NULL);
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.NULL);
        String id = cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=user&value=alice"));
        cluster.get(a.url("op=foo&i=42"));
        cluster.awaitIdle();
        // Damaged bytes, as a changed class, a corrupted write or a rotated key leave them.
        byte[] damaged = {(byte)0x9a, 0x01, 0x03, 1, 2, 3};
        cluster.redis().hset(cluster.keys().session(id), Map.of(SessionHashCodec.attributeField("foo"), damaged));

        assertEquals("alice", cluster.get(b.url("op=get&name=user")), "the login is kept");
        assertEquals("null", cluster.get(b.url("op=get&name=foo")));
        assertEquals("ok", cluster.get(b.url("op=set&name=user&value=bob")));
        cluster.awaitIdle();
        assertArrayEquals(damaged, field(id, "foo"), "a save leaves what it could not read alone");
        assertTrue(b.store().getUnreadableAttributes() >= 1);
    }

    @Test
    public void aNodeWithoutAClassServesTheRestAndNeverWipesIt() throws Exception
    {
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.NULL);
        // A node of a rolling deploy whose webapp lacks the class.
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.NULL, node ->
        {
            try
            {
                Files.delete(node.webapp().getBaseResource().getPath().resolve("WEB-INF/classes/Foo.class"));
            }
            catch (Exception e)
            {
                throw new IllegalStateException(e);
            }
        });
        String id = cluster.get(a.url("op=create"));
        cluster.get(a.url("op=set&name=user&value=alice"));
        cluster.get(a.url("op=foo&i=42"));
        cluster.awaitIdle();

        assertEquals("alice", cluster.get(b.url("op=get&name=user")));
        assertEquals(id, cluster.get(b.url("op=create")), "a page that asks for a session gets this one, not a new one");
        assertEquals("ok", cluster.get(b.url("op=set&name=user&value=bob")));
        cluster.awaitIdle();
        assertEquals("42 true", cluster.get(a.url("op=readfoo")));
        assertEquals("bob", cluster.get(a.url("op=get&name=user")));
    }

    @ParameterizedTest
    @CsvSource({"array, 1100000", "map, 120000", "unserializable, 0"})
    public void aValueThatCannotBeWrittenOrReadBackIsNotWrittenAndTheRestIs(String kind, int n) throws Exception
    {
        // A keeps the bad value in memory, so each of its later saves meets it again.
        JettyNode a = cluster.start("nodeA", JettyNode.Cache.DEFAULT);
        JettyNode b = cluster.start("nodeB", JettyNode.Cache.NULL);
        String id = cluster.get(a.url("op=create"));
        assertEquals("ok", cluster.get(a.url("op=big&name=big&kind=" + kind + "&n=" + n)));
        cluster.get(a.url("op=set&name=user&value=alice"));
        cluster.awaitIdle();

        assertEquals("alice", cluster.get(b.url("op=get&name=user")), "the rest of the session is saved, and readable");
        assertEquals("null", cluster.get(b.url("op=get&name=big")));
        assertFalse(cluster.redis().hexists(cluster.keys().session(id), SessionHashCodec.attributeField("big")));
    }
}
