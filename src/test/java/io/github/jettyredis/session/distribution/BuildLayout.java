// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Where the build puts what the distribution test and the demo use. The Maven build passes the paths of
 * jetty-home and the project jar as system properties ({@code dist.jettyHome}, {@code dist.projectJar});
 * without them (a run from an IDE after {@code ./mvnw verify}) they are looked up under {@code target/}.
 */
public final class BuildLayout
{
    private BuildLayout()
    {
    }

    /** @return the project's root directory (Maven runs tests and the demo there) */
    public static Path projectDir()
    {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /** @return {@code target/} */
    public static Path target()
    {
        return projectDir().resolve("target");
    }

    /** @return the unpacked jetty-home (maven-dependency-plugin, phase pre-integration-test) */
    public static Path jettyHome()
    {
        return existing(configured("dist.jettyHome", () -> single(target().resolve("jetty-home"), "jetty-home-")), "jetty-home");
    }

    /** @return the packaged jar of this project */
    public static Path projectJar()
    {
        return existing(configured("dist.projectJar", () -> single(target(), "jetty-session-redis-")), "the project jar");
    }

    /**
     * @return the runtime jars jetty-home does not ship: what the module's {@code [files]} fetch
     * (maven-dependency-plugin copy-dependencies, phase generate-test-resources)
     */
    public static Path moduleLibs()
    {
        return existing(target().resolve("module-libs"), "target/module-libs");
    }

    /** @return the template base: start.d/*.ini and the static part of the demo webapp */
    public static Path jettyBaseTemplate()
    {
        return projectDir().resolve("jetty-base");
    }

    private static Path configured(String property, Supplier<Path> fallback)
    {
        String value = System.getProperty(property);
        return value == null || value.isBlank() ? fallback.get() : Path.of(value);
    }

    private static Path single(Path dir, String namePrefix)
    {
        try (Stream<Path> entries = Files.list(dir))
        {
            List<Path> matches = entries.filter(p -> p.getFileName().toString().startsWith(namePrefix))
                .filter(p -> Files.isDirectory(p) || (p.toString().endsWith(".jar") && !p.toString().endsWith("-sources.jar") &&
                    !p.toString().endsWith("-tests.jar") && !p.toString().endsWith("-javadoc.jar")))
                .toList();
            if (matches.size() != 1)
                throw new IllegalStateException("Expected one " + namePrefix + "* in " + dir + ", found " + matches +
                    ": run ./mvnw verify (or ./mvnw -Pdemo verify) first");
            return matches.get(0);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException("Cannot list " + dir + ": run ./mvnw verify first", e);
        }
    }

    private static Path existing(Path path, String what)
    {
        if (!Files.exists(path))
            throw new IllegalStateException("No " + what + " at " + path + ": run ./mvnw verify (or ./mvnw -Pdemo verify) first");
        return path.toAbsolutePath();
    }
}
