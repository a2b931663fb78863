// SPDX-License-Identifier: Apache-2.0
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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The one way tests, the demo and the benchmarks start Redis: a real {@code redis-server} process, never the
 * shared one on 6379 unless {@code REDIS_URL} says so. The binary is the first {@code redis-server} on the
 * PATH (or in {@code /usr/bin}, {@code /usr/local/bin}, {@code /usr/sbin}), else the Linux binary shipped in
 * {@code com.github.codemonstur:embedded-redis}; each process runs on a free loopback port in a temporary
 * directory of its own, without persistence. Every kind of test Redis is built on it:
 * <ul>
 *   <li>{@link #shared()}: one server per JVM, or {@code REDIS_URL} if set; tests isolate themselves on it
 *   by key prefix ({@link #uniquePrefix()}) and never flush it;</li>
 *   <li>{@link #startPrivate(String...)}: a server of the caller's own, to kill, pause, restart, flush or
 *   read server-wide counters of; {@link PrivateRedis} gives one to a test class or to each test;</li>
 *   <li>{@link #startSentinel}: a Redis Sentinel watching a private server;</li>
 *   <li>{@link RedisTestCluster}: a Redis Cluster of private servers;</li>
 *   <li>{@link #startTls} and {@link #startTlsSentinel}: the same, listening with TLS only, with a
 *   certificate of {@link TestCertificates}.</li>
 * </ul>
 * (Docker is absent on the machines this project is built on; {@code RedisContainerStoreTest} uses it where
 * it exists.) A process still running when the JVM exits is killed by a shutdown hook, whatever the test did
 * (unless its owner stops it: {@link #stoppedByOwnerOnly()}).
 */
public final class RedisTestServer implements TestRedis, AutoCloseable
{
    /** Servers started and not closed: the shutdown hook closes them, so no redis-server outlives the JVM. */
    private static final Set<RedisTestServer> LIVE = ConcurrentHashMap.newKeySet();
    private static RedisTestServer shared;

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RedisTestServer::close), "redis-test-servers-stop"));
    }

    private final String uri;
    private final Path dir;
    private final int port;
    private final String[] extraArgs;
    /** The certificate of a TLS server (which then has no plain port), else null. */
    private final TestCertificates.ServerCertificate tls;
    /** The config file of a sentinel (which must be writable: the sentinel rewrites it), else null. */
    private Path sentinelConfig;
    private Process process;
    /** The server binary, if not the usual one ({@link #binary()}). */
    private Path serverBinary;
    /** Whether the shutdown hook leaves this server to its owner. */
    private volatile boolean ownerStops;

    private RedisTestServer(String uri, Path dir, int port, String... extraArgs)
    {
        this(uri, dir, port, null, extraArgs);
    }

    private RedisTestServer(String uri, Path dir, int port, TestCertificates.ServerCertificate tls, String... extraArgs)
    {
        this.uri = uri;
        this.dir = dir;
        this.port = port;
        this.tls = tls;
        this.extraArgs = extraArgs;
    }

    /** @return the server shared by all tests of this JVM, started on first use */
    public static synchronized RedisTestServer shared()
    {
        if (shared == null)
        {
            String url = System.getenv("REDIS_URL");
            shared = url != null && !url.isBlank() ? new RedisTestServer(url, null, URI.create(url).getPort()) : startPrivate();
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
     * @return a server of a newer line than the usual one's: Redis 7.2 or later, or Valkey (7.2 compatible),
     * whose commands and ACL rules Redis 7.0 lacks (e.g. {@code CLIENT SETINFO}): the binary the environment
     * variable {@code NEWER_REDIS_SERVER} names (what {@code .ci/valkey} prints), else a {@code valkey-server}
     * on the PATH; empty if there is neither
     */
    public static Optional<Path> newerBinary()
    {
        String named = System.getenv("NEWER_REDIS_SERVER");
        if (named != null && !named.isBlank())
            return Optional.of(Path.of(named)).filter(Files::isExecutable);
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
        {
            Path candidate = Path.of(dir, "valkey-server");
            if (Files.isExecutable(candidate))
                return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /**
     * @param binary the server binary to run, e.g. {@link #newerBinary()}
     * @param extraArgs more server arguments
     * @return a new server of the caller's own, on a free port, run from that binary; close it when done
     */
    public static RedisTestServer startPrivateWith(Path binary, String... extraArgs)
    {
        try
        {
            int port = freePort();
            RedisTestServer server = new RedisTestServer("redis://127.0.0.1:" + port, Files.createTempDirectory("redis-test"), port, extraArgs);
            server.serverBinary = binary;
            return server.startOrClose();
        }
        catch (IOException e)
        {
            throw new IllegalStateException("Cannot start " + binary + " for tests", e);
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
            return new RedisTestServer("redis://127.0.0.1:" + port, dir, port, extraArgs).startOrClose();
        }
        catch (IOException e)
        {
            throw new IllegalStateException("Cannot start a redis-server for tests", e);
        }
    }

    /**
     * Starts a server that listens with TLS only, on a free port, presenting {@code certificate} (signed by
     * the {@link TestCertificates} CA) and not asking clients for a certificate unless {@code extraArgs} say
     * {@code "--tls-auth-clients", "yes"}.
     *
     * @param port the port to listen on with TLS, e.g. one that {@link #freePort()} gave
     * @param certificate the server's certificate
     * @param extraArgs more {@code redis-server} arguments, e.g. {@code "--tls-cluster", "yes"}
     * @return a new server of the caller's own, whose {@link #uri()} is {@code rediss://127.0.0.1:port};
     * close it when done
     */
    public static RedisTestServer startTls(int port, TestCertificates.ServerCertificate certificate, String... extraArgs)
    {
        try
        {
            Path dir = Files.createTempDirectory("redis-tls-test");
            return new RedisTestServer("rediss://127.0.0.1:" + port, dir, port, certificate, extraArgs).startOrClose();
        }
        catch (IOException e)
        {
            throw new IllegalStateException("Cannot start a TLS redis-server for tests", e);
        }
    }

    /**
     * @param certificate the server's certificate
     * @param extraArgs more {@code redis-server} arguments
     * @return a new TLS server on a free port (see {@link #startTls(int, TestCertificates.ServerCertificate, String...)})
     */
    public static RedisTestServer startTls(TestCertificates.ServerCertificate certificate, String... extraArgs)
    {
        try
        {
            return startTls(freePort(), certificate, extraArgs);
        }
        catch (IOException e)
        {
            throw new IllegalStateException("Cannot start a TLS redis-server for tests", e);
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
        return startSentinel(null, masterName, masterPort, moreConfig);
    }

    /**
     * Starts a Redis Sentinel as {@link #startSentinel} does, that listens with TLS only and talks TLS to the
     * master and its replicas ({@code tls-replication yes}), with the {@link TestCertificates} client
     * certificate.
     *
     * @param certificate the sentinel's certificate
     * @param masterName the name the sentinel gives the master
     * @param masterPort the TLS port of the master on 127.0.0.1
     * @param moreConfig more lines of sentinel configuration
     * @return a new sentinel of the caller's own, on a free port; its {@link #uri()} is
     * {@code rediss://127.0.0.1:port}; close it when done
     */
    public static RedisTestServer startTlsSentinel(TestCertificates.ServerCertificate certificate, String masterName, int masterPort,
                                                   String... moreConfig)
    {
        return startSentinel(certificate, masterName, masterPort, moreConfig);
    }

    private static RedisTestServer startSentinel(TestCertificates.ServerCertificate tls, String masterName, int masterPort, String... moreConfig)
    {
        try
        {
            Path dir = Files.createTempDirectory("redis-sentinel-test");
            int port = freePort();
            Path config = dir.resolve("sentinel.conf");
            List<String> lines = new ArrayList<>();
            if (tls == null)
                lines.add("port " + port);
            else
            {
                lines.addAll(List.of("port 0", "tls-port " + port, "tls-replication yes"));
                lines.addAll(tlsConfig(tls));
            }
            lines.addAll(List.of(
                "bind 127.0.0.1",
                "dir " + dir,
                "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 1"));
            lines.addAll(List.of(moreConfig));
            Files.write(config, lines);
            RedisTestServer sentinel = new RedisTestServer((tls == null ? "redis" : "rediss") + "://127.0.0.1:" + port, dir, port, tls);
            sentinel.sentinelConfig = config;
            return sentinel.startOrClose();
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

    /** Starts the process the first time; if it does not come up, removes what it left and throws. */
    private RedisTestServer startOrClose() throws IOException
    {
        try
        {
            start();
            return this;
        }
        catch (IOException | RuntimeException e)
        {
            close();
            throw e;
        }
    }

    /**
     * Starts (or restarts) the process and waits until it answers.
     *
     * @throws IOException if it cannot be started or does not answer within 20 s
     */
    public synchronized void start() throws IOException
    {
        if (dir == null)
            throw new IllegalStateException("Cannot start an external Redis: " + uri);
        if (!ownerStops)
            LIVE.add(this);
        List<String> command;
        if (sentinelConfig != null)
            // A sentinel takes its settings from its (rewritable) config file, which must come first.
            command = List.of(binary().toString(), sentinelConfig.toString(), "--sentinel");
        else
        {
            command = new ArrayList<>(List.of((serverBinary != null ? serverBinary : binary()).toString()));
            if (tls == null)
                command.addAll(List.of("--port", Integer.toString(port)));
            else
            {
                command.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port)));
                // Each config line as arguments: "--name", "value"... (a later argument overrides an earlier one).
                for (String line : tlsConfig(tls))
                {
                    String[] words = line.split(" ", 2);
                    command.addAll(List.of("--" + words[0], words[1]));
                }
            }
            command.addAll(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
            command.addAll(List.of(extraArgs));
        }
        process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
        awaitReady();
    }

    /**
     * @return the TLS lines of a server's or sentinel's configuration: its certificate and key, the CA that
     * signed the clients' certificates (and the servers', for replication and the cluster bus), and no
     * client certificate required (a later {@code tls-auth-clients yes} overrides it)
     */
    private static List<String> tlsConfig(TestCertificates.ServerCertificate tls)
    {
        return List.of(
            "tls-cert-file " + tls.certificate(),
            "tls-key-file " + tls.key(),
            // Replication, the cluster bus and a sentinel's connections present the same certificate as clients.
            "tls-client-cert-file " + tls.certificate(),
            "tls-client-key-file " + tls.key(),
            "tls-ca-cert-file " + TestCertificates.shared().caPem(),
            "tls-auth-clients no");
    }

    /**
     * Kills the process, as a crash or network loss would look to clients; {@link #start()} starts it again.
     *
     * @throws InterruptedException if interrupted while waiting for it to end
     */
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

    /**
     * Stops the process with SIGSTOP: it keeps its connections and data but answers nothing, as a stalled Redis.
     *
     * @throws IOException if the signal could not be sent
     * @throws InterruptedException if interrupted meanwhile
     */
    public synchronized void pause() throws IOException, InterruptedException
    {
        signal("-STOP");
    }

    /**
     * Lets a {@link #pause() paused} process run again with SIGCONT.
     *
     * @throws IOException if the signal could not be sent
     * @throws InterruptedException if interrupted meanwhile
     */
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

    /**
     * Leaves stopping this server to its owner, also when the JVM exits: for an owner whose own shutdown
     * hook must stop what uses the server first (the demo stops its Jetty nodes, then its Redis).
     *
     * @return this server
     */
    public RedisTestServer stoppedByOwnerOnly()
    {
        ownerStops = true;
        LIVE.remove(this);
        return this;
    }

    /** Kills the process and removes its temporary directory (its log, a sentinel's config). */
    @Override
    public synchronized void close()
    {
        LIVE.remove(this);
        try
        {
            kill();
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        TempDirectories.delete(dir);
    }

    /** @return the URI of this server, {@code redis://127.0.0.1:port} ({@code rediss://} with TLS) */
    @Override
    public String uri()
    {
        return uri;
    }

    /** @return the port this server listens on */
    public int port()
    {
        return port;
    }

    /** @return whether this server listens with TLS only */
    public boolean isTls()
    {
        return tls != null;
    }

    /**
     * @return how test clients connect: plainly, or with TLS, trusting the test CA, presenting the test
     * client certificate and verifying the host name when the server's certificate names 127.0.0.1
     */
    public JedisClientConfig clientConfig()
    {
        return clientConfigBuilder().build();
    }

    private DefaultJedisClientConfig.Builder clientConfigBuilder()
    {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder();
        if (tls != null)
            config.sslOptions(TestCertificates.shared().clientSslOptions(tls.namesLoopback()));
        return config;
    }

    /**
     * @param timeoutMs its connect and read timeouts, as a store's
     * @return a new pooled client of this server, for the store's internals under test; close it when done
     */
    public RedisClient newClient(int timeoutMs)
    {
        JedisClientConfig config = clientConfigBuilder().connectionTimeoutMillis(timeoutMs).socketTimeoutMillis(timeoutMs).build();
        return RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", port)).clientConfig(config).build();
    }

    /** @return a new single connection to this server, for administration (e.g. {@code CLUSTER MEET}); close it */
    public Jedis connect()
    {
        return new Jedis(new HostAndPort("127.0.0.1", port), clientConfig());
    }

    /** @return a new client for test assertions; close it when done */
    @Override
    public UnifiedJedis newClient()
    {
        if (tls == null)
            return RedisClient.create(URI.create(uri));
        return RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", port)).clientConfig(clientConfig()).build();
    }

    /**
     * Writes filler keys, has the server save them to disk, kills it and starts it again: it answers
     * {@code LOADING} while it reads them back, as a Redis restarted with its data does (long enough to be
     * seen when started with {@code --key-load-delay}, e.g. 2500 us a key, and
     * {@code --loading-process-events-interval-bytes 1024}). Returns as soon as it answers, LOADING included.
     *
     * @param keys how many filler keys
     * @param valueBytes the size of each
     * @throws IOException if it does not start again
     * @throws InterruptedException if interrupted meanwhile
     */
    public void restartWithFiller(int keys, int valueBytes) throws IOException, InterruptedException
    {
        try (UnifiedJedis admin = newClient())
        {
            String filler = "x".repeat(valueBytes);
            try (var pipeline = admin.pipelined())
            {
                for (int i = 0; i < keys; i++)
                    pipeline.set("filler:" + i, filler);
            }
            admin.sendCommand(Protocol.Command.SAVE);
        }
        kill();
        start();
    }

    /**
     * @param client a client of a server
     * @return whether the server answers a PING (not while it is stopped, paused or loading)
     */
    public static boolean answersPing(UnifiedJedis client)
    {
        try
        {
            return "PONG".equals(client.ping());
        }
        catch (RuntimeException e)
        {
            return false;
        }
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

    /**
     * @return which {@code redis-server} this class starts, for messages (the demo prints it): its path, or
     * that it is the one inside embedded-redis
     */
    public static String binaryDescription()
    {
        Path onPath = installedBinary();
        return onPath != null ? onPath.toString() : "redis-server from com.github.codemonstur:embedded-redis (none on the PATH)";
    }

    private static Path binary() throws IOException
    {
        Path installed = installedBinary();
        return installed != null ? installed : embeddedBinary();
    }

    /** @return the first redis-server on the PATH or in the usual directories, or null */
    private static Path installedBinary()
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
        return null;
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
