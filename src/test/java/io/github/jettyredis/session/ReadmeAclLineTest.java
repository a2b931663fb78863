// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.github.jettyredis.session.distribution.BuildLayout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command the store's Lua scripts run is granted by the README's {@code ACL SETUSER} line: ACL rules apply
 * inside scripts, and a script refused one command fails whole, in a code path that the ACL suites
 * ({@code RedisAcl*IT}) may not take. Read from the sources, so that a command added to a script cannot be
 * missed: a literal {@code redis.call('NAME'} or {@code pcall}, or a name handed to the write script's
 * {@code each('NAME'}.
 */
public class ReadmeAclLineTest
{
    private static final Pattern SCRIPT_COMMAND = Pattern.compile("(?:redis\\.p?call|each)\\('([A-Za-z]+)'");
    private static final Pattern DYNAMIC_COMMAND = Pattern.compile("redis\\.p?call\\((?!')");

    @Test
    public void theLineGrantsEveryCommandTheScriptsRun() throws IOException
    {
        Set<String> granted = ReadmeAclUser.readmeLine().stream()
            .filter(word -> word.startsWith("+"))
            .map(word -> word.substring(1).toLowerCase(Locale.ROOT))
            .collect(Collectors.toSet());
        Set<String> run = new TreeSet<>();
        int dynamic = 0;
        try (Stream<Path> sources = Files.walk(BuildLayout.projectDir().resolve("src/main/java")))
        {
            for (Path source : sources.filter(path -> path.toString().endsWith(".java")).toList())
            {
                String text = Files.readString(source);
                Matcher command = SCRIPT_COMMAND.matcher(text);
                while (command.find())
                    run.add(command.group(1).toLowerCase(Locale.ROOT));
                Matcher other = DYNAMIC_COMMAND.matcher(text);
                while (other.find())
                    dynamic++;
            }
        }
        // The one call whose command is a variable is the write script's each(command, ...), whose names are read above.
        assertEquals(1, dynamic, "calls of a command named by a variable: read their names too");
        assertTrue(run.containsAll(Set.of("hset", "time", "zadd")), "the scripts were read: " + run);
        Set<String> missing = new TreeSet<>(run);
        missing.removeAll(granted);
        assertEquals(Set.of(), missing, "commands the scripts run that the README's ACL line does not grant");
    }
}
