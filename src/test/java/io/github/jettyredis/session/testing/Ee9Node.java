// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.DefaultSessionIdManager;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * One embedded node with an ee9 webapp at {@code /app} whose sessions live in Redis, with {@code userSessions}
 * on: {@link WhoServlet} at {@code /app/secure/who}, which its web.xml protects with BASIC authentication
 * (Jetty's {@link HashLoginService}, realm {@code test}, role {@code user}), and at {@code /app/open/who}, which
 * it does not. The webapp is an ee9 {@code WebAppContext} of an {@link Ee9Environment}, made by name: neither
 * the test nor the store links against ee9's classes, as in a jetty-base.
 */
public final class Ee9Node implements AutoCloseable
{
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final RedisSessionDataStoreFactory sessions = new RedisSessionDataStoreFactory();
    private final Ee9Environment environment;
    private final JettyNode.CompletionCounter completions;

    /**
     * @param name the node's worker name
     * @param redisUri the Redis all nodes share
     * @param prefix the key prefix all nodes share
     * @param users the login service's users file
     * @param environment the ee9 environment, shared by the nodes of a test
     * @param webapp an empty directory for the webapp
     */
    public Ee9Node(String name, String redisUri, String prefix, Path users, Ee9Environment environment, Path webapp) throws Exception
    {
        this.environment = environment;
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        DefaultSessionIdManager ids = new DefaultSessionIdManager(server);
        ids.setWorkerName(name);
        server.addBean(ids, true);
        sessions.setUri(redisUri);
        sessions.setPrefix(prefix);
        sessions.setUserSessions(true);
        server.addBean(sessions);
        server.addBean(JettyNode.Cache.DEFAULT.factory());
        server.addBean(new HashLoginService("test", ResourceFactory.root().newResource(users)));

        assemble(webapp);
        Object context = environment.loadClass("org.eclipse.jetty.ee9.webapp.WebAppContext")
            .getConstructor(String.class, String.class).newInstance(webapp.toString(), "/app");
        // An ee9 context is a Supplier of the core context handler that wraps it, the handler a server takes.
        @SuppressWarnings("unchecked")
        Handler coreContext = ((Supplier<Handler>)context).get();
        completions = new JettyNode.CompletionCounter(coreContext);
        server.setHandler(completions);
    }

    /** Its web.xml, and {@link WhoServlet}'s class file for its own loader (whose parent is ee9's, Servlet 5). */
    private static void assemble(Path webapp) throws IOException, URISyntaxException
    {
        String classFile = WhoServlet.class.getName().replace('.', '/') + ".class";
        Path classes = Path.of(WhoServlet.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path copy = webapp.resolve("WEB-INF/classes").resolve(classFile);
        Files.createDirectories(copy.getParent());
        Files.copy(classes.resolve(classFile), copy);
        Files.writeString(webapp.resolve("WEB-INF/web.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="5.0">
              <servlet><servlet-name>who</servlet-name><servlet-class>%s</servlet-class></servlet>
              <servlet-mapping><servlet-name>who</servlet-name><url-pattern>/secure/who</url-pattern><url-pattern>/open/who</url-pattern></servlet-mapping>
              <security-constraint>
                <web-resource-collection><web-resource-name>secure</web-resource-name><url-pattern>/secure/*</url-pattern></web-resource-collection>
                <auth-constraint><role-name>user</role-name></auth-constraint>
              </security-constraint>
              <login-config><auth-method>BASIC</auth-method><realm-name>test</realm-name></login-config>
              <security-role><role-name>user</role-name></security-role>
            </web-app>
            """.formatted(WhoServlet.class.getName()));
    }

    /** @return this node, started with ee9's loader as the context class loader (the webapp's loader's parent) */
    public Ee9Node start() throws Exception
    {
        Thread thread = Thread.currentThread();
        ClassLoader old = thread.getContextClassLoader();
        thread.setContextClassLoader(environment);
        try
        {
            server.start();
        }
        finally
        {
            thread.setContextClassLoader(old);
        }
        return this;
    }

    /**
     * @param path the path under the webapp, e.g. {@code secure/who}
     * @param query the query, possibly empty
     * @return the URL
     */
    public String url(String path, String query)
    {
        return "http://127.0.0.1:" + connector.getLocalPort() + "/app/" + path + "?" + query;
    }

    /** @return the webapp's store, found among the server's beans (the ee9 session handler's, by way of its cache) */
    public RedisSessionDataStore store()
    {
        List<RedisSessionDataStore> stores = List.copyOf(server.getContainedBeans(RedisSessionDataStore.class));
        if (stores.size() != 1)
            throw new IllegalStateException("Not one store: " + stores);
        return stores.get(0);
    }

    /** Waits until the node has finished every request it received, session saves included. */
    public void awaitIdle() throws InterruptedException
    {
        completions.awaitIdle();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
