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
 * A Jetty {@code .mod} file read the way start.jar reads it, enough to check ours: its sections' lines and
 * the {@code ?=} defaults of its {@code [ini]} section, with which {@code ${...}} in other sections resolve.
 */
final class ModuleFile
{
    private static final Pattern SECTION = Pattern.compile("^\\[([a-z-]+)]\\s*$");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]+)}");

    private final Map<String, List<String>> sections;

    private ModuleFile(Map<String, List<String>> sections)
    {
        this.sections = sections;
    }

    static ModuleFile read(Path file) throws IOException
    {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : Files.readAllLines(file))
        {
            Matcher section = SECTION.matcher(line);
            if (section.matches())
                sections.put(section.group(1), current = new ArrayList<>());
            else if (current != null && !line.isBlank())
                current.add(line.strip());
        }
        return new ModuleFile(sections);
    }

    /**
     * @param name a section name, e.g. {@code files}
     * @return its non-blank lines, comments included, in order (empty if there is no such section)
     */
    List<String> section(String name)
    {
        return sections.getOrDefault(name, List.of());
    }

    /** @return the {@code name?=value} defaults of {@code [ini]} */
    Map<String, String> iniDefaults()
    {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String line : section("ini"))
        {
            int op = line.indexOf("?=");
            if (!line.startsWith("#") && op > 0)
                defaults.put(line.substring(0, op).strip(), line.substring(op + 2).strip());
        }
        return defaults;
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
