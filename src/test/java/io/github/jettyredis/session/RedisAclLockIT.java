// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SessionLockHandler} run by the README's least-privileged ACL user ({@link ReadmeAclUser}), as the
 * README says it may be: with a prefix the line's key pattern covers, it needs nothing more than the store.
 */
public class RedisAclLockIT
{
    @Test
    public void sessionLocksNeedNothingMoreThanTheReadmeLine() throws Exception
    {
        RedisTestServer redis = ReadmeAclUser.server();
        String prefix = RedisTestServer.uniquePrefix();
        HttpClient client = new HttpClient();
        client.start();
        try (JettyNode node = new JettyNode("node", redis.uri(), prefix, JettyNode.Cache.NULL, JettyNode.newCounter()))
        {
            ReadmeAclUser.use(node.sessions());
            RedisClientSettings asTheUser = new RedisClientSettings(redis.uri(), ReadmeAclUser.USER, ReadmeAclUser.PASSWORD,
                2000, 2000, 4, null, null);
            node.server().setHandler(new SessionLockHandler(asTheUser, prefix, node.server().getHandler()));
            node.start();

            String id = client.GET(node.url("op=create")).getContentAsString();
            try (Jedis admin = redis.connect())
            {
                long setsBefore = SessionLockHandlerTest.setCalls(admin.info("commandstats"));
                List<String> counters = new ArrayList<>();
                for (int i = 0; i < 3; i++)
                    counters.add(client.GET(node.url("op=incr&name=n")).getContentAsString());
                assertEquals(List.of("1", "2", "3"), counters);
                // Each request took the session's lock (a SET) and gave it back, as that user.
                assertTrue(SessionLockHandlerTest.setCalls(admin.info("commandstats")) - setsBefore >= 3, "locks taken");
                // A lock is given back as its request completes, which can be after the client has the
                // response; once every request has completed, none may be left for its lease to end.
                node.awaitIdle();
                assertFalse(admin.exists(prefix + "lock:{" + id + "}"), "a lock was left behind");
            }
        }
        finally
        {
            client.stop();
        }
        ReadmeAclUser.assertNothingRefused(List.of(redis));
    }
}
