// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.github.jettyredis.session.distribution.BuildLayout;
import io.github.jettyredis.session.distribution.JettyBase;
import io.github.jettyredis.session.distribution.JettyProcess;
import io.github.jettyredis.session.testing.RedisTestServer;

/**
 * The two-node demo, run by {@code ./mvnw -Pdemo verify} after the build: makes {@code target/demo-base}
 * from the template {@code jetty-base/} plus {@code modules/} and {@code config/} (the install contract),
 * fetches the module's jars with {@code start.jar --create-files}, starts two Jetty nodes from the real
 * jetty-home with {@code java -jar start.jar}, and prints their URLs. Ctrl-C (or the end of this JVM) stops
 * both nodes and the redis-server it may have started.
 */
public final class DemoLauncher
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    // Read by the shutdown hook while run() may still be adding to it.
    private final List<JettyProcess> nodes = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private DemoRedis redis;

    private DemoLauncher()
    {
    }

    /**
     * @param args none; see the class comment and the README for the system properties it reads
     */
    public static void main(String[] args) throws Exception
    {
        DemoLauncher demo = new DemoLauncher();
        Runtime.getRuntime().addShutdownHook(new Thread(demo::stop, "demo-stop"));
        int exit = demo.run();
        if (!demo.stopping)
            System.exit(exit);
    }

    private int run() throws Exception
    {
        long started = System.nanoTime();
        String prefix = System.getProperty("jetty.session.redis.prefix", "");
        prefix = prefix.isBlank() ? "jetty-session-demo:" : prefix.trim();

        redis = DemoRedis.resolve();
        say("Redis: " + redis.maskedUri() + " (" + redis.origin() + ")");

        Path baseDir = BuildLayout.target().resolve("demo-base");
        deleteTree(baseDir);
        JettyBase base = new JettyBase(baseDir, BuildLayout.jettyHome())
            .copyTemplate(BuildLayout.jettyBaseTemplate())
            .copyModuleAndConfig()
            .placeProjectJar(BuildLayout.projectJar());
        base.deployDemoWebapp("ROOT");
        // The template's start.d enables the modules; this fetches their [files] (Jedis and friends into lib/redis).
        base.startJar(Duration.ofMinutes(5), "--create-files");
        say("Base: " + baseDir + " on " + base.jettyHome());

        int[] ports = ports(8081, 8082);
        String urls = "http://127.0.0.1:" + ports[0] + "/,http://127.0.0.1:" + ports[1] + "/";
        for (int i = 0; i < 2 && !stopping; i++)
        {
            String name = "node" + (i + 1);
            List<String> jvmArgs = List.of(
                // As system properties, so that the demo webapp can read them too (for the TTL it shows).
                "-Djetty.session.redis.uri=" + redis.uri(),
                "-Djetty.session.redis.prefix=" + prefix,
                "-Ddemo.nodes=" + urls);
            // Jetty names its session worker node<JETTY_WORKER_INSTANCE> (cookie suffix .node1, .node2).
            nodes.add(JettyProcess.start(name, base, ports[i], jvmArgs, List.of(), Map.of("JETTY_WORKER_INSTANCE", String.valueOf(i + 1)),
                baseDir.resolve("logs").resolve(name + ".log"), line -> System.out.println("[" + name + "] " + line)));
        }
        for (JettyProcess node : nodes)
            node.awaitReady("/favicon.ico", START_TIMEOUT);

        String rule = "=".repeat(100);
        System.out.println();
        System.out.println(rule);
        System.out.printf("  Two Jetty nodes share their sessions through Redis (up in %.1f s):%n", (System.nanoTime() - started) / 1e9);
        for (JettyProcess node : nodes)
            System.out.println("    " + node.name() + ": " + node.uri("/"));
        System.out.println("  Open node1, then node2: the same session, one visit counter; change its timeout and watch its TTL.");
        System.out.println("  Redis: " + redis.maskedUri() + ", keys " + prefix + "* (" + redis.origin() + ")");
        System.out.println("    e.g. redis-cli -p " + redis.port() + " --scan --pattern '" + prefix + "*'");
        System.out.println("  Logs: " + baseDir.resolve("logs"));
        System.out.println("  Ctrl-C stops everything the demo started.");
        System.out.println(rule);

        // Run until Ctrl-C; if a node dies on its own, stop the other one too.
        CompletableFuture.anyOf(nodes.stream().map(n -> n.process().onExit()).toArray(CompletableFuture[]::new)).join();
        if (stopping)
            return 0;
        for (JettyProcess node : nodes)
        {
            if (!node.isAlive())
                say(node.name() + " exited with " + node.process().exitValue() + "; see " + node.log());
        }
        return 1;
    }

    /** Stops the nodes (SIGTERM, then waits), then the redis-server the demo started, if any. */
    private void stop()
    {
        stopping = true;
        if (!nodes.isEmpty())
            say("Stopping the demo");
        for (JettyProcess node : nodes)
        {
            try
            {
                node.stop(STOP_TIMEOUT);
            }
            catch (InterruptedException | RuntimeException e)
            {
                node.close();
            }
        }
        if (redis != null)
            redis.close();
    }

    /** @return the preferred ports if both are free on 127.0.0.1, else two free ones */
    private static int[] ports(int first, int second) throws IOException
    {
        if (isFree(first) && isFree(second))
            return new int[]{first, second};
        int[] ports = {RedisTestServer.freePort(), RedisTestServer.freePort()};
        say("Port " + first + " or " + second + " is taken: using " + ports[0] + " and " + ports[1]);
        return ports;
    }

    private static boolean isFree(int port)
    {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress()))
        {
            return true;
        }
        catch (IOException e)
        {
            return false;
        }
    }

    private static void say(String message)
    {
        System.out.println("[demo] " + message);
    }

    private static void deleteTree(Path dir) throws IOException
    {
        if (!Files.exists(dir))
            return;
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (Path path : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
                Files.delete(path);
        }
    }
}
