// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Versions of a webapp's classes, compiled from source while a test runs, each version loaded by class loaders
 * of its own: one class name, two shapes, as a redeploy sees them. The loaders' parent is the platform loader,
 * so they see the JDK and nothing of the test class path.
 *
 * <p>All versions are compiled by one compiler run (as modules of their own, which may hold the same package),
 * since each run costs a few hundred milliseconds.</p>
 */
public final class WebappClasses implements AutoCloseable
{
    private final Path dir;
    private final List<URLClassLoader> loaders = new ArrayList<>();

    private WebappClasses(Path dir)
    {
        this.dir = dir;
    }

    /**
     * @param versions version name (a Java identifier) to its sources: binary class name (e.g. {@code shop.Order})
     * to the source of its compilation unit
     * @return the compiled versions; close them to close their loaders and delete their files
     * @throws IllegalStateException if the sources do not compile (the message holds the compiler's)
     */
    public static WebappClasses compile(Map<String, Map<String, String>> versions) throws IOException
    {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null)
            throw new IllegalStateException("No Java compiler in this JVM: the tests need a JDK");
        Path dir = Files.createTempDirectory("webapp-classes");
        try
        {
            List<String> arguments = new ArrayList<>(List.of("-proc:none", "--module-source-path", dir.resolve("src").toString(),
                "-d", dir.resolve("classes").toString(), "--module", String.join(",", versions.keySet())));
            for (Map.Entry<String, Map<String, String>> version : versions.entrySet())
            {
                Path sources = dir.resolve("src").resolve(version.getKey());
                Files.createDirectories(sources);
                Files.writeString(sources.resolve("module-info.java"), "module " + version.getKey() + " {}");
                for (Map.Entry<String, String> source : version.getValue().entrySet())
                {
                    Path file = sources.resolve(source.getKey().replace('.', '/') + ".java");
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, source.getValue());
                }
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            if (compiler.run(null, output, output, arguments.toArray(String[]::new)) != 0)
                throw new IllegalStateException("The sources do not compile:\n" + output.toString(StandardCharsets.UTF_8));
            return new WebappClasses(dir);
        }
        catch (IOException | RuntimeException e)
        {
            TempDirectories.delete(dir);
            throw e;
        }
    }

    /**
     * @param version a version compiled
     * @return its classes in a new class loader, so new classes: none initialized yet; closed with this
     */
    public Loader load(String version) throws IOException
    {
        Path classes = dir.resolve("classes").resolve(version);
        if (!Files.isDirectory(classes))
            throw new IllegalArgumentException("No version " + version);
        // On the class path: the compiled module-info is ignored, the classes are in the unnamed module, as a
        // webapp's are.
        URLClassLoader loader = new URLClassLoader(new URL[]{classes.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        synchronized (loaders)
        {
            loaders.add(loader);
        }
        return new Loader(loader);
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            synchronized (loaders)
            {
                for (URLClassLoader loader : loaders)
                    loader.close();
                loaders.clear();
            }
        }
        finally
        {
            TempDirectories.delete(dir);
        }
    }

    /**
     * One version's classes in a class loader of their own: a webapp as deployed once.
     *
     * @param loader the loader
     */
    public record Loader(ClassLoader loader)
    {
        /**
         * @param name a binary class name
         * @return the class of that name, not initialized
         */
        public Class<?> load(String name) throws ClassNotFoundException
        {
            return Class.forName(name, false, loader);
        }

        /**
         * Runs {@code task} with this loader as the thread context class loader, as Jetty runs a webapp's
         * requests (and the store's encoding and decoding of its sessions).
         *
         * @return what the task returns
         */
        public <T> T inContext(Callable<T> task) throws Exception
        {
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(loader);
            try
            {
                return task.call();
            }
            finally
            {
                thread.setContextClassLoader(previous);
            }
        }
    }
}
