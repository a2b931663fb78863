// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Redis that stops answering without closing anything (SIGSTOP: connections stay open, new ones are
 * accepted by the kernel and never served), as a stalled server or a silent network does: once a node knows,
 * its requests no longer wait for Redis; the scavenger goes on and catches up when Redis is back.
 */
public class RedisStallIT
{
    private static final int TIMEOUT_MS = 1000;

    @RegisterExtension
    @Order(1)
    final PrivateRedis redis = new PrivateRedis();

    @RegisterExtension
    @Order(2)
    final JettyNodes cluster = new JettyNodes(redis);

    private JettyNode start(JettyNode.Cache cache) throws Exception
    {
        return cluster.start("node", cache, node ->
        {
            node.sessions().setConnectTimeoutMs(TIMEOUT_MS);
            node.sessions().setSocketTimeoutMs(TIMEOUT_MS);
        });
    }

    /** A browser of its own: its own cookie, so its own session. */
    private static HttpClient user() throws Exception
    {
        HttpClient user = new HttpClient();
        user.setHttpCookieStore(new HttpCookieStore.Default());
        user.start();
        return user;
    }

    @Test
    public void onceRedisIsKnownToBeStalledRequestsNoLongerWaitForIt() throws Exception
    {
        JettyNode node = start(JettyNode.Cache.NULL);
        RedisTestServer server = redis.server();
        List<HttpClient> users = new ArrayList<>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                HttpClient user = user();
                users.add(user);
                user.GET(node.url("op=create"));
                assertEquals("ok", user.GET(node.url("op=set&name=user&value=u" + i)).getContentAsString());
            }
            node.awaitIdle();

            server.pause();
            try
            {
                // The first request finds out, within the timeouts (the call and its one retry).
                long first = timed(users.get(0), node);
                assertTrue(first < 4 * TIMEOUT_MS, "the first request took " + first + " ms");
                // The ones after it are answered without Redis: not one of them waits for a timeout.
                long slowest = 0;
                for (int i = 0; i < 20; i++)
                    slowest = Math.max(slowest, timed(users.get(i % users.size()), node));
                assertTrue(slowest < TIMEOUT_MS / 2, "a request took " + slowest + " ms while Redis was known to be stalled");
            }
            finally
            {
                server.resume();
            }
            for (int i = 0; i < users.size(); i++)
            {
                HttpClient user = users.get(i);
                String expected = "u" + i;
                Await.until("user " + i + " has its session again", Duration.ofSeconds(5),
                    () -> expected.equals(userAttribute(user, node)));
            }
        }
        finally
        {
            for (HttpClient user : users)
                user.stop();
        }
    }

    private static String userAttribute(HttpClient user, JettyNode node)
    {
        try
        {
            return user.GET(node.url("op=get&name=user")).getContentAsString();
        }
        catch (Exception e)
        {
            return null;
        }
    }

    /** @return how long a request for the user's session took, in ms; it must not fail with a 5xx */
    private static long timed(HttpClient user, JettyNode node) throws Exception
    {
        long start = System.nanoTime();
        ContentResponse response = user.GET(node.url("op=get&name=user"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(response.getStatus() == HttpStatus.OK_200, "status " + response.getStatus() + ": " + response.getContentAsString());
        return ms;
    }

    @Test
    public void theScavengerGoesOnThroughAStallAndExpiresWhatExpiredMeanwhile() throws Exception
    {
        JettyNode node = start(JettyNode.Cache.DEFAULT);
        String id = cluster.get(node.url("op=create&ttl=2"));
        node.awaitIdle();

        redis.server().pause();
        try
        {
            // Cycles that cannot reach Redis, while the session expires.
            node.awaitScavenges(3);
        }
        finally
        {
            redis.server().resume();
        }
        Await.until("the session expired once Redis is back", Duration.ofSeconds(20), () -> cluster.destroyedCount(id) == 1);
        Await.until("its key deleted", Duration.ofSeconds(10), () -> !cluster.redis().exists(cluster.keys().session(id)));
    }
}
