// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.util.Jetty;

/**
 * The ee9 environment of jetty-home's {@code lib/} in a class loader of its own, below the test's, as a
 * jetty-base has it below the server's: ee9's Jetty classes and its Servlet 5 API, which it loads before
 * asking its parent, since the test's class path holds ee10's Servlet 6 API under the same package names.
 * The store's classes, on the test's class path, see none of it. Needs the jetty-home the build unpacks before
 * the integration tests ({@code dist.jettyHome}).
 */
public final class Ee9Environment extends URLClassLoader
{
    /** What the modules {@code ee9-servlet}, {@code ee9-security} and {@code ee9-webapp} put on the class path. */
    private static final List<String> JARS = List.of("jetty-jakarta-servlet-api-5.0.2.jar", "jetty-ee9-nested-%s.jar",
        "jetty-ee9-servlet-%s.jar", "jetty-ee9-security-%s.jar", "jetty-ee9-webapp-%s.jar");
    private static final String SERVLET_API = "jakarta.servlet.";

    private Ee9Environment(URL[] jars, ClassLoader parent)
    {
        super("ee9", jars, parent);
    }

    /**
     * @param parent the server's class loader
     * @return a new ee9 environment over jetty-home's jars; close it after the servers that use it
     */
    public static Ee9Environment load(ClassLoader parent) throws IOException
    {
        String home = System.getProperty("dist.jettyHome");
        if (home == null)
            throw new IllegalStateException("dist.jettyHome is not set: run this as an integration test (./mvnw verify)");
        Path lib = Path.of(home, "lib");
        String version = Jetty.VERSION;
        List<URL> jars = new ArrayList<>();
        for (String jar : JARS)
            jars.add(url(lib.resolve(jar.formatted(version))));
        return new Ee9Environment(jars.toArray(URL[]::new), parent);
    }

    private static URL url(Path jar) throws MalformedURLException
    {
        if (!jar.toFile().isFile())
            throw new IllegalStateException("Not in jetty-home: " + jar);
        return jar.toUri().toURL();
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException
    {
        if (!name.startsWith(SERVLET_API))
            return super.loadClass(name, resolve);
        synchronized (getClassLoadingLock(name))
        {
            Class<?> type = findLoadedClass(name);
            if (type == null)
                type = findClass(name);
            if (resolve)
                resolveClass(type);
            return type;
        }
    }
}
