// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Collects benchmark results: each one is printed at once as {@code BENCH <name> <value> <unit>} and
 * appended to {@code summary.txt} in the output directory, so a run that dies half-way keeps what it
 * measured. Ratios are named {@code <a>_vs_<b>} and mean a divided by b.
 */
public final class Results
{
    private final Path summary;
    private final Map<String, Double> values = new LinkedHashMap<>();

    /**
     * @param outDir where {@code summary.txt} goes; its previous content is replaced
     */
    public Results(Path outDir) throws IOException
    {
        Files.createDirectories(outDir);
        summary = outDir.resolve("summary.txt");
        Files.writeString(summary, "");
    }

    /**
     * Records one result.
     *
     * @param name lower-case, underscores, no spaces
     * @param value the figure
     * @param unit e.g. {@code ops/s}, {@code ms}, {@code B}, {@code x}
     */
    public synchronized void add(String name, double value, String unit)
    {
        values.put(name, value);
        String line = "BENCH " + name + " " + format(value) + " " + unit;
        System.out.println(line);
        System.out.flush();
        try
        {
            Files.writeString(summary, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Records {@code a / b} under {@code name}, unless either is missing or b is zero. */
    public void ratio(String name, String a, String b)
    {
        Double x = values.get(a);
        Double y = values.get(b);
        if (x != null && y != null && y != 0)
            add(name, x / y, "x");
    }

    /** @return a recorded value, or null */
    public synchronized Double get(String name)
    {
        return values.get(name);
    }

    /** Three significant figures or whole numbers: enough for numbers that vary by a few percent run to run. */
    static String format(double value)
    {
        double abs = Math.abs(value);
        if (abs >= 1000 || value == Math.rint(value) && abs >= 1)
            return String.format(Locale.ROOT, "%.0f", value);
        if (abs >= 100)
            return String.format(Locale.ROOT, "%.1f", value);
        if (abs >= 10)
            return String.format(Locale.ROOT, "%.2f", value);
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
