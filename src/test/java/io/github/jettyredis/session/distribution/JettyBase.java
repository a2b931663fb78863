// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A {@code ${jetty.base}} directory on a real jetty-home, set up the way the README's install contract says:
 * copy {@code modules/} into {@code ${jetty.base}/modules/}, the contents of {@code config/} into
 * {@code ${jetty.base}/}, then {@code java -jar $JETTY_HOME/start.jar --add-modules=...}.
 */
public final class JettyBase
{
    private final Path dir;
    private final Path jettyHome;

    /**
     * @param dir the base directory; created if missing
     * @param jettyHome an unpacked jetty-home
     */
    public JettyBase(Path dir, Path jettyHome) throws IOException
    {
        this.dir = Files.createDirectories(dir).toAbsolutePath();
        this.jettyHome = jettyHome;
    }

    /** @return the base directory */
    public Path dir()
    {
        return dir;
    }

    /** @return the jetty-home this base runs on */
    public Path jettyHome()
    {
        return jettyHome;
    }

    /**
     * Copies a template base (start.d ini files, webapps) into this one.
     *
     * @param template the template directory, e.g. the project's {@code jetty-base/}
     * @return this
     */
    public JettyBase copyTemplate(Path template) throws IOException
    {
        copyTree(template, dir);
        return this;
    }

    /**
     * The file part of the install contract: {@code modules/} into {@code ${jetty.base}/modules/} and the
     * contents of {@code config/} into {@code ${jetty.base}/}.
     *
     * @return this
     */
    public JettyBase copyModuleAndConfig() throws IOException
    {
        copyTree(BuildLayout.projectDir().resolve("modules"), dir.resolve("modules"));
        copyTree(BuildLayout.projectDir().resolve("config"), dir);
        return this;
    }

    /**
     * Puts this project's jar where the module's {@code [files]} would put it, so that start.jar skips it:
     * a build that has not run {@code install} has it in no Maven repository. Everything else is still
     * fetched by the real {@code [files]}.
     *
     * @param projectJar {@code target/jetty-session-redis-<version>.jar}
     * @return this
     */
    public JettyBase placeProjectJar(Path projectJar) throws IOException
    {
        Path lib = Files.createDirectories(dir.resolve("lib/redis"));
        Files.copy(projectJar, lib.resolve(projectJar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        return this;
    }

    /**
     * Puts a jar of the given classes in {@code lib/ext/}, whose jars Jetty's {@code ext} module puts on the
     * server class path: where the README tells users to put a class of their own that a property names (a
     * {@code SessionIdGenerator}, a {@code RedisClientFactory}, ...).
     *
     * @param name the jar's name, without {@code .jar}
     * @param classes top-level classes compiled with the tests
     * @return this
     */
    public JettyBase placeExtJar(String name, Class<?>... classes) throws IOException
    {
        Path jar = Files.createDirectories(dir.resolve("lib/ext")).resolve(name + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)))
        {
            for (Class<?> type : classes)
            {
                String entry = type.getName().replace('.', '/') + ".class";
                try (InputStream in = type.getClassLoader().getResourceAsStream(entry))
                {
                    if (in == null)
                        throw new IllegalArgumentException("No " + entry + " for " + type);
                    out.putNextEntry(new JarEntry(entry));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return this;
    }

    /**
     * Assembles the demo webapp into {@code webapps/<name>/}.
     *
     * @param name the directory name, which is also the context path ({@code ROOT} is {@code /})
     * @return the webapp directory
     */
    public Path deployDemoWebapp(String name) throws IOException
    {
        Path webapp = dir.resolve("webapps").resolve(name);
        DemoWebapp.assemble(webapp);
        return webapp;
    }

    /**
     * Runs start.jar to completion in this base with no input (as a script or CI would), e.g.
     * {@code --add-modules=http,ee10-deploy,session-store-redis}.
     *
     * @param timeout how long it may take (it may download jars)
     * @param args start.jar arguments
     * @return its output
     * @throws IllegalStateException with its output if it fails or does not finish in time
     */
    public String startJar(Duration timeout, String... args) throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-jar", jettyHome.resolve("start.jar").toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(dir, "start-jar", ".log");
        Process process = new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
        try
        {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeout + ":\n" + Files.readString(output));
            String text = Files.readString(output);
            if (process.exitValue() != 0)
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ":\n" + text);
            return text;
        }
        finally
        {
            process.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }

    /** @return the java of the running JVM, to run Jetty with the same Java */
    static String javaExecutable()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Copies a directory tree, replacing files that exist.
     *
     * @param from the source directory
     * @param to the target directory
     */
    static void copyTree(Path from, Path to) throws IOException
    {
        try (Stream<Path> paths = Files.walk(from))
        {
            for (Path source : (Iterable<Path>)paths::iterator)
            {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source))
                    Files.createDirectories(target);
                else
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
