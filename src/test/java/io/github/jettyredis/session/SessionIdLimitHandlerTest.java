// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A request naming hundreds of session ids costs Redis nothing once {@link SessionIdLimitHandler} is in
 * front; without it, Jetty looks up each of them.
 */
public class SessionIdLimitHandlerTest
{
    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    private long lookups()
    {
        String stats = cluster.redis().info("commandstats");
        return stats.lines().filter(line -> line.startsWith("cmdstat_hgetall:")).findFirst()
            .map(line -> Long.parseLong(line.replaceAll("^cmdstat_hgetall:calls=(\\d+),.*", "$1"))).orElse(0L);
    }

    private ContentResponse getWithSessionCookies(JettyNode node, int cookies) throws Exception
    {
        String header = IntStream.range(0, cookies).mapToObj(i -> "JSESSIONID=x" + i).collect(Collectors.joining("; "));
        return cluster.client().newRequest(node.url("op=get&name=user")).headers(h -> h.put(HttpHeader.COOKIE, header)).send();
    }

    @Test
    public void withoutTheHandlerEachSessionIdOfARequestIsLookedUp() throws Exception
    {
        JettyNode node = cluster.start("node", JettyNode.Cache.NULL);
        long before = lookups();
        assertEquals(HttpStatus.OK_200, getWithSessionCookies(node, 400).getStatus());
        assertEquals(400, lookups() - before);
    }

    @Test
    public void aRequestNamingTooManySessionIdsIsRefusedBeforeAnyIsLookedUp() throws Exception
    {
        SessionIdLimitHandler limit = new SessionIdLimitHandler();
        JettyNode node = cluster.start("node", JettyNode.Cache.NULL, n -> n.server().insertHandler(limit));
        long before = lookups();
        assertEquals(HttpStatus.BAD_REQUEST_400, getWithSessionCookies(node, 400).getStatus());
        assertEquals(0, lookups() - before);
        assertEquals(1, limit.getRefused());

        // As many as a browser sends, a real one among them, work as before.
        cluster.get(node.url("op=create"));
        cluster.get(node.url("op=set&name=user&value=alice"));
        assertEquals(HttpStatus.OK_200, getWithSessionCookies(node, SessionIdLimitHandler.DEFAULT_MAX_SESSION_IDS - 1).getStatus());
        assertEquals("alice", cluster.get(node.url("op=get&name=user")));
    }
}
