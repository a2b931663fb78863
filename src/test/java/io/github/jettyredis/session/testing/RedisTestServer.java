package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Provides a real Redis for tests, never the shared one on 6379 unless {@code REDIS_URL} says so:
 * <ol>
 *   <li>{@code REDIS_URL} if set (shared; tests isolate themselves by key prefix and never flush it);</li>
 *   <li>else a {@code redis-server} from the PATH, started on a free port in a temporary directory;</li>
 *   <li>else the Linux binary shipped in {@code com.github.codemonstur:embedded-redis}.</li>
 * </ol>
 * (Docker is absent on the machines this project is built on; where it exists the first two still apply.)
 * {@link #shared()} is one server per test JVM; {@link #startPrivate()} gives a test its own server to
 * stop, restart or reconfigure; {@link #startSentinel} a sentinel. {@link RedisTestCluster} builds a Redis
 * Cluster of private servers.
 */
public final class RedisTestServer implements AutoCloseable
{
    private static RedisTestServer shared;

    private final String uri;
    private final Path dir;
    private final int port;
    private final String[] extraArgs;
    /** The config file of a sentinel (which must be writable: the sentinel rewrites it), else null. */
    private Path sentinelConfig;
    private Process process;

    private RedisTestServer(String uri, Path dir, int port, String... extraArgs)
    {
        this.uri = uri;
        this.dir = dir;
        this.port = port;
        this.extraArgs = extraArgs;
    }

    /** @return the server shared by all tests of this JVM, started on first use */
    public static synchronized RedisTestServer shared()
    {
        if (shared == null)
        {
            String url = System.getenv("REDIS_URL");
            shared = url != null && !url.isBlank() ? new RedisTestServer(url, null, URI.create(url).getPort()) : startPrivate();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /**
     * @param extraArgs more {@code redis-server} arguments, e.g. {@code "--requirepass", "secret"}
     * @return a new server of the caller's own, on a free port; close it when done
     */
    public static RedisTestServer startPrivate(String... extraArgs)
    {
        try
        {
            return startPrivate(freePort(), extraArgs);
        }
        catch (IOException e)
        {
            throw new IllegalStateException("Cannot start a redis-server for tests", e);
        }
    }

    /**
     * @param port the port to listen on, e.g. one that {@link #freePort()} gave
     * @param extraArgs more {@code redis-server} arguments, e.g. {@code "--cluster-enabled", "yes"}
     * @return a new server of the caller's own on that port; close it when done
     */
    public static RedisTestServer startPrivate(int port, String... extraArgs)
    {
        try
        {
            Path dir = Files.createTempDirectory("redis-test");
            RedisTestServer server = new RedisTestServer("redis://127.0.0.1:" + port, dir, port, extraArgs);
            server.start();
            return server;
        }
        catch (IOException e)
        {
            throw new IllegalStateException("Cannot start a redis-server for tests", e);
        }
    }

    /**
     * Starts a Redis Sentinel ({@code redis-server <conf> --sentinel}) that monitors one master, with a
     * quorum of 1 so that this single sentinel can fail it over.
     *
     * @param masterName the name the sentinel gives the master
     * @param masterPort the port of the master on 127.0.0.1
     * @param moreConfig more lines of sentinel configuration, e.g.
     * {@code "sentinel down-after-milliseconds mymaster 1000"} or {@code "sentinel auth-pass mymaster secret"}
     * @return a new sentinel of the caller's own, on a free port; its {@link #uri()} is
     * {@code redis://127.0.0.1:port}; close it when done
     */
    public static RedisTestServer startSentinel(String masterName, int masterPort, String... moreConfig)
    {
        try
        {
            Path dir = Files.createTempDirectory("redis-sentinel-test");
            int port = freePort();
            Path config = dir.resolve("sentinel.conf");
            List<String> lines = new ArrayList<>(List.of(
                "port " + port,
                "bind 127.0.0.1",
                "dir " + dir,
                "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 1"));
            lines.addAll(List.of(moreConfig));
            Files.write(config, lines);
            RedisTestServer sentinel = new RedisTestServer("redis://127.0.0.1:" + port, dir, port);
            sentinel.sentinelConfig = config;
            sentinel.start();
            return sentinel;
        }
        catch (IOException e)
        {
            throw new IllegalStateException("Cannot start a Redis Sentinel for tests", e);
        }
    }

    /** @return a free TCP port on the loopback interface */
    public static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /** Starts (or restarts) the process and waits until it answers. */
    public synchronized void start() throws IOException
    {
        if (dir == null)
            throw new IllegalStateException("Cannot start an external Redis: " + uri);
        List<String> command;
        if (sentinelConfig != null)
            // A sentinel takes its settings from its (rewritable) config file, which must come first.
            command = List.of(binary().toString(), sentinelConfig.toString(), "--sentinel");
        else
        {
            command = new ArrayList<>(List.of(binary().toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
            command.addAll(List.of(extraArgs));
        }
        process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
        awaitReady();
    }

    /** Kills the process, as a crash or network loss would look to clients. */
    public synchronized void kill() throws InterruptedException
    {
        if (process != null)
        {
            // SIGKILL ends a paused (SIGSTOPped) process as well.
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** Stops the process with SIGSTOP: it keeps its connections and data but answers nothing, as a stalled Redis. */
    public synchronized void pause() throws IOException, InterruptedException
    {
        signal("-STOP");
    }

    /** Lets a {@link #pause() paused} process run again with SIGCONT. */
    public synchronized void resume() throws IOException, InterruptedException
    {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException
    {
        if (process == null)
            throw new IllegalStateException("Not running: " + uri);
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0)
            throw new IOException("kill " + signal + " " + process.pid() + " failed");
    }

    @Override
    public synchronized void close()
    {
        try
        {
            kill();
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        deleteDir();
    }

    /** Removes the server's temporary directory (its log, a sentinel's config), once it is stopped. */
    private void deleteDir()
    {
        if (dir == null || !Files.exists(dir))
            return;
        try (java.util.stream.Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException e)
        {
            // Leaving a temporary directory behind is not worth failing a test for.
        }
    }

    /** @return the URI of this server, {@code redis://127.0.0.1:port} */
    public String uri()
    {
        return uri;
    }

    /** @return the port this server listens on */
    public int port()
    {
        return port;
    }

    /** @return a new client for test assertions; close it when done */
    public UnifiedJedis newClient()
    {
        return RedisClient.create(URI.create(uri));
    }

    /** @return a key prefix no other test uses, so tests can share one Redis without flushing it */
    public static String uniquePrefix()
    {
        return "test-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    private void awaitReady() throws IOException
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
                throw new IOException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
            try (UnifiedJedis client = newClient())
            {
                if ("PONG".equals(client.ping()))
                    return;
            }
            catch (JedisDataException e)
            {
                return; // it answered, with an error such as NOAUTH: it is up
            }
            catch (RuntimeException e)
            {
                last = new IOException(e);
            }
            try
            {
                TimeUnit.MILLISECONDS.sleep(20); // polling interval while waiting for the port to open
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException("redis-server did not answer on port " + port, last);
    }

    private static Path binary() throws IOException
    {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
        {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate))
                return candidate;
        }
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"))
        {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate))
                return candidate;
        }
        return embeddedBinary();
    }

    private static synchronized Path embeddedBinary() throws IOException
    {
        String resource = "redis-server-6.2.6-v5-linux-amd64";
        Path target = Path.of(System.getProperty("java.io.tmpdir"), "jetty-session-redis-" + resource);
        if (!Files.isExecutable(target))
        {
            try (InputStream in = RedisTestServer.class.getClassLoader().getResourceAsStream(resource))
            {
                if (in == null)
                    throw new IOException("No redis-server on the PATH and no " + resource + " in embedded-redis");
                Path tmp = Files.createTempFile(target.getParent(), "redis", ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                tmp.toFile().setExecutable(true);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return target;
    }
}
