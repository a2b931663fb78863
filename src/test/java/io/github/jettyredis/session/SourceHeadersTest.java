// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.github.jettyredis.session.distribution.BuildLayout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every file of the project's own states its licence (SPDX), so that a file copied out of the project
 * carries it along; the LICENSE file holds the text.
 */
public class SourceHeadersTest
{
    private static final String SPDX = "SPDX-License-Identifier: Apache-2.0";

    @Test
    public void everySourceAndConfigurationFileStatesItsLicence() throws IOException
    {
        Path project = BuildLayout.projectDir();
        List<String> without;
        try (Stream<Path> files = Stream.of("src", "config", "modules").map(project::resolve).flatMap(SourceHeadersTest::walk))
        {
            without = files.filter(file -> file.toString().matches(".*\\.(java|proto|xml|mod)$"))
                .filter(file -> !firstLines(file).contains(SPDX))
                .map(file -> project.relativize(file).toString())
                .sorted()
                .toList();
        }
        assertEquals(List.of(), without, "each must carry '" + SPDX + "' in its first lines");
        assertEquals(true, Files.readString(project.resolve("LICENSE")).contains("Apache License"), "LICENSE holds the licence text");
    }

    private static Stream<Path> walk(Path dir)
    {
        try
        {
            return Files.walk(dir).filter(Files::isRegularFile);
        }
        catch (IOException e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLines(Path file)
    {
        try (Stream<String> lines = Files.lines(file))
        {
            return String.join("\n", lines.limit(3).toList());
        }
        catch (IOException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
