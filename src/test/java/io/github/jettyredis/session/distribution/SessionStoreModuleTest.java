// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import io.github.jettyredis.session.RedisSessionCacheFactory;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.SessionIdLimitHandler;
import io.github.jettyredis.session.StoreProperty;
import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.ids.GeneratedSessionIdManager;
import io.github.jettyredis.session.ids.SessionIdGenerator;
import io.github.jettyredis.session.testing.TestCertificates;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DefaultSessionIdManager;
import org.eclipse.jetty.session.HouseKeeper;
import org.eclipse.jetty.session.SessionIdManager;
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
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks the project's Jetty modules and their XML against the build and the code, so that none drifts:
 * {@code session-store-redis} ({@code config/etc/sessions/redis/session-store.xml}), {@code session-id-generator}
 * ({@code config/etc/sessions/session-id-generator.xml}) and {@code jetty-session-redis} (the project's jar, which
 * both depend on). The jars the modules fetch are exactly the runtime jars jetty-home lacks, at the versions the
 * build uses, and go on the class path by name; every property of an XML is documented in its module with its
 * default; the store XML's defaults are the factory's; a bad value stops the server naming the property.
 */
class SessionStoreModuleTest
{
    private static final String MODULE_NAME = "modules/session-store-redis.mod";
    private static final Path MODULE = BuildLayout.projectDir().resolve(MODULE_NAME);
    private static final Path XML = BuildLayout.projectDir().resolve("config/etc/sessions/redis/session-store.xml");
    private static final Path ID_MODULE = BuildLayout.projectDir().resolve("modules/session-id-generator.mod");
    private static final Path ID_XML = BuildLayout.projectDir().resolve("config/etc/sessions/session-id-generator.xml");
    private static final Path CACHE_MODULE = BuildLayout.projectDir().resolve("modules/session-cache-redis.mod");
    private static final Path CACHE_XML = BuildLayout.projectDir().resolve("config/etc/sessions/session-cache-redis.xml");
    private static final Path LIB_MODULE = BuildLayout.projectDir().resolve("modules/jetty-session-redis.mod");
    /** The modules that fetch jars: together, they fetch every jar the build resolves, once. */
    private static final List<Path> JAR_MODULES = List.of(LIB_MODULE, MODULE);
    private static final String ID_GENERATOR = "jetty.session.redis.idGenerator";
    private static final Pattern FILE = Pattern.compile("maven://([^/]+)/([^/]+)/([^/|]+)\\|lib/redis/(.+)");
    /** A jar of target/module-libs: artifactId, version (which starts with a digit). */
    private static final Pattern JAR = Pattern.compile("(.+?)-(\\d.*)\\.jar");
    /** A licence line at the top of a module: {@code #   artifactId[, artifactId...]: licence, URL}. */
    private static final Pattern LICENCE = Pattern.compile("#\\s+([a-z0-9_.-]+(?:,\\s*[a-z0-9_.-]+)*)(?:\\s*\\([^)]*\\))?:\\s.+");
    private static final Pattern PROPERTY = Pattern.compile("<Property name=\"([^\"]+)\"(?: deprecated=\"[^\"]*\")? default=\"([^\"]*)\"/>");
    /** A row of README's properties table: name and default, each in backquotes, or "none". */
    private static final Pattern README_ROW = Pattern.compile("^\\| `([^`]+)` \\| (?:`([^`]*)`|(none)[^|]*) \\|");

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
        for (Path path : JAR_MODULES)
        {
            ModuleFile module = ModuleFile.read(path);
            assertFalse(module.entries("lib").isEmpty(), module.name() + ": [lib] must name the jars");
            for (ModuleFile.Line lib : module.entries("lib"))
            {
                assertFalse(lib.text().contains("*"), module.where(lib) + ": [lib] must name each jar; a glob also loads the jars of " +
                    "old versions an upgrade left in the directory");
            }
        }
        ModuleFile lib = ModuleFile.read(LIB_MODULE);
        assertTrue(lib.section("ini").contains("jetty.webapp.addHiddenClasses+=,${jetty.base.uri}/lib/redis/"), lib.section("ini").toString());
        assertEquals(List.of("session", "internal"), lib.section("tags"), "a library of the other modules, left out of --list-modules");
        assertEquals(List.of(), lib.section("xml"));
        assertEquals(List.of("etc/sessions/redis/session-store.xml"), ModuleFile.read(MODULE).section("xml"));
        assertTrue(Files.exists(XML), XML.toString());
    }

    @Test
    void isASessionStoreThatInstallsWithoutQuestions() throws IOException
    {
        ModuleFile module = ModuleFile.read(MODULE);
        assertEquals(List.of("session-store"), module.section("provides"));
        assertEquals(List.of("sessions", "jetty-session-redis"), module.entries("depend").stream().map(ModuleFile.Line::text).toList());
        // Its XML checks that jetty.session.redis.idGenerator was installed, so the id module's XML runs first.
        assertEquals(List.of("session-id-generator"), module.entries("after").stream().map(ModuleFile.Line::text).toList());
        assertEquals(List.of("session"), module.section("tags"));
    }

    /**
     * start.jar asks "Proceed (y/N)?" when --add-modules enables a module with a [license] section and, without
     * a terminal, exits with nothing installed: the install contract must work from a script. The modules state
     * their licences in comments instead (see the top of session-store-redis.mod).
     */
    @Test
    void noModuleAsksToApproveALicence() throws IOException
    {
        try (Stream<Path> modules = Files.list(BuildLayout.projectDir().resolve("modules")))
        {
            for (Path path : (Iterable<Path>)modules::iterator)
            {
                ModuleFile module = ModuleFile.read(path);
                assertEquals(List.of(), module.section("license"), module.name() + ": licences belong in comments, not in a [license] section");
            }
        }
    }

    /** Each jar a module fetches has its licence written at the top of that module, named by artifactId. */
    @Test
    void everyFetchedJarHasItsLicenceWritten() throws IOException
    {
        for (Path path : JAR_MODULES)
        {
            ModuleFile module = ModuleFile.read(path);
            Set<String> listed = new HashSet<>();
            for (ModuleFile.Line line : module.header())
            {
                Matcher licence = LICENCE.matcher(line.text());
                if (licence.matches())
                    listed.addAll(List.of(licence.group(1).split(",\\s*")));
            }
            for (ModuleFile.Line line : module.entries("files"))
            {
                Matcher file = FILE.matcher(line.text());
                assertTrue(file.matches(), module.where(line));
                assertTrue(listed.contains(file.group(2)), module.where(line) + " fetches " + file.group(2) + ": write its licence at the " +
                    "top of " + module.name() + " as '#   " + file.group(2) + ": <licence>, <URL>'");
            }
        }
    }

    /** Like the sessions module's id manager, the generator has a module and an XML of its own, with no Redis. */
    @Test
    void theIdGeneratorIsAModuleOfItsOwn() throws Exception
    {
        ModuleFile module = ModuleFile.read(ID_MODULE);
        assertEquals(List.of("sessions", "jetty-session-redis"), module.entries("depend").stream().map(ModuleFile.Line::text).toList());
        assertEquals(List.of("etc/sessions/session-id-generator.xml"), module.section("xml"));
        assertEquals(List.of("session"), module.section("tags"));
        assertEquals(List.of(), module.section("provides"), "it works with any session store, and alongside any other module");
        assertEquals(List.of(), module.entries("files"), "it needs only the project's jar, which the jetty-session-redis module fetches");
        assertEquals(List.of(), module.entries("lib"));
        assertTrue(Files.exists(ID_XML), ID_XML.toString());

        // The store's XML no longer touches the server's id manager.
        Configured store = configure(Map.of(), XML);
        assertSame(store.jettysIds(), store.server().getBean(SessionIdManager.class), "the store module must leave the sessions module's id manager");
    }

    @Test
    void iniTemplateDocumentsEveryPropertyOfTheXmlWithItsDefault() throws IOException
    {
        Map<String, String> properties = xmlProperties(XML);
        assertTrue(properties.size() >= 16, properties.toString());
        // The store's XML reads jetty.session.redis.idGenerator only to check it was installed: the id module documents it.
        assertEquals("", properties.remove(ID_GENERATOR));
        assertDocumented(ModuleFile.read(MODULE), properties);
        assertFalse(ModuleFile.read(MODULE).section("ini-template").stream().anyMatch(line -> line.contains(ID_GENERATOR)),
            "the session-id-generator module's [ini-template] documents " + ID_GENERATOR);
    }

    /** The coherent cache is a session cache as Jetty's are, with the settings and defaults of session-cache-hash, and one of its own. */
    @Test
    void theCoherentCacheIsASessionCacheModuleWithJettysCacheSettings() throws Exception
    {
        ModuleFile module = ModuleFile.read(CACHE_MODULE);
        assertEquals(List.of("session-cache"), module.section("provides"));
        assertEquals(List.of("sessions", "session-store-redis"), module.entries("depend").stream().map(ModuleFile.Line::text).toList());
        assertEquals(List.of("etc/sessions/session-cache-redis.xml"), module.section("xml"));
        Map<String, String> properties = xmlProperties(CACHE_XML);
        assertDocumented(module, properties);
        // The same names and defaults as Jetty's own cache module (SessionStoreDistributionIT compares them with jetty-home's).
        assertEquals(Set.of("jetty.session.evictionPolicy", "jetty.session.saveOnInactiveEviction", "jetty.session.saveOnCreate",
            "jetty.session.removeUnloadableSessions", "jetty.session.flushOnResponseCommit", "jetty.session.invalidateOnShutdown",
            "jetty.session.redis.useHeldWhileRedisDown", "jetty.session.redis.leaseMs"), properties.keySet());
        assertEquals("true", properties.get("jetty.session.redis.useHeldWhileRedisDown"));
        assertEquals("2000", properties.get("jetty.session.redis.leaseMs"));

        Server server = new Server();
        XmlConfiguration xml = new XmlConfiguration(ResourceFactory.of(server).newResource(CACHE_XML));
        xml.getProperties().putAll(Map.of("jetty.session.evictionPolicy", "0", "jetty.session.flushOnResponseCommit", "false",
            "jetty.session.redis.useHeldWhileRedisDown", "false", "jetty.session.redis.leaseMs", "0"));
        xml.configure(server);
        RedisSessionCacheFactory factory = server.getBean(RedisSessionCacheFactory.class);
        assertEquals(0, factory.getEvictionPolicy());
        assertFalse(factory.isFlushOnResponseCommit());
        assertFalse(factory.isUseHeldWhileRedisDown());
        assertEquals(0, factory.getLeaseMs());
        assertFailureNames("jetty.session.evictionPolicy must be a whole number, not 'never'", CACHE_XML, Map.of("jetty.session.evictionPolicy", "never"));
        assertFailureNames("jetty.session.redis.leaseMs must be 0 (no leases) or more, not -1", CACHE_XML, Map.of("jetty.session.redis.leaseMs", "-1"));
    }

    @Test
    void idIniTemplateDocumentsEveryPropertyOfTheIdXmlWithItsDefault() throws IOException
    {
        Map<String, String> properties = xmlProperties(ID_XML);
        assertEquals(Map.of(ID_GENERATOR, ""), properties);
        assertDocumented(ModuleFile.read(ID_MODULE), properties);
    }

    /** Each property shows as {@code #name=default} in the module's [ini-template], after a {@code ##} line. */
    private static void assertDocumented(ModuleFile module, Map<String, String> properties)
    {
        List<String> template = module.section("ini-template");
        properties.forEach((name, defaultValue) ->
        {
            int line = template.indexOf("#" + name + "=" + defaultValue);
            assertTrue(line > 0, module.name() + " [ini-template] must show #" + name + "=" + defaultValue + ":\n" + String.join("\n", template));
            int comment = line - 1;
            while (comment > 0 && !template.get(comment).startsWith("## "))
                comment--;
            assertTrue(template.get(comment).startsWith("## "), "a ## line must say what " + name + " does");
        });
    }

    @Test
    void theXmlReadsEveryStorePropertyWithItsDefault() throws IOException
    {
        Map<String, String> expected = new LinkedHashMap<>();
        for (StoreProperty property : StoreProperty.values())
            expected.put(property.property(), property.defaultValue());
        // Read by the store's XML only to stop a base that names a generator without the id module.
        expected.put(ID_GENERATOR, "");
        assertEquals(expected, xmlProperties(XML), "session-store.xml must read each StoreProperty, with its default");
    }

    @Test
    void theReadmeTableShowsEveryPropertyWithItsDefault() throws IOException
    {
        Map<String, String> expected = new LinkedHashMap<>();
        for (StoreProperty property : StoreProperty.values())
        {
            String name = property.property().startsWith(StoreProperty.PROPERTY_PREFIX)
                ? property.property().substring(StoreProperty.PROPERTY_PREFIX.length()) : property.property();
            expected.put(name, property.defaultValue());
        }
        expected.put(ID_GENERATOR.substring(StoreProperty.PROPERTY_PREFIX.length()), "");
        Map<String, String> table = new LinkedHashMap<>();
        String readme = Files.readString(BuildLayout.projectDir().resolve("README.md"));
        String section = readme.substring(readme.indexOf("## Properties"), readme.indexOf("\n## ", readme.indexOf("## Properties") + 1));
        for (String line : section.lines().toList())
        {
            Matcher row = README_ROW.matcher(line);
            if (row.find())
                table.put(row.group(1), row.group(2) == null ? "" : row.group(2));
        }
        assertEquals(new TreeMap<>(expected), new TreeMap<>(table), "README's properties table must list every property with its default (none for empty)");
    }

    @Test
    void theFormerNamesOfTheClassPropertiesAreStillRead() throws Exception
    {
        RedisSessionDataStoreFactory factory = configure(Map.of(
            "jetty.session.redis.clientFactory", PooledRedisClientFactory.class.getName(),
            "jetty.session.redis.serializer", ProtobufAttributeSerializer.class.getName()), XML).factory();
        assertEquals(PooledRedisClientFactory.class.getName(), factory.getClientFactoryClass());
        assertEquals(ProtobufAttributeSerializer.class.getName(), factory.getSerializerClass());
    }

    @Test
    void xmlDefaultsAreTheFactorysDefaults() throws Exception
    {
        RedisSessionDataStoreFactory configured = configure(Map.of(), XML).factory();
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
        properties.put("jetty.session.redis.pipelinesInFlight", "0");
        properties.put("jetty.session.redis.clientName", "app1");
        properties.put("jetty.session.redis.maxAttributeBytes", "65536");
        properties.put("jetty.session.redis.maxSessionBytes", "0");
        properties.put("jetty.session.redis.serialFilter", "com.example.**");
        properties.put("jetty.session.redis.broadcastInvalidation", "false");
        properties.put("jetty.session.redis.metrics", "false");
        properties.put("jetty.session.redis.userSessions", "true");
        properties.put("jetty.session.redis.userAttribute", "login");
        properties.put("jetty.session.redis.maxSessionsPerUser", "3");
        properties.put("jetty.session.redis.whenMaxSessionsExceeded", "refuse");
        properties.put("jetty.session.redis.clientFactoryClass", PooledRedisClientFactory.class.getName());
        properties.put("jetty.session.redis.clientOptions", "a=b");
        properties.put("jetty.session.redis.idGenerator", CounterIds.class.getName());
        properties.put("jetty.session.redis.serializerClass", ProtobufAttributeSerializer.class.getName());
        properties.put("jetty.session.gracePeriod.seconds", "120");
        properties.put("jetty.session.savePeriod.seconds", "5");
        properties.put("jetty.session.redis.maxSessionIds", "3");
        // Real stores: the XML's validate() reads them.
        TestCertificates certificates = TestCertificates.shared();
        properties.put("jetty.session.redis.trustStore", certificates.trustStore().toString());
        properties.put("jetty.session.redis.trustStorePassword", TestCertificates.PASSWORD);
        properties.put("jetty.session.redis.trustStoreType", "pkcs12");
        properties.put("jetty.session.redis.keyStore", certificates.clientKeyStore().toString());
        properties.put("jetty.session.redis.keyStorePassword", TestCertificates.PASSWORD);
        properties.put("jetty.session.redis.keyStoreType", "pkcs12");
        properties.put("jetty.session.redis.verifyHostname", "false");
        assertEquals(xmlProperties(XML).keySet(), properties.keySet(), "this test must set every property of the XML");

        // With the id module's XML first, as start.jar orders them ([after] in session-store-redis.mod).
        Configured configured = configure(properties, ID_XML, XML);
        Server server = configured.server();
        RedisSessionDataStoreFactory factory = configured.factory();

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("uri", "redis://redis.example:6380/2");
        expected.put("user", "jetty");
        expected.put("prefix", "app1:");
        expected.put("connectTimeoutMs", 1500);
        expected.put("socketTimeoutMs", 2500);
        expected.put("maxConnections", 32);
        expected.put("pipelinesInFlight", 0);
        expected.put("clientName", "app1");
        expected.put("maxAttributeBytes", 65536);
        expected.put("maxSessionBytes", 0);
        expected.put("serialFilter", "com.example.**");
        expected.put("broadcastInvalidation", false);
        expected.put("metrics", false);
        expected.put("userSessions", true);
        expected.put("userAttribute", "login");
        expected.put("maxSessionsPerUser", 3);
        expected.put("whenMaxSessionsExceeded", "refuse");
        expected.put("clientFactoryClass", PooledRedisClientFactory.class.getName());
        expected.put("clientOptions", "a=b");
        expected.put("serializerClass", ProtobufAttributeSerializer.class.getName());
        expected.put("gracePeriodSec", 120);
        expected.put("savePeriodSec", 5);
        expected.put("trustStore", certificates.trustStore().toString());
        expected.put("trustStoreType", "pkcs12");
        expected.put("keyStore", certificates.clientKeyStore().toString());
        expected.put("keyStoreType", "pkcs12");
        expected.put("verifyHostname", false);
        assertEquals(expected, settings(factory));
        assertEquals(3, server.getDescendant(SessionIdLimitHandler.class).getMaxSessionIds());
        assertEquals(CounterIds.class.getName(), server.getBean(GeneratedSessionIdManager.class).getIdGeneratorClass());
    }

    @Test
    void idXmlInstallsTheGeneratorKeepingTheSessionsModulesWorkerNameAndHouseKeeper() throws Exception
    {
        Configured configured = configure(Map.of(ID_GENERATOR, CounterIds.class.getName()), ID_XML);
        Server server = configured.server();
        assertEquals(1, server.getBeans(SessionIdManager.class).size(), "one id manager: the sessions module's is taken out");
        GeneratedSessionIdManager ids = server.getBean(GeneratedSessionIdManager.class);
        assertNotNull(ids, ID_GENERATOR + " must install the id manager");
        assertEquals(CounterIds.class.getName(), ids.getIdGeneratorClass());
        assertEquals(configured.jettysIds().getWorkerName(), ids.getWorkerName());
        assertSame(configured.jettysIds().getSessionHouseKeeper(), ids.getSessionHouseKeeper());
        assertSame(ids, configured.ids().get("idMgr"), "an XML that runs later and configures idMgr must reach the id manager in use");
        assertEquals("id1", ids.newSessionId(0));
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
        "jetty.session.redis.maxConnections", "jetty.session.redis.pipelinesInFlight", "jetty.session.redis.maxSessionsPerUser", "jetty.session.gracePeriod.seconds",
        "jetty.session.savePeriod.seconds"})
    void aMalformedNumberStopsTheServerNamingTheProperty(String property)
    {
        assertFailureNames(property + " must be a whole number, not 'abc'", XML, Map.of(property, "abc"));
    }

    @Test
    void aMalformedBooleanStopsTheServerNamingTheProperty()
    {
        assertFailureNames("jetty.session.redis.broadcastInvalidation must be true or false, not 'yes'", XML,
            Map.of("jetty.session.redis.broadcastInvalidation", "yes"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "jetty.session.redis.uri|foo://bar|jetty.session.redis.uri",
        "jetty.session.redis.prefix|app{1}:|jetty.session.redis.prefix",
        "jetty.session.redis.maxConnections|-1|jetty.session.redis.maxConnections",
        "jetty.session.redis.pipelinesInFlight|-1|jetty.session.redis.pipelinesInFlight",
        "jetty.session.redis.maxAttributeBytes|-1|jetty.session.redis.maxAttributeBytes",
        "jetty.session.redis.maxSessionsPerUser|-1|jetty.session.redis.maxSessionsPerUser",
        "jetty.session.redis.whenMaxSessionsExceeded|drop-newest|jetty.session.redis.whenMaxSessionsExceeded",
        "jetty.session.redis.maxSessionBytes|-5|jetty.session.redis.maxSessionBytes",
        "jetty.session.redis.maxSessionIds|0|jetty.session.redis.maxSessionIds",
        "jetty.session.redis.serializerClass|com.example.Missing|jetty.session.redis.serializerClass=com.example.Missing",
        "jetty.session.redis.clientFactoryClass|java.lang.String|jetty.session.redis.clientFactoryClass=java.lang.String",
        "jetty.session.redis.serializer|com.example.Missing|jetty.session.redis.serializerClass=com.example.Missing",
        "jetty.session.redis.clientFactory|java.lang.String|jetty.session.redis.clientFactoryClass=java.lang.String"
    })
    void anInvalidValueStopsTheServerNamingTheProperty(String property, String value, String message)
    {
        assertFailureNames(message, XML, Map.of(property, value));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|jetty.session.redis.idGenerator must name a",
        "com.example.Missing|jetty.session.redis.idGenerator=com.example.Missing",
        "java.lang.String|jetty.session.redis.idGenerator=java.lang.String is not a"
    })
    void anInvalidOrMissingGeneratorStopsTheServerNamingTheProperty(String value, String message)
    {
        assertFailureNames(message, ID_XML, value.isEmpty() ? Map.of() : Map.of(ID_GENERATOR, value));
    }

    /** An ini written when the store's module installed the generator, on a base without the id module. */
    @Test
    void aGeneratorWithoutItsModuleStopsTheServerNamingTheModule()
    {
        assertFailureNames(ID_GENERATOR + "=" + CounterIds.class.getName() + " is set, but the session-id-generator module", XML,
            Map.of(ID_GENERATOR, CounterIds.class.getName()));
    }

    private static void assertFailureNames(String message, Path xml, Map<String, String> properties)
    {
        Throwable failure = assertThrows(Throwable.class, () -> configure(properties, xml));
        for (Throwable cause = failure; cause != null; cause = cause.getCause())
        {
            if (cause instanceof IllegalArgumentException && String.valueOf(cause.getMessage()).contains(message))
                return;
        }
        fail("Expected an IllegalArgumentException saying '" + message + "' among the causes of " + failure, failure);
    }

    /**
     * What start.jar made of a base.
     *
     * @param server the server
     * @param jettysIds the id manager the sessions module made
     * @param ids the XML ids after the last XML ran
     */
    private record Configured(Server server, SessionIdManager jettysIds, Map<String, Object> ids)
    {
        RedisSessionDataStoreFactory factory()
        {
            RedisSessionDataStoreFactory factory = server.getBean(RedisSessionDataStoreFactory.class);
            assertNotNull(factory, "the XML must add the factory as a bean of the Server");
            return factory;
        }
    }

    /**
     * Runs XMLs as start.jar does, in order on one Server with these properties, each seeing the ids of those
     * before, after what the sessions module's {@code etc/sessions/id-manager.xml} makes: a DefaultSessionIdManager
     * with a worker name and a house keeper, under the id {@code idMgr} (jetty-home itself is only unpacked for
     * the integration tests).
     */
    private static Configured configure(Map<String, String> properties, Path... xmls) throws Exception
    {
        Server server = new Server();
        DefaultSessionIdManager jettys = new DefaultSessionIdManager(server);
        jettys.setWorkerName("node7");
        jettys.setSessionHouseKeeper(new HouseKeeper());
        server.addBean(jettys, true);
        Map<String, Object> ids = new HashMap<>(Map.of("Server", server, "idMgr", jettys));
        for (Path path : xmls)
        {
            XmlConfiguration xml = new XmlConfiguration(ResourceFactory.of(server).newResource(path));
            xml.getIdMap().putAll(ids);
            xml.getProperties().putAll(properties);
            xml.configure();
            ids.putAll(xml.getIdMap());
        }
        return new Configured(server, jettys, ids);
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
        settings.put("pipelinesInFlight", factory.getPipelinesInFlight());
        settings.put("clientName", factory.getClientName());
        settings.put("maxAttributeBytes", factory.getMaxAttributeBytes());
        settings.put("maxSessionBytes", factory.getMaxSessionBytes());
        settings.put("serialFilter", factory.getSerialFilter());
        settings.put("broadcastInvalidation", factory.isBroadcastInvalidation());
        settings.put("metrics", factory.isMetrics());
        settings.put("userSessions", factory.isUserSessions());
        settings.put("userAttribute", factory.getUserAttribute());
        settings.put("maxSessionsPerUser", factory.getMaxSessionsPerUser());
        settings.put("whenMaxSessionsExceeded", factory.getWhenMaxSessionsExceeded());
        settings.put("clientFactoryClass", factory.getClientFactoryClass());
        settings.put("clientOptions", factory.getClientOptions());
        settings.put("serializerClass", factory.getSerializerClass());
        settings.put("gracePeriodSec", factory.getGracePeriodSec());
        settings.put("savePeriodSec", factory.getSavePeriodSec());
        settings.put("trustStore", factory.getTrustStore());
        settings.put("trustStoreType", factory.getTrustStoreType());
        settings.put("keyStore", factory.getKeyStore());
        settings.put("keyStoreType", factory.getKeyStoreType());
        settings.put("verifyHostname", factory.isVerifyHostname());
        return settings;
    }

    /** @return every {@code <Property name default>} of the XML */
    private static Map<String, String> xmlProperties(Path xml) throws IOException
    {
        Map<String, String> properties = new LinkedHashMap<>();
        Matcher property = PROPERTY.matcher(Files.readString(xml));
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
