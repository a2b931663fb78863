// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import io.github.jettyredis.session.testing.TestCertificates;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store over TLS to a real {@code redis-server} that listens with TLS only ({@code rediss://}): with the
 * trust store alone, with a client certificate where the server requires one, and with host name
 * verification refusing a certificate that names another host; and two Jetty nodes over mutual TLS, whose
 * deletion listeners hear each other's invalidations and whose coherent caches stay current.
 */
public class RedisTlsSessionIT
{
    private static final TestCertificates CERTIFICATES = TestCertificates.shared();

    private static RedisSessionDataStoreFactory factory(RedisTestServer redis, Consumer<RedisSessionDataStoreFactory> settings)
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(redis.uri());
        factory.setPrefix(RedisTestServer.uniquePrefix());
        factory.setTrustStore(CERTIFICATES.trustStore().toString());
        factory.setTrustStorePassword(TestCertificates.PASSWORD);
        factory.setConnectTimeoutMs(1000);
        settings.accept(factory);
        return factory;
    }

    /** Stores a session, reads it back through the store and checks Redis holds it, with a client of its own. */
    private static void assertSessionsWork(RedisTestServer redis, RedisSessionDataStoreFactory factory) throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory, "/app");
             UnifiedJedis check = redis.newClient())
        {
            RedisSessionDataStore store = harness.store();
            long now = System.currentTimeMillis();
            SessionData data = store.newSessionData("s1", now, now, now, TimeUnit.MINUTES.toMillis(30));
            data.setAttribute("colour", "red");
            store.store("s1", data);
            assertEquals("red", store.load("s1").getAttribute("colour"));
            assertTrue(check.exists(store.getKeys().session("s1")), "the session is in Redis");
        }
    }

    private static String failureOf(RedisSessionDataStoreFactory factory)
    {
        Throwable failure = assertThrows(Exception.class, () -> new StoreHarness(factory, "/app").close());
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause())
            messages.append(t).append('\n');
        return messages.toString();
    }

    @Test
    public void aTrustStoreIsEnoughForAServerThatAsksNoClientCertificate() throws Exception
    {
        try (RedisTestServer redis = RedisTestServer.startTls(CERTIFICATES.server()))
        {
            assertSessionsWork(redis, factory(redis, f -> { }));
        }
    }

    @Test
    public void withoutTheTrustStoreTheServersCertificateIsRefused() throws Exception
    {
        try (RedisTestServer redis = RedisTestServer.startTls(CERTIFICATES.server()))
        {
            // The JVM's default trust does not know the test CA.
            String message = failureOf(factory(redis, f -> f.setTrustStore(null)));
            assertTrue(message.contains(redis.uri()) && message.contains("see jetty.session.redis.trustStore"), message);
        }
    }

    @Test
    public void mutualTlsNeedsTheKeyStore() throws Exception
    {
        try (RedisTestServer redis = RedisTestServer.startTls(CERTIFICATES.server(), "--tls-auth-clients", "yes"))
        {
            // With TLS 1.3 the server refuses the missing certificate after the client's handshake ended: the
            // client reads its alert (certificate_required) or, racing it, finds the connection closed; either
            // way the message names the key store.
            String message = failureOf(factory(redis, f -> { }));
            assertTrue(message.contains(redis.uri()) && message.contains("see jetty.session.redis.keyStore"), message);
            assertSessionsWork(redis, factory(redis, f ->
            {
                f.setKeyStore(CERTIFICATES.clientKeyStore().toString());
                f.setKeyStorePassword(TestCertificates.PASSWORD);
            }));
        }
    }

    @Test
    public void aCertificateForAnotherHostIsRefusedUnlessHostNamesAreNotVerified() throws Exception
    {
        try (RedisTestServer redis = RedisTestServer.startTls(CERTIFICATES.wrongHost()))
        {
            String message = failureOf(factory(redis, f -> { }));
            assertTrue(message.contains(redis.uri()) && message.contains("No subject alternative names matching IP address 127.0.0.1") &&
                message.contains("does not name the host; see jetty.session.redis.verifyHostname"), message);
            assertSessionsWork(redis, factory(redis, f -> f.setVerifyHostname(false)));
        }
    }

    private static JettyNode tlsNode(String name, RedisTestServer redis, String prefix, JettyNode.Cache cache) throws Exception
    {
        JettyNode node = new JettyNode(name, redis.uri(), prefix, cache, JettyNode.newCounter());
        CERTIFICATES.configure(node.sessions());
        return node.start();
    }

    @Test
    public void twoNodesOverMutualTlsHearEachOthersDeletionsAndStayCoherent() throws Exception
    {
        String prefix = RedisTestServer.uniquePrefix();
        HttpClient browser = new HttpClient();
        browser.start();
        try (RedisTestServer redis = RedisTestServer.startTls(CERTIFICATES.server(), "--tls-auth-clients", "yes");
             JettyNode a = tlsNode("nodeA", redis, prefix, JettyNode.Cache.DEFAULT);
             JettyNode b = tlsNode("nodeB", redis, prefix, JettyNode.Cache.DEFAULT);
             JettyNode coherentA = tlsNode("coherentA", redis, prefix, JettyNode.Cache.REDIS);
             JettyNode coherentB = tlsNode("coherentB", redis, prefix, JettyNode.Cache.REDIS))
        {
            // DefaultSessionCache asks Redis nothing of a session it holds: only the deletion broadcast, heard over
            // the listener's own TLS connection, drops B's copy before B's next request.
            String id = browser.GET(a.url("op=create")).getContentAsString();
            browser.GET(a.url("op=set&name=colour&value=red"));
            assertEquals("red", browser.GET(b.url("op=get&name=colour")).getContentAsString(), "B holds the session");
            assertTrue(b.holdsInMemory(id));
            browser.GET(a.url("op=invalidate"));
            Await.until("B drops its copy when it hears A's deletion", Duration.ofSeconds(10), () -> !b.holdsInMemory(id));
            assertEquals("none", browser.GET(b.url("op=get&name=colour")).getContentAsString());

            browser.GET(coherentA.url("op=create"));
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 6; i++)
                seen.add(browser.GET((i % 2 == 0 ? coherentA : coherentB).url("op=incr&name=n")).getContentAsString());
            assertEquals(List.of("1", "2", "3", "4", "5", "6"), seen);
        }
        finally
        {
            browser.stop();
        }
    }
}
