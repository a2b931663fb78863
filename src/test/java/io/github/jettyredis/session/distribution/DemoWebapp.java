// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import io.github.jettyredis.session.demo.webapp.SessionDemoServlet;
import org.eclipse.jetty.logging.JettyLoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Assembles the demo webapp: its static part from {@code jetty-base/webapps/ROOT/} (web.xml), its classes
 * (the package of {@link SessionDemoServlet}, compiled with the tests) in {@code WEB-INF/classes}, and its
 * own Jedis with Jedis's dependencies and SLF4J in {@code WEB-INF/lib} (the server's copies are hidden from
 * webapps).
 */
public final class DemoWebapp
{
    private DemoWebapp()
    {
    }

    /**
     * @param webapp the directory to assemble the webapp in (e.g. {@code ${jetty.base}/webapps/ROOT})
     */
    public static void assemble(Path webapp) throws IOException
    {
        JettyBase.copyTree(BuildLayout.jettyBaseTemplate().resolve("webapps/ROOT"), webapp);

        String packagePath = SessionDemoServlet.class.getPackageName().replace('.', '/');
        Path classes = classesRoot().resolve(packagePath);
        JettyBase.copyTree(classes, Files.createDirectories(webapp.resolve("WEB-INF/classes").resolve(packagePath)));

        Path lib = Files.createDirectories(webapp.resolve("WEB-INF/lib"));
        try (Stream<Path> jars = Files.list(BuildLayout.moduleLibs()))
        {
            // The module libs minus protobuf: Jedis and what it needs; the webapp has no use for protobuf.
            for (Path jar : (Iterable<Path>)jars.filter(j -> !j.getFileName().toString().startsWith("protobuf-"))::iterator)
                Files.copy(jar, lib.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        // Jedis logs through SLF4J, which Jetty hides from webapps too: the webapp brings its own, with
        // Jetty's SLF4J provider so that Jedis's messages land in the node's log.
        for (Class<?> type : List.of(LoggerFactory.class, JettyLoggerFactory.class))
        {
            Path jar = location(type);
            Files.copy(jar, lib.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path classesRoot()
    {
        return location(SessionDemoServlet.class);
    }

    /** @return the jar or directory a class was loaded from */
    private static Path location(Class<?> type)
    {
        try
        {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        }
        catch (URISyntaxException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
