// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removes the temporary directories the helpers make (a server's log, a webapp's classes). */
final class TempDirectories
{
    private TempDirectories()
    {
    }

    /**
     * Removes a directory and everything in it, if it exists.
     *
     * @param dir the directory, or null
     */
    static void delete(Path dir)
    {
        if (dir == null || !Files.exists(dir))
            return;
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException e)
        {
            // Leaving a temporary directory behind is not worth failing a test for.
        }
    }
}
