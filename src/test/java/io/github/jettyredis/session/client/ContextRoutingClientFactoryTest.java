// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Consumer;

import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.codec.EncryptingAttributeSerializer;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One client factory sends two webapps of one server to two Redis databases; configured in code, by class
 * name with client options, and as an object in Jetty XML (with an encrypting serializer, also from XML).
 */
public class ContextRoutingClientFactoryTest
{
    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    /** Where the Jetty XML test writes its file, removed after it. */
    @TempDir
    Path dir;

    /** Creates a session holding {@code owner=<context path>}; replies with the session id. */
    public static class OwnerServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException
        {
            request.getSession(true).setAttribute("owner", request.getContextPath());
            response.getWriter().print(request.getSession().getId());
        }
    }

    private String db(int n)
    {
        return REDIS.uri() + "/" + n;
    }

    /** Runs two contexts, /one and /two, creates a session in each, and checks which database holds it. */
    private void assertRoutedToOwnDatabases(Consumer<RedisSessionDataStoreFactory> configure) throws Exception
    {
        String prefix = RedisTestServer.uniquePrefix();
        RedisSessionDataStoreFactory sessions = new RedisSessionDataStoreFactory();
        sessions.setUri(db(0));
        sessions.setPrefix(prefix);
        configure.accept(sessions);

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        for (String path : new String[]{"/one", "/two"})
        {
            ServletContextHandler context = new ServletContextHandler(path, ServletContextHandler.SESSIONS);
            context.addServlet(OwnerServlet.class, "/");
            contexts.addHandler(context);
        }
        server.setHandler(contexts);
        server.addBean(sessions);
        HttpClient client = new HttpClient();
        try (UnifiedJedis db1 = RedisClient.create(db(1)); UnifiedJedis db2 = RedisClient.create(db(2)); UnifiedJedis db0 = RedisClient.create(db(0)))
        {
            server.start();
            client.start();
            String one = client.GET("http://127.0.0.1:" + connector.getLocalPort() + "/one/").getContentAsString();
            String two = client.GET("http://127.0.0.1:" + connector.getLocalPort() + "/two/").getContentAsString();
            byte[] oneKey = new SessionKeys(prefix, "_one", "0.0.0.0").session(one);
            byte[] twoKey = new SessionKeys(prefix, "_two", "0.0.0.0").session(two);
            Await.until("/one's session in database 1", Duration.ofSeconds(5), () -> db1.exists(oneKey));
            Await.until("/two's session in database 2", Duration.ofSeconds(5), () -> db2.exists(twoKey));
            assertFalse(db2.exists(oneKey) || db0.exists(oneKey), "/one only in database 1");
            assertFalse(db1.exists(twoKey) || db0.exists(twoKey), "/two only in database 2");
        }
        finally
        {
            client.stop();
            server.stop();
        }
    }

    @Test
    public void routesSetInCode() throws Exception
    {
        assertRoutedToOwnDatabases(sessions -> sessions.setClientFactory(
            new ContextRoutingClientFactory().route("/one", db(1)).route("/two", db(2))));
    }

    @Test
    public void routesByClassNameAndClientOptions() throws Exception
    {
        assertRoutedToOwnDatabases(sessions ->
        {
            sessions.setClientFactoryClass(ContextRoutingClientFactory.class.getName());
            sessions.setClientOptions("/one=" + db(1) + ",/two=" + db(2));
        });
    }

    @Test
    public void routesAndSerializerAsObjectsInJettyXml() throws Exception
    {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        String xml = """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure class="io.github.jettyredis.session.RedisSessionDataStoreFactory">
              <Set name="clientFactory">
                <New class="io.github.jettyredis.session.client.ContextRoutingClientFactory">
                  <Call name="route"><Arg>/one</Arg><Arg>%s</Arg></Call>
                  <Call name="route"><Arg>/two</Arg><Arg>%s</Arg></Call>
                </New>
              </Set>
              <Set name="serializer">
                <New class="io.github.jettyredis.session.codec.EncryptingAttributeSerializer"><Arg>k1:%s</Arg></New>
              </Set>
            </Configure>
            """.formatted(db(1), db(2), key);
        Path file = dir.resolve("sessions.xml");
        Files.writeString(file, xml);
        assertRoutedToOwnDatabases(sessions ->
        {
            try
            {
                new XmlConfiguration(ResourceFactory.root().newResource(file)).configure(sessions);
            }
            catch (Exception e)
            {
                throw new IllegalStateException(e);
            }
            assertTrue(sessions.getSerializer() instanceof EncryptingAttributeSerializer);
            assertEquals(Map.of("/one", db(1), "/two", db(2)), ((ContextRoutingClientFactory)sessions.getClientFactory()).getRoutes());
        });
    }
}
