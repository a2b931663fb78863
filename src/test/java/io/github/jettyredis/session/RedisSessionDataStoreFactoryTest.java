// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.client.TlsSettings;
import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import io.github.jettyredis.session.testing.TestCertificates;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.SessionHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configuration of the factory: what it hands to the stores, how bad settings fail, and how the client is
 * obtained, shared and closed.
 */
public class RedisSessionDataStoreFactoryTest
{
    private static RedisSessionDataStoreFactory factory(Consumer<RedisSessionDataStoreFactory> settings)
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(RedisTestServer.shared().uri());
        factory.setPrefix(RedisTestServer.uniquePrefix());
        settings.accept(factory);
        return factory;
    }

    private static String failureOf(RedisSessionDataStoreFactory factory)
    {
        Throwable failure = assertThrows(Exception.class, () -> new StoreHarness(factory, "/app").close());
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause())
            messages.append(t.getMessage()).append('\n');
        return messages.toString();
    }

    @Test
    public void unreachableRedisFailsTheStartNamingTheAddress() throws Exception
    {
        int port = RedisTestServer.freePort();
        String message = failureOf(factory(f ->
        {
            f.setUri("redis://user:s3cret@127.0.0.1:" + port);
            f.setConnectTimeoutMs(500);
        }));
        assertTrue(message.contains("127.0.0.1:" + port), message);
        assertTrue(message.contains("jetty.session.redis.uri"), message);
        assertTrue(!message.contains("s3cret"), "the password must not appear: " + message);
    }

    @Test
    public void unreachableClusterOrSentinelFailsTheStartNamingTheAddress() throws Exception
    {
        int port = RedisTestServer.freePort();
        for (String uri : new String[]{"redis-cluster://user:s3cret@127.0.0.1:" + port, "redis-sentinel://user:s3cret@127.0.0.1:" + port + "/mymaster"})
        {
            String message = failureOf(factory(f ->
            {
                f.setUri(uri);
                f.setConnectTimeoutMs(500);
            }));
            assertTrue(message.contains("127.0.0.1:" + port), message);
            assertTrue(message.contains("jetty.session.redis.uri"), message);
            assertTrue(!message.contains("s3cret"), "the password must not appear: " + message);
        }
    }

    @Test
    public void clientOptionsAreShownWithTheirPasswordsMasked()
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setClientOptions("/shop=redis://shop:s3cret@10.0.0.5:6379/0,/admin=redis://127.0.0.1:6379/3");
        assertEquals("/shop=redis://shop:****@10.0.0.5:6379/0,/admin=redis://127.0.0.1:6379/3", factory.getClientOptions());
    }

    @Test
    public void badSettingsFailTheStartNamingTheProperty()
    {
        String[][] cases = {
            {"jetty.session.redis.uri", "http://127.0.0.1:6379"},
            {"jetty.session.redis.uri", "redis://127.0.0.1:6379/notanumber"},
            {"jetty.session.redis.uri", "redis-cluster://127.0.0.1:7000,127.0.0.1:7001/2"},
            {"jetty.session.redis.uri", "redis-sentinel://127.0.0.1:26379"},
            {"jetty.session.redis.prefix", "bad{prefix}"},
            {"jetty.session.redis.connectTimeoutMs", "0"},
            {"jetty.session.redis.maxConnections", "-1"},
            {"jetty.session.redis.pipelinesInFlight", "-1"},
            {"jetty.session.redis.clientFactoryClass", "com.example.NoSuchFactory"},
            {"jetty.session.redis.clientFactoryClass", "java.lang.String"},
            {"jetty.session.redis.serializerClass", "com.example.NoSuchSerializer"},
            {"jetty.session.redis.serialFilter", "maxdepth=notanumber"},
        };
        for (String[] c : cases)
        {
            String property = c[0];
            String value = c[1];
            RedisSessionDataStoreFactory factory = factory(f ->
            {
                switch (property)
                {
                    case "jetty.session.redis.uri" -> f.setUri(value);
                    case "jetty.session.redis.prefix" -> f.setPrefix(value);
                    case "jetty.session.redis.connectTimeoutMs" -> f.setConnectTimeoutMs(Integer.parseInt(value));
                    case "jetty.session.redis.maxConnections" -> f.setMaxConnections(Integer.parseInt(value));
                    case "jetty.session.redis.pipelinesInFlight" -> f.setPipelinesInFlight(Integer.parseInt(value));
                    case "jetty.session.redis.clientFactoryClass" -> f.setClientFactoryClass(value);
                    case "jetty.session.redis.serializerClass" -> f.setSerializerClass(value);
                    case "jetty.session.redis.serialFilter" -> f.setSerialFilter(value);
                    default -> throw new IllegalArgumentException(property);
                }
            });
            String message = failureOf(factory);
            assertTrue(message.contains(property), property + "=" + value + " gave: " + message);
        }
    }

    /**
     * A TLS store that cannot be read fails the start naming its property, before anything connects (the
     * URI names no server), and no password shows in the message or in the settings.
     */
    @Test
    public void badTlsStoresFailTheStartNamingTheProperty() throws Exception
    {
        TestCertificates certificates = TestCertificates.shared();
        String trust = certificates.trustStore().toString();
        String keys = certificates.clientKeyStore().toString();
        String missing = certificates.trustStore().resolveSibling("missing.p12").toString();
        List<Object[]> cases = List.of(
            new Object[]{"jetty.session.redis.trustStore names no file", (Consumer<RedisSessionDataStoreFactory>)f -> f.setTrustStore(missing)},
            new Object[]{"jetty.session.redis.trustStorePassword is wrong", (Consumer<RedisSessionDataStoreFactory>)f ->
            {
                f.setTrustStore(trust);
                f.setTrustStorePassword("wr0ng-pass");
            }},
            new Object[]{"jetty.session.redis.trustStoreType is not a key store type", (Consumer<RedisSessionDataStoreFactory>)f ->
            {
                f.setTrustStore(trust);
                f.setTrustStoreType("NOSUCHTYPE");
            }},
            new Object[]{"jetty.session.redis.keyStore names no file", (Consumer<RedisSessionDataStoreFactory>)f -> f.setKeyStore(missing)},
            new Object[]{"jetty.session.redis.keyStorePassword is wrong", (Consumer<RedisSessionDataStoreFactory>)f ->
            {
                f.setKeyStore(keys);
                f.setKeyStorePassword("wr0ng-pass");
            }},
            new Object[]{"jetty.session.redis.keyStore holds no private key", (Consumer<RedisSessionDataStoreFactory>)f ->
            {
                f.setKeyStore(trust);
                f.setKeyStorePassword(TestCertificates.PASSWORD);
            }});
        for (Object[] c : cases)
        {
            @SuppressWarnings("unchecked")
            Consumer<RedisSessionDataStoreFactory> settings = (Consumer<RedisSessionDataStoreFactory>)c[1];
            RedisSessionDataStoreFactory factory = factory(f ->
            {
                f.setUri("rediss://127.0.0.1:1");
                settings.accept(f);
            });
            IllegalArgumentException validation = assertThrows(IllegalArgumentException.class, factory::validate);
            assertTrue(validation.getMessage().startsWith((String)c[0]), c[0] + " expected, not: " + validation.getMessage());
            assertTrue(!validation.getMessage().contains("wr0ng-pass"), validation.getMessage());
            String message = failureOf(factory);
            assertTrue(message.contains((String)c[0]), c[0] + " expected, not: " + message);
        }
    }

    @Test
    public void theStoreStatesItsEffectiveConfiguration() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(f ->
        {
            f.setMaxAttributeBytes(1000);
            f.setSocketTimeoutMs(1500);
        }), "/app"))
        {
            // Passwords show as **** (tlsPasswordsAreNeverShown, and RedisClientSettings for the Redis password).
            String configuration = harness.store().getConfiguration();
            assertTrue(configuration.contains("password=none"), configuration);
            assertTrue(configuration.contains("socketTimeoutMs=1500"), configuration);
            assertTrue(configuration.contains("maxAttributeBytes=1000"), configuration);
            assertTrue(configuration.contains("serializer=" + ProtobufAttributeSerializer.class.getName()), configuration);
            // Jetty's dump of the server shows it too.
            assertTrue(harness.server().dump().contains("maxAttributeBytes=1000"), "dump");
            assertTrue(configuration.contains("clientFactory=" + PooledRedisClientFactory.class.getName()), configuration);
        }
    }

    @Test
    public void theConfigurationNamesAClientFactoryOfTheUsersOwn() throws Exception
    {
        // Such a factory is given the settings and may build its client from anything else: the start's line
        // must not let the settings pass for where the sessions are.
        try (StoreHarness harness = new StoreHarness(factory(f -> f.setClientFactory(new RecordingClientFactory())), "/app"))
        {
            String configuration = harness.store().getConfiguration();
            assertTrue(configuration.contains("clientFactory=" + RecordingClientFactory.class.getName()), configuration);
        }
    }

    @Test
    public void tlsPasswordsAreNeverShown()
    {
        // No files: nothing to open with the passwords, which are only carried.
        TlsSettings tls = new TlsSettings(null, "s3cret-trust", "PKCS12", null, "s3cret-key", "PKCS12", true);
        String shown = new RedisClientSettings("rediss://127.0.0.1:6380", null, null, 1, 1, 1, null, null, tls).toString();
        assertTrue(!shown.contains("s3cret"), shown);
        assertTrue(shown.contains("trustStorePassword=****") && shown.contains("keyStorePassword=****"), shown);
    }

    @Test
    public void byDefaultThePoolHasAConnectionForEachRequestTheServerRunsAtOnce() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(f -> { }), "/app"))
        {
            assertEquals(new QueuedThreadPool().getMaxThreads(), harness.store().getMaxConnections(), "Jetty's default pool: 200 threads");
        }
        RedisSessionDataStoreFactory sized = factory(f -> { });
        assertEquals(8, sized.poolSizeFor(sessionsOnThreads(new QueuedThreadPool(4))), "at least 8");
        assertEquals(100, sized.poolSizeFor(sessionsOnThreads(new QueuedThreadPool(100))));
        assertEquals(256, sized.poolSizeFor(sessionsOnThreads(new QueuedThreadPool(1000))), "at most 256");
        QueuedThreadPool virtual = new QueuedThreadPool(100);
        virtual.setUseVirtualThreads(true);
        // Java 21 and later run requests on virtual threads: no bound but 256. Java 17 has none, Jetty keeps to its threads.
        assertEquals(virtual.getVirtualThreadsExecutor() != null ? 256 : 100, sized.poolSizeFor(sessionsOnThreads(virtual)));
        assertEquals(64, sized.poolSizeFor(new SessionHandler()), "no server to ask");

        RedisSessionDataStoreFactory configured = factory(f -> f.setMaxConnections(16));
        assertEquals(16, configured.poolSizeFor(sessionsOnThreads(new QueuedThreadPool(100))), "a configured size is kept");
    }

    private static SessionHandler sessionsOnThreads(QueuedThreadPool threads)
    {
        SessionHandler sessions = new SessionHandler();
        sessions.setServer(new Server(threads));
        return sessions;
    }

    @Test
    public void storesGetGraceAndSavePeriodsAndPrefix() throws Exception
    {
        RedisSessionDataStoreFactory factory = factory(f ->
        {
            f.setGracePeriodSec(42);
            f.setSavePeriodSec(7);
        });
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            RedisSessionDataStore store = harness.store();
            assertEquals(42, store.getGracePeriodSec());
            assertEquals(7, store.getSavePeriodSec());
            assertEquals(factory.getPrefix(), store.getPrefix());
            assertEquals("_app_0.0.0.0", store.getKeys().context());
        }
    }

    /** Records what the factory is asked for, and hands out the default shared client. */
    public static class RecordingClientFactory extends PooledRedisClientFactory
    {
        final List<String> contexts = new ArrayList<>();
        final List<UnifiedJedis> released = new ArrayList<>();

        @Override
        public synchronized UnifiedJedis getClient(SessionContext context, RedisClientSettings settings)
        {
            contexts.add(context.getCanonicalContextPath() + "@" + settings.address());
            return super.getClient(context, settings);
        }

        @Override
        public synchronized void releaseClient(SessionContext context, UnifiedJedis client)
        {
            released.add(client);
            super.releaseClient(context, client);
        }
    }

    @Test
    public void oneClientIsSharedByTheContextsOfAFactoryAndClosedWhenTheyStop() throws Exception
    {
        RecordingClientFactory clients = new RecordingClientFactory();
        RedisSessionDataStoreFactory factory = factory(f -> f.setClientFactory(clients));
        Server server = new Server();
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        SessionHandler[] sessionHandlers = {new SessionHandler(), new SessionHandler()};
        String[] paths = {"/one", "/two"};
        for (int i = 0; i < 2; i++)
        {
            ContextHandler context = new ContextHandler(paths[i]);
            context.setHandler(sessionHandlers[i]);
            contexts.addHandler(context);
        }
        server.setHandler(contexts);
        server.addBean(factory);
        server.start();
        try
        {
            assertEquals(List.of("_one@" + RedisTestServer.shared().uri(), "_two@" + RedisTestServer.shared().uri()),
                clients.contexts.stream().sorted().toList());
        }
        finally
        {
            server.stop();
        }
        assertEquals(2, clients.released.size());
        assertSame(clients.released.get(0), clients.released.get(1));
        UnifiedJedis closed = clients.released.get(0);
        assertThrows(RuntimeException.class, closed::ping, "the shared client must be closed after the last store stops");
    }

    @Test
    public void clientFactoryByClassName() throws Exception
    {
        RedisSessionDataStoreFactory factory = factory(f -> f.setClientFactoryClass(RecordingClientFactory.class.getName()));
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            RecordingClientFactory clients = (RecordingClientFactory)factory.getClientFactory();
            assertEquals(List.of("_app@" + RedisTestServer.shared().uri()), clients.contexts);
            assertTrue(harness.store().exists("nothing") == false);
        }
    }
}
