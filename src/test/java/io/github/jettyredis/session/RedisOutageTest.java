package io.github.jettyredis.session;

import java.time.Duration;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Redis goes away under a running server and comes back: the server recovers by itself, without restart.
 */
public class RedisOutageTest
{
    private RedisTestServer redisServer;
    private JettyNode node;
    private HttpClient client;

    @AfterEach
    public void stop() throws Exception
    {
        if (client != null)
            client.stop();
        if (node != null)
            node.close();
        if (redisServer != null)
            redisServer.close();
    }

    private String get(String query) throws Exception
    {
        return client.GET(node.url(query)).getContentAsString();
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void theServerRecoversByItselfWhenRedisReturns(JettyNode.Cache cache) throws Exception
    {
        redisServer = RedisTestServer.startPrivate();
        node = new JettyNode("node", redisServer.uri(), RedisTestServer.uniquePrefix(), cache, JettyNode.newCounter());
        node.sessions.setConnectTimeoutMs(300);
        node.sessions.setSocketTimeoutMs(300);
        node.start();
        client = new HttpClient();
        client.start();
        get("op=create");
        assertEquals("ok", get("op=set&name=k&value=before"));

        redisServer.kill();
        // While Redis is away, requests are answered (the failure is logged); nothing hangs.
        ContentResponse during = client.GET(node.url("op=touch"));
        System.out.println("status while Redis is down: " + during.getStatus());

        redisServer.start();
        // Pooled connections broken by the outage are replaced on use: a new session works again soon.
        client.getHttpCookieStore().clear();
        Await.until("a new session is stored and read back", Duration.ofSeconds(20), () ->
        {
            try
            {
                client.getHttpCookieStore().clear();
                String id = get("op=create");
                if (!"ok".equals(get("op=set&name=k&value=after")) || !"after".equals(get("op=get&name=k")))
                    return false;
                try (var redis = redisServer.newClient())
                {
                    return redis.exists(node.store().getKeys().session(id));
                }
            }
            catch (Exception e)
            {
                return false;
            }
        });
    }
}
