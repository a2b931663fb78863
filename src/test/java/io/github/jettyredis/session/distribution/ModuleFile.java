// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Jetty {@code .mod} file read the way start.jar reads it, enough to check ours: its sections' lines (with
 * their line numbers, so that a failing check can say which line to change) and the {@code ?=} defaults of its
 * {@code [ini]} section, with which {@code ${...}} in other sections resolve.
 */
final class ModuleFile
{
    private static final Pattern SECTION = Pattern.compile("^\\[([a-z-]+)]\\s*$");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]+)}");

    /**
     * One line of a section.
     *
     * @param number its line number in the file, from 1
     * @param text the line, stripped
     */
    record Line(int number, String text)
    {
        /** @return whether start.jar skips it as a comment */
        boolean isComment()
        {
            return text.startsWith("#");
        }
    }

    private final Path path;
    private final List<Line> header;
    private final Map<String, List<Line>> sections;

    private ModuleFile(Path path, List<Line> header, Map<String, List<Line>> sections)
    {
        this.path = path;
        this.header = header;
        this.sections = sections;
    }

    static ModuleFile read(Path file) throws IOException
    {
        List<Line> header = new ArrayList<>();
        Map<String, List<Line>> sections = new LinkedHashMap<>();
        List<Line> current = header;
        int number = 0;
        for (String line : Files.readAllLines(file))
        {
            number++;
            Matcher section = SECTION.matcher(line);
            if (section.matches())
                sections.put(section.group(1), current = new ArrayList<>());
            else if (!line.isBlank())
                current.add(new Line(number, line.strip()));
        }
        return new ModuleFile(file, header, sections);
    }

    /** @return the file, relative to the project, e.g. {@code modules/session-store-redis.mod} */
    String name()
    {
        return BuildLayout.projectDir().relativize(path.toAbsolutePath()).toString();
    }

    /**
     * @param line a line of this file
     * @return {@code <file>:<number>}, the way compilers and IDEs point at a line
     */
    String where(Line line)
    {
        return name() + ":" + line.number();
    }

    /** @return the non-blank lines before the first section: the module's comment for its readers */
    List<Line> header()
    {
        return header;
    }

    /**
     * @param name a section name, e.g. {@code files}
     * @return its non-blank lines, comments included, in order (empty if there is no such section)
     */
    List<String> section(String name)
    {
        return lines(name).stream().map(Line::text).toList();
    }

    /**
     * @param name a section name, e.g. {@code lib}
     * @return its non-blank lines with their numbers, comments included, in order
     */
    List<Line> lines(String name)
    {
        return sections.getOrDefault(name, List.of());
    }

    /**
     * @param name a section name
     * @return its lines that are not comments: what start.jar acts on in {@code [files]}, {@code [lib]},
     * {@code [xml]}, {@code [depend]} and the like
     */
    List<Line> entries(String name)
    {
        return lines(name).stream().filter(line -> !line.isComment()).toList();
    }

    /** @return the {@code name?=value} defaults of {@code [ini]} */
    Map<String, String> iniDefaults()
    {
        Map<String, String> defaults = new LinkedHashMap<>();
        iniDefaultLines().forEach((name, line) -> defaults.put(name, line.text().substring(line.text().indexOf("?=") + 2).strip()));
        return defaults;
    }

    /** @return the {@code [ini]} lines that set a {@code name?=value} default, by name */
    Map<String, Line> iniDefaultLines()
    {
        Map<String, Line> lines = new LinkedHashMap<>();
        for (Line line : entries("ini"))
        {
            int op = line.text().indexOf("?=");
            if (op > 0)
                lines.put(line.text().substring(0, op).strip(), line);
        }
        return lines;
    }

    /**
     * @param line a line of the module
     * @return the line with every {@code ${name}} of an {@code [ini]} default replaced by its value
     */
    String resolve(String line)
    {
        Map<String, String> defaults = iniDefaults();
        Matcher reference = REFERENCE.matcher(line);
        StringBuilder resolved = new StringBuilder();
        while (reference.find())
        {
            String value = defaults.get(reference.group(1));
            reference.appendReplacement(resolved, Matcher.quoteReplacement(value != null ? value : reference.group()));
        }
        return reference.appendTail(resolved).toString();
    }
}
