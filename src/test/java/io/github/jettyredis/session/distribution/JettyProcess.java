// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One Jetty node: {@code java -jar $JETTY_HOME/start.jar} running in a base as a child process, its output
 * in a log file. {@link #close()} kills it if it still runs, so a failing test never leaves it behind.
 */
public final class JettyProcess implements AutoCloseable
{
    private static final Duration POLL = Duration.ofMillis(100);

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;
    private final Thread pump;

    private JettyProcess(String name, int port, Path log, Process process, Consumer<String> echo) throws IOException
    {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
        Writer writer = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        this.pump = new Thread(() -> pump(writer, echo), name + "-output");
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts a node; it runs in-process in the start.jar JVM, so {@code jvmArgs} reach the server.
     *
     * @param name the node's name, for messages
     * @param base the base to run
     * @param port its HTTP port ({@code jetty.http.port})
     * @param jvmArgs JVM arguments, e.g. {@code -Dx=y}
     * @param properties more start.jar arguments, e.g. {@code jetty.session.redis.uri=...}
     * @param env more environment variables
     * @param log where its output goes
     * @param echo also gets every output line, or null
     * @return the running node
     */
    public static JettyProcess start(String name, JettyBase base, int port, List<String> jvmArgs, List<String> properties,
                                     Map<String, String> env, Path log, Consumer<String> echo) throws IOException
    {
        List<String> command = new ArrayList<>();
        command.add(JettyBase.javaExecutable());
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", base.jettyHome().resolve("start.jar").toString(), "jetty.http.port=" + port));
        command.addAll(properties);
        ProcessBuilder builder = new ProcessBuilder(command)
            .directory(base.dir().toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(env);
        Files.createDirectories(log.getParent());
        return new JettyProcess(name, port, log, builder.start(), echo);
    }

    /** @return the node's name */
    public String name()
    {
        return name;
    }

    /** @return its HTTP port */
    public int port()
    {
        return port;
    }

    /**
     * @param path a path, e.g. {@code /demo/}
     * @return {@code http://127.0.0.1:<port><path>}
     */
    public URI uri(String path)
    {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** @return whether the process still runs */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** @return the process, e.g. to wait for its exit */
    public Process process()
    {
        return process;
    }

    /**
     * Polls {@code path} until it answers with anything but a 5xx.
     *
     * @param path the path to ask for
     * @param timeout the deadline
     * @throws IllegalStateException with the end of the log if the node exits or does not answer in time
     */
    public void awaitReady(String path, Duration timeout) throws IOException, InterruptedException
    {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " while starting:\n" + logTail());
            try
            {
                int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status < 500)
                    return;
                last = "HTTP " + status;
            }
            catch (IOException e)
            {
                last = e.toString();
            }
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis()); // polling interval while the node starts
        }
        throw new IllegalStateException(name + " did not answer " + uri(path) + " within " + timeout + " (" + last + "):\n" + logTail());
    }

    /**
     * Stops the node as an operator would: SIGTERM, then waits for it to exit.
     *
     * @param timeout how long it may take to stop
     * @return its exit code (143 after SIGTERM)
     * @throws IllegalStateException if it did not stop in time (it is then killed)
     */
    public int stop(Duration timeout) throws InterruptedException
    {
        // A start.jar that forked a second JVM (--exec) would leave it running: signal it too. Through the
        // ProcessHandle, because Process.destroy() also closes the output pipe, losing the node's last words.
        process.descendants().forEach(ProcessHandle::destroy);
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            close();
            throw new IllegalStateException(name + " did not stop within " + timeout + " of SIGTERM");
        }
        pump.join(TimeUnit.SECONDS.toMillis(5));
        return process.exitValue();
    }

    /** @return the node's output so far */
    public String logText() throws IOException
    {
        return Files.readString(log);
    }

    /** @return the log file */
    public Path log()
    {
        return log;
    }

    private String logTail()
    {
        try
        {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        }
        catch (IOException e)
        {
            return "(no log: " + e + ")";
        }
    }

    private void pump(Writer writer, Consumer<String> echo)
    {
        try (writer; BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = reader.readLine(); line != null; line = reader.readLine())
            {
                writer.write(line);
                writer.write('\n');
                writer.flush();
                if (echo != null)
                    echo.accept(line);
            }
        }
        catch (IOException e)
        {
            // The process is gone; its output ends here.
        }
    }

    /** Kills the node (and any JVM it forked) if it still runs. */
    @Override
    public void close()
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
