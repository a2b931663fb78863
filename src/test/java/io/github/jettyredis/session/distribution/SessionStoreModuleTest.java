package io.github.jettyredis.session.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.SessionIdLimitHandler;
import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.ids.GeneratedSessionIdManager;
import io.github.jettyredis.session.ids.SessionIdGenerator;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks {@code modules/session-store-redis.mod} and {@code config/etc/sessions/redis/session-store.xml}
 * against the build and the factory, so that neither drifts: the jars the module fetches are exactly the
 * runtime jars jetty-home lacks, at the versions the build uses; every property of the XML is documented
 * with its default; the XML's defaults are the factory's; a bad value stops the server naming the property.
 */
class SessionStoreModuleTest
{
    private static final String MODULE_NAME = "modules/session-store-redis.mod";
    private static final Path MODULE = BuildLayout.projectDir().resolve(MODULE_NAME);
    private static final Path XML = BuildLayout.projectDir().resolve("config/etc/sessions/redis/session-store.xml");
    /** The modules that fetch jars: together, they fetch every jar the build resolves, once. */
    private static final List<Path> JAR_MODULES = List.of(MODULE);
    private static final Pattern FILE = Pattern.compile("maven://([^/]+)/([^/]+)/([^/|]+)\\|lib/redis/(.+)");
    /** A jar of target/module-libs: artifactId, version (which starts with a digit). */
    private static final Pattern JAR = Pattern.compile("(.+?)-(\\d.*)\\.jar");
    private static final Pattern PROPERTY = Pattern.compile("<Property name=\"([^\"]+)\" default=\"([^\"]*)\"/>");

    /**
     * The versions written in the modules are the build's: pom.xml is the one source of truth, the module
     * repeats each version once, as {@code <artifactId>.version?=} in {@code [ini]}, and this test names the line
     * to change when the two differ. A failure lists every problem at once, each with what to write.
     */
    @Test
    void filesFetchEveryRuntimeJarJettyHomeDoesNotShipAtTheBuildsVersions() throws Exception
    {
        // What the build resolves, by artifactId: the version, and where it shows.
        Map<String, String> resolved = new TreeMap<>();
        Map<String, String> evidence = new HashMap<>();
        resolved.put("jetty-session-redis", pomVersion());
        evidence.put("jetty-session-redis", "pom.xml's <version>");
        TreeSet<String> needed = new TreeSet<>();
        needed.add("jetty-session-redis-" + pomVersion() + ".jar");
        try (Stream<Path> jars = Files.list(BuildLayout.moduleLibs()))
        {
            for (Path jar : (Iterable<Path>)jars::iterator)
            {
                String name = jar.getFileName().toString();
                Matcher parts = JAR.matcher(name);
                assertTrue(parts.matches(), "not artifact-version.jar: " + jar);
                resolved.put(parts.group(1), parts.group(2));
                evidence.put(parts.group(1), "target/module-libs/" + name);
                needed.add(name);
            }
        }

        List<String> problems = new ArrayList<>();
        TreeSet<String> fetched = new TreeSet<>();
        Map<String, String> fetchedWhere = new HashMap<>();
        for (Path path : JAR_MODULES)
        {
            ModuleFile module = ModuleFile.read(path);
            Map<String, ModuleFile.Line> versions = module.iniDefaultLines();
            List<ModuleFile.Line> unmatchedLibs = new ArrayList<>(module.entries("lib"));
            for (ModuleFile.Line line : module.entries("files"))
            {
                Matcher file = FILE.matcher(line.text());
                if (!file.matches())
                {
                    problems.add(module.where(line) + ": a [files] line must be maven://<groupId>/<artifactId>/${<artifactId>.version}|" +
                        "lib/redis/<artifactId>-${<artifactId>.version}.jar, not " + line.text());
                    continue;
                }
                String artifact = file.group(2);
                String property = artifact + ".version";
                String jar = "lib/redis/" + artifact + "-${" + property + "}.jar";
                String expected = "maven://" + file.group(1) + "/" + artifact + "/${" + property + "}|" + jar;
                if (!line.text().equals(expected))
                    problems.add(module.where(line) + ": write it as " + expected + " (the version once, in [ini], as " + property + ")");
                fetched.add(module.resolve(file.group(4)));
                String other = fetchedWhere.put(artifact, module.where(line));
                if (other != null)
                    problems.add(module.where(line) + ": " + artifact + " is fetched by " + other + " already: remove this line");

                if (!unmatchedLibs.removeIf(lib -> lib.text().equals(jar)))
                    problems.add(module.name() + " [lib]: add " + jar + " (" + module.where(line) + " fetches it, and only the jars [lib] " +
                        "names go on the class path)");

                String version = resolved.remove(artifact);
                ModuleFile.Line written = versions.get(property);
                if (version == null && other == null)
                    problems.add(module.where(line) + ": the build does not resolve " + artifact + " (not in target/module-libs): remove its " +
                        "[files], [lib] and [ini] lines");
                else if (written == null)
                    problems.add(module.name() + " [ini]: add " + property + "?=" + version + " (" + module.where(line) + " uses it)");
                else if (version != null && !module.iniDefaults().get(property).equals(version))
                    problems.add(module.where(written) + ": change " + written.text() + " to " + property + "?=" + version +
                        " (what the build resolves: " + evidence.get(artifact) + ")");
            }
            for (ModuleFile.Line lib : unmatchedLibs)
                problems.add(module.where(lib) + ": no [files] line fetches " + lib.text() + ": remove it, or fetch it as the other jars are");
        }
        resolved.forEach((artifact, version) -> problems.add("No module fetches " + evidence.get(artifact) + ": add to " + MODULE_NAME +
            " [files] maven://<groupId>/" + artifact + "/${" + artifact + ".version}|lib/redis/" + artifact + "-${" + artifact + ".version}.jar, " +
            "[lib] lib/redis/" + artifact + "-${" + artifact + ".version}.jar and [ini] " + artifact + ".version?=" + version +
            " (its groupId: ./mvnw dependency:tree)"));
        assertTrue(problems.isEmpty(), "The modules do not fetch what the build resolves:\n" + String.join("\n", problems));

        assertEquals(needed, fetched, "[files] must fetch this project's jar and every runtime dependency jetty-home lacks " +
            "(target/module-libs), at the versions the build resolves");
    }

    @Test
    void jarsGoOnTheServerClassPathByNameHiddenFromWebapps() throws IOException
    {
        ModuleFile module = ModuleFile.read(MODULE);
        assertFalse(module.entries("lib").isEmpty(), "[lib] must name the jars");
        for (ModuleFile.Line lib : module.entries("lib"))
        {
            assertFalse(lib.text().contains("*"), module.where(lib) + ": [lib] must name each jar; a glob also loads the jars of " +
                "old versions an upgrade left in the directory");
        }
        assertTrue(module.section("ini").contains("jetty.webapp.addHiddenClasses+=,${jetty.base.uri}/lib/redis/"), module.section("ini").toString());
        assertEquals(List.of("etc/sessions/redis/session-store.xml"), module.section("xml"));
        assertTrue(Files.exists(XML), XML.toString());
    }

    @Test
    void isASessionStoreThatInstallsWithoutQuestions() throws IOException
    {
        ModuleFile module = ModuleFile.read(MODULE);
        assertEquals(List.of("session-store"), module.section("provides"));
        assertEquals(List.of("sessions"), module.section("depend"));
        assertEquals(List.of("session"), module.section("tags"));
        // start.jar asks "Proceed (y/N)?" for a module with a [license] section, and without a terminal
        // installs nothing: the install contract must work from a script.
        assertEquals(List.of(), module.section("license"), "the licenses belong in comments, not in a [license] section");
    }

    @Test
    void iniTemplateDocumentsEveryPropertyOfTheXmlWithItsDefault() throws IOException
    {
        List<String> template = ModuleFile.read(MODULE).section("ini-template");
        Map<String, String> properties = xmlProperties();
        assertTrue(properties.size() >= 16, properties.toString());
        properties.forEach((name, defaultValue) ->
        {
            int line = template.indexOf("#" + name + "=" + defaultValue);
            assertTrue(line > 0, "[ini-template] must show #" + name + "=" + defaultValue + ":\n" + String.join("\n", template));
            int comment = line - 1;
            while (comment > 0 && !template.get(comment).startsWith("## "))
                comment--;
            assertTrue(template.get(comment).startsWith("## "), "a ## line must say what " + name + " does");
        });
    }

    @Test
    void xmlDefaultsAreTheFactorysDefaults() throws Exception
    {
        RedisSessionDataStoreFactory configured = configure(Map.of());
        RedisSessionDataStoreFactory plain = new RedisSessionDataStoreFactory();
        assertEquals(settings(plain), settings(configured));
    }

    @Test
    void xmlSetsEveryProperty() throws Exception
    {
        Map<String, String> properties = new HashMap<>();
        properties.put("jetty.session.redis.uri", "redis://redis.example:6380/2");
        properties.put("jetty.session.redis.user", "jetty");
        properties.put("jetty.session.redis.password", "secret");
        properties.put("jetty.session.redis.prefix", "app1:");
        properties.put("jetty.session.redis.connectTimeoutMs", "1500");
        properties.put("jetty.session.redis.socketTimeoutMs", " 2500 ");
        properties.put("jetty.session.redis.maxConnections", "32");
        properties.put("jetty.session.redis.clientName", "app1");
        properties.put("jetty.session.redis.serialFilter", "com.example.**");
        properties.put("jetty.session.redis.broadcastInvalidation", "false");
        properties.put("jetty.session.redis.clientFactory", PooledRedisClientFactory.class.getName());
        properties.put("jetty.session.redis.clientOptions", "a=b");
        properties.put("jetty.session.redis.idGenerator", CounterIds.class.getName());
        properties.put("jetty.session.redis.serializer", ProtobufAttributeSerializer.class.getName());
        properties.put("jetty.session.gracePeriod.seconds", "120");
        properties.put("jetty.session.savePeriod.seconds", "5");
        properties.put("jetty.session.redis.maxSessionIds", "3");
        assertEquals(xmlProperties().keySet(), properties.keySet(), "this test must set every property of the XML");

        Server server = new Server();
        RedisSessionDataStoreFactory factory = configure(server, properties);

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("uri", "redis://redis.example:6380/2");
        expected.put("user", "jetty");
        expected.put("prefix", "app1:");
        expected.put("connectTimeoutMs", 1500);
        expected.put("socketTimeoutMs", 2500);
        expected.put("maxConnections", 32);
        expected.put("clientName", "app1");
        expected.put("serialFilter", "com.example.**");
        expected.put("broadcastInvalidation", false);
        expected.put("clientFactoryClass", PooledRedisClientFactory.class.getName());
        expected.put("clientOptions", "a=b");
        expected.put("serializerClass", ProtobufAttributeSerializer.class.getName());
        expected.put("gracePeriodSec", 120);
        expected.put("savePeriodSec", 5);
        assertEquals(expected, settings(factory));
        assertEquals(3, server.getDescendant(SessionIdLimitHandler.class).getMaxSessionIds());
        GeneratedSessionIdManager ids = server.getBean(GeneratedSessionIdManager.class);
        assertNotNull(ids, "jetty.session.redis.idGenerator must install the id manager");
        assertEquals(CounterIds.class.getName(), ids.getIdGeneratorClass());
    }

    /** A SessionIdGenerator for the idGenerator property (ids need not be good in this test). */
    public static class CounterIds implements SessionIdGenerator
    {
        private final AtomicLong next = new AtomicLong();

        @Override
        public String newSessionId()
        {
            return "id" + next.incrementAndGet();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty.session.redis.connectTimeoutMs", "jetty.session.redis.socketTimeoutMs", "jetty.session.redis.maxSessionIds",
        "jetty.session.redis.maxConnections", "jetty.session.gracePeriod.seconds", "jetty.session.savePeriod.seconds"})
    void aMalformedNumberStopsTheServerNamingTheProperty(String property)
    {
        assertFailureNames(property + " must be a whole number, not 'abc'", Map.of(property, "abc"));
    }

    @Test
    void aMalformedBooleanStopsTheServerNamingTheProperty()
    {
        assertFailureNames("jetty.session.redis.broadcastInvalidation must be true or false, not 'yes'",
            Map.of("jetty.session.redis.broadcastInvalidation", "yes"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "jetty.session.redis.uri|foo://bar|jetty.session.redis.uri",
        "jetty.session.redis.prefix|app{1}:|jetty.session.redis.prefix",
        "jetty.session.redis.maxConnections|0|jetty.session.redis.maxConnections",
        "jetty.session.redis.maxSessionIds|0|jetty.session.redis.maxSessionIds",
        "jetty.session.redis.serializer|com.example.Missing|jetty.session.redis.serializer=com.example.Missing",
        "jetty.session.redis.clientFactory|java.lang.String|jetty.session.redis.clientFactory=java.lang.String",
        "jetty.session.redis.idGenerator|com.example.Missing|jetty.session.redis.idGenerator=com.example.Missing"
    })
    void anInvalidValueStopsTheServerNamingTheProperty(String property, String value, String message)
    {
        assertFailureNames(message, Map.of(property, value));
    }

    private static void assertFailureNames(String message, Map<String, String> properties)
    {
        Throwable failure = assertThrows(Throwable.class, () -> configure(properties));
        for (Throwable cause = failure; cause != null; cause = cause.getCause())
        {
            if (cause instanceof IllegalArgumentException && String.valueOf(cause.getMessage()).contains(message))
                return;
        }
        fail("Expected an IllegalArgumentException saying '" + message + "' among the causes of " + failure, failure);
    }

    /** Runs the module's XML as start.jar would, with these properties, on a new Server. */
    private static RedisSessionDataStoreFactory configure(Map<String, String> properties) throws Exception
    {
        return configure(new Server(), properties);
    }

    private static RedisSessionDataStoreFactory configure(Server server, Map<String, String> properties) throws Exception
    {
        XmlConfiguration xml = new XmlConfiguration(ResourceFactory.of(server).newResource(XML));
        xml.getProperties().putAll(properties);
        xml.configure(server);
        RedisSessionDataStoreFactory factory = server.getBean(RedisSessionDataStoreFactory.class);
        assertNotNull(factory, "the XML must add the factory as a bean of the Server");
        return factory;
    }

    private static Map<String, Object> settings(RedisSessionDataStoreFactory factory)
    {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("uri", factory.getUri());
        settings.put("user", factory.getUser());
        settings.put("prefix", factory.getPrefix());
        settings.put("connectTimeoutMs", factory.getConnectTimeoutMs());
        settings.put("socketTimeoutMs", factory.getSocketTimeoutMs());
        settings.put("maxConnections", factory.getMaxConnections());
        settings.put("clientName", factory.getClientName());
        settings.put("serialFilter", factory.getSerialFilter());
        settings.put("broadcastInvalidation", factory.isBroadcastInvalidation());
        settings.put("clientFactoryClass", factory.getClientFactoryClass());
        settings.put("clientOptions", factory.getClientOptions());
        settings.put("serializerClass", factory.getSerializerClass());
        settings.put("gracePeriodSec", factory.getGracePeriodSec());
        settings.put("savePeriodSec", factory.getSavePeriodSec());
        return settings;
    }

    /** @return every {@code <Property name default>} of the XML */
    private static Map<String, String> xmlProperties() throws IOException
    {
        Map<String, String> properties = new LinkedHashMap<>();
        Matcher property = PROPERTY.matcher(Files.readString(XML));
        while (property.find())
            properties.put(property.group(1), property.group(2));
        return properties;
    }

    private static String pomVersion() throws Exception
    {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(BuildLayout.projectDir().resolve("pom.xml").toFile()).getDocumentElement();
        for (var node = project.getFirstChild(); node != null; node = node.getNextSibling())
        {
            if (node instanceof Element element && element.getTagName().equals("version"))
                return element.getTextContent().trim();
        }
        throw new IllegalStateException("pom.xml has no version");
    }
}
