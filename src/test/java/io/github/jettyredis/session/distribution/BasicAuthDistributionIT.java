// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A jetty-base with the {@code session-store-redis} module, {@code userSessions=true} in its ini and nothing
 * else of the project's: a webapp whose web.xml asks for BASIC authentication (a realm of Jetty XML) and a JSP
 * that uses the session. Its sessions are indexed under the users BASIC names, with no application code:
 * the module's factory inserts {@code AuthenticatedUserHandler}. In ee10, under the webapp's session handler; in
 * ee9, whose classes the environment's own class loader holds (the project jar, on the server's class path,
 * cannot see them), under the core context handler that wraps the webapp.
 */
public class BasicAuthDistributionIT
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private JettyProcess node;

    /** A Jakarta EE environment of jetty-home: its modules and the version of its web.xml. */
    enum Environment
    {
        EE10("6.0"),
        EE9("5.0");

        private final String webXmlVersion;

        Environment(String webXmlVersion)
        {
            this.webXmlVersion = webXmlVersion;
        }

        String modules()
        {
            String ee = name().toLowerCase(Locale.ROOT);
            return "http," + ee + "-deploy," + ee + "-jsp,security,session-store-redis";
        }
    }

    @AfterEach
    void killNode()
    {
        if (node != null)
            node.close();
    }

    @ParameterizedTest
    @EnumSource(Environment.class)
    void aBasicUsersSessionIsIndexedUnderTheUser(Environment environment) throws Exception
    {
        JettyBase base = new JettyBase(dir, BuildLayout.jettyHome()).copyModuleAndConfig().placeProjectJar(BuildLayout.projectJar());
        base.startJar(Duration.ofMinutes(3), "--add-modules=" + environment.modules());
        writeRealm(dir);
        writeWebapp(dir.resolve("webapps/app"), environment.webXmlVersion);

        String prefix = RedisTestServer.uniquePrefix();
        RedisTestServer redis = RedisTestServer.shared();
        node = JettyProcess.start("node1", base, RedisTestServer.freePort(), List.of(),
            List.of("jetty.http.host=127.0.0.1", "jetty.session.redis.uri=" + redis.uri(), "jetty.session.redis.prefix=" + prefix,
                "jetty.session.redis.userSessions=true", "etc/realm.xml"),
            Map.of(), dir.resolve("node1.log"), null);
        node.awaitReady("/app/ready.txt", START_TIMEOUT);

        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        who(browser, "alice");
        // Jetty renews the id at the first BASIC login that finds the session.
        String id = who(browser, "alice");
        assertEquals(id, who(browser, "alice"));

        SessionKeys keys = new SessionKeys(prefix, "_app", "0.0.0.0");
        try (UnifiedJedis jedis = redis.newClient())
        {
            byte[] alice = keys.user(SessionKeys.userToken("alice"));
            Await.until("alice's session in her index", Duration.ofSeconds(10),
                () -> Set.of(id).equals(Set.copyOf(jedis.zrange(new String(alice, StandardCharsets.UTF_8), 0, -1))));
            assertEquals(id, who(browser, "bob"), "bob on the same session");
            byte[] bob = keys.user(SessionKeys.userToken("bob"));
            Await.until("the session moved to bob's index", Duration.ofSeconds(10),
                () -> !jedis.exists(alice) && Set.of(id).equals(Set.copyOf(jedis.zrange(new String(bob, StandardCharsets.UTF_8), 0, -1))));
        }
        assertTrue(node.isAlive());
    }

    /** @return the session id the JSP shows, after checking that it names the user */
    private String who(HttpClient browser, String user) throws IOException, InterruptedException
    {
        String credentials = Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(node.uri("/app/secure/who.jsp"))
            .header("Authorization", "Basic " + credentials).GET().build();
        HttpResponse<String> page = browser.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        String text = page.body().strip();
        assertTrue(text.startsWith("user=" + user + " session="), text);
        return text.substring(text.indexOf("session=") + "session=".length());
    }

    private static void writeRealm(Path base) throws IOException
    {
        Path users = Files.writeString(base.resolve("etc/realm.properties"), "alice: secret,user\nbob: secret,user\n");
        Files.writeString(base.resolve("etc/realm.xml"), """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure id="Server" class="org.eclipse.jetty.server.Server">
              <Call id="resources" class="org.eclipse.jetty.util.resource.ResourceFactory" name="root"/>
              <Ref refid="resources"><Call id="realmFile" name="newResource"><Arg>%s</Arg></Call></Ref>
              <Call name="addBean">
                <Arg>
                  <New class="org.eclipse.jetty.security.HashLoginService">
                    <Set name="name">Test</Set>
                    <Set name="config"><Ref refid="realmFile"/></Set>
                  </New>
                </Arg>
              </Call>
            </Configure>
            """.formatted(users.toAbsolutePath()));
    }

    private static void writeWebapp(Path webapp, String webXmlVersion) throws IOException
    {
        Files.createDirectories(webapp.resolve("WEB-INF"));
        Files.createDirectories(webapp.resolve("secure"));
        Files.writeString(webapp.resolve("ready.txt"), "ready");
        Files.writeString(webapp.resolve("secure/who.jsp"), "user=<%= request.getRemoteUser() %> session=<%= session.getId() %>\n");
        Files.writeString(webapp.resolve("WEB-INF/web.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="%s">
              <security-constraint>
                <web-resource-collection><web-resource-name>secure</web-resource-name><url-pattern>/secure/*</url-pattern></web-resource-collection>
                <auth-constraint><role-name>user</role-name></auth-constraint>
              </security-constraint>
              <login-config><auth-method>BASIC</auth-method><realm-name>Test</realm-name></login-config>
              <security-role><role-name>user</role-name></security-role>
            </web-app>
            """.formatted(webXmlVersion));
    }
}
