// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class's {@code main} in a JVM of its own, on this JVM's class path: for what can be set only once
 * per JVM (a JVM-wide serial filter, a URL stream handler); or on a class path of its own, to run a command
 * line as a user would, or without some jars. The child never outlives the call, not even when it hangs.
 */
public final class ChildJvm
{
    private ChildJvm()
    {
    }

    /**
     * What the child did.
     *
     * @param exitCode its exit code
     * @param output its standard output and error, stripped
     */
    public record Result(int exitCode, String output)
    {
    }

    /**
     * @param timeout how long the child may run
     * @param jvmOptions options before the class path, e.g. {@code -Djdk.serialFilter=...}
     * @param mainClass the class whose {@code main} runs
     * @param args its arguments
     * @return its exit code and output
     * @throws AssertionError if it did not end in time (it is killed)
     * @throws IOException if it could not be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static Result run(Duration timeout, List<String> jvmOptions, Class<?> mainClass, String... args)
        throws IOException, InterruptedException
    {
        return run(timeout, jvmOptions, System.getProperty("java.class.path"), mainClass, args);
    }

    /**
     * @param timeout how long the child may run
     * @param jvmOptions options before the class path
     * @param classPath the child's class path, e.g. this JVM's without some jars
     * @param mainClass the class whose {@code main} runs
     * @param args its arguments
     * @return its exit code and output
     * @throws AssertionError if it did not end in time (it is killed)
     * @throws IOException if it could not be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static Result run(Duration timeout, List<String> jvmOptions, String classPath, Class<?> mainClass, String... args)
        throws IOException, InterruptedException
    {
        List<String> options = new ArrayList<>(jvmOptions);
        options.addAll(List.of("-cp", classPath));
        return run(timeout, options, mainClass.getName(), args);
    }

    /**
     * @param timeout how long the child may run
     * @param jvmOptions every option of the {@code java} command, the class path ({@code -cp}) included, as a
     * user would write them (the launcher expands a {@code dir/*} entry of the class path itself)
     * @param mainClass the name of the class whose {@code main} runs
     * @param args its arguments
     * @return its exit code and output
     * @throws AssertionError if it did not end in time (it is killed)
     * @throws IOException if it could not be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static Result run(Duration timeout, List<String> jvmOptions, String mainClass, String... args)
        throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add(mainClass);
        command.addAll(List.of(args));
        // A file, not a pipe: reading a pipe would wait for as long as a hung child lives.
        Path output = Files.createTempFile("child-jvm", ".out");
        Process process = null;
        try
        {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                throw new AssertionError(mainClass + " did not end within " + timeout + ": " +
                    Files.readString(output, StandardCharsets.UTF_8));
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8).strip());
        }
        finally
        {
            if (process != null)
                process.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }
}
