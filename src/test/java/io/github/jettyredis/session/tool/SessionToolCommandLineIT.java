// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.distribution.BuildLayout;
import io.github.jettyredis.session.testing.ChildJvm;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line the README documents, run as a user would: {@code java -cp
 * "$JETTY_BASE/lib/redis/*:$JETTY_HOME/lib/*:$JETTY_HOME/lib/logging/*" io.github.jettyredis.session.tool.SessionTool ...},
 * in a JVM of its own, with the packaged jar and the jars the module puts in {@code lib/redis/} (and nothing of
 * the test class path), against a Redis holding a session a real store wrote.
 */
public class SessionToolCommandLineIT
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @TempDir
    Path jettyBase;

    /** @return the documented class path, on a base whose {@code lib/redis/} holds what the modules fetch */
    private String classPath() throws IOException
    {
        Path libRedis = Files.createDirectories(jettyBase.resolve("lib/redis"));
        Files.copy(BuildLayout.projectJar(), libRedis.resolve(BuildLayout.projectJar().getFileName()));
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(BuildLayout.moduleLibs(), "*.jar"))
        {
            for (Path jar : jars)
                Files.copy(jar, libRedis.resolve(jar.getFileName()));
        }
        Path jettyHome = BuildLayout.jettyHome();
        return String.join(File.pathSeparator, libRedis + File.separator + "*", jettyHome.resolve("lib") + File.separator + "*",
            jettyHome.resolve("lib/logging") + File.separator + "*");
    }

    private static ChildJvm.Result tool(String classPath, String... args) throws Exception
    {
        return ChildJvm.run(TIMEOUT, List.of("-cp", classPath), SessionTool.class.getName(), args);
    }

    @Test
    public void theDocumentedCommandLineListsShowsAndRefusesToDeleteWithoutYes() throws Exception
    {
        String prefix = RedisTestServer.uniquePrefix();
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(REDIS.uri());
        factory.setPrefix(prefix);
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            SessionToolTest.save(harness.store(), "cli1", 600_000, Map.of("user", "alice"));
        }
        String classPath = classPath();
        List<String> target = List.of("--uri", REDIS.uri(), "--prefix", prefix);

        ChildJvm.Result contexts = tool(classPath, with(target, "contexts"));
        assertEquals(0, contexts.exitCode(), contexts.output());
        assertTrue(contexts.output().lines().anyMatch(line -> line.matches("_app_0\\.0\\.0\\.0\\s+1\\s+0")), contexts.output());

        ChildJvm.Result show = tool(classPath, with(target, "show", "/app", "cli1", "--values"));
        assertEquals(0, show.exitCode(), show.output());
        assertTrue(show.output().lines().anyMatch(line -> line.matches("user\\s+string\\s+-\\s+7\\s+alice")), show.output());

        ChildJvm.Result refused = tool(classPath, with(target, "delete", "/app", "cli1"));
        assertEquals(2, refused.exitCode(), refused.output());
        ChildJvm.Result deleted = tool(classPath, with(target, "delete", "/app", "cli1", "--yes"));
        assertEquals(0, deleted.exitCode(), deleted.output());
        ChildJvm.Result gone = tool(classPath, with(target, "show", "/app", "cli1"));
        assertEquals(1, gone.exitCode(), gone.output());
        assertFalse(gone.output().contains("Exception"), "an error message, no stack trace: " + gone.output());
    }

    private static String[] with(List<String> first, String... more)
    {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }
}
