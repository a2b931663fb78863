// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.example;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.testing.RedisTestServer;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves the embedded example works as its documentation says: two servers it builds, on one Redis,
 * share a session over real HTTP, and the session is in Redis under the configured prefix.
 */
class EmbeddedRedisSessionsExampleTest
{
    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception
    {
        for (Server server : servers)
            server.stop();
    }

    @Test
    void twoServersOfTheExampleShareASessionThroughRedis() throws Exception
    {
        RedisTestServer redis = RedisTestServer.shared();
        String prefix = RedisTestServer.uniquePrefix();
        URI first = start(EmbeddedRedisSessionsExample.newServer(0, redis.uri(), prefix));
        URI second = start(EmbeddedRedisSessionsExample.newServer(0, redis.uri(), prefix));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> made = http.send(HttpRequest.newBuilder(first).build(), HttpResponse.BodyHandlers.ofString());
        String cookie = made.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        assertTrue(made.body().startsWith("visits=1 id="), made.body());
        String id = made.body().trim().substring("visits=1 id=".length());

        HttpResponse<String> onSecond = http.send(HttpRequest.newBuilder(second).header("Cookie", cookie).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals("visits=2 id=" + id, onSecond.body().trim(), "the second server must continue the first's session");
        // The first server holds the session in memory: it must still see the second's change.
        HttpResponse<String> backOnFirst = http.send(HttpRequest.newBuilder(first).header("Cookie", cookie).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals("visits=3 id=" + id, backOnFirst.body().trim(), "the first server must see the second's change");

        try (UnifiedJedis jedis = redis.newClient())
        {
            // Key layout: <prefix>{<canonical context path>_<virtual host>_<id>}; the context is "/", i.e. "_".
            assertTrue(jedis.exists(prefix + "{__0.0.0.0_" + id + "}"), "the session must be in Redis under the prefix");
        }
    }

    private URI start(Server server) throws Exception
    {
        servers.add(server);
        server.start();
        return server.getURI();
    }
}
