// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws requests/s against concurrent clients as an SVG line chart, one line per configuration; the
 * x axis is logarithmic (client counts grow by factors of four). Plain SVG, no library.
 */
final class ThroughputChart
{
    /** The chart's title. */
    static final String TITLE = "Requests/s against concurrent clients (each request reads and changes its session)";
    /** One per configuration; past twelve, the colours come again with dashed lines. */
    private static final String[] COLOURS = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4",
        "#e31a1c", "#6a3d9a", "#666666", "#b15928"};
    private static final int WIDTH = 800;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 250;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private ThroughputChart()
    {
    }

    /**
     * Draws the chart again from a run's recorded results, e.g. for the docs:
     * {@code java -cp ... ThroughputChart target/bench/summary.txt target/bench/machine.txt out.svg}.
     *
     * @param args the {@code summary.txt} of a run, its {@code machine.txt}, the SVG to write
     */
    public static void main(String[] args) throws IOException
    {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("BENCH e2e_(.+)_c(\\d+)_rps (\\S+) .*");
        Map<String, Map<Integer, Double>> byConfiguration = new java.util.LinkedHashMap<>();
        java.util.SortedSet<Integer> clients = new java.util.TreeSet<>();
        for (String text : Files.readAllLines(Path.of(args[0])))
        {
            java.util.regex.Matcher m = line.matcher(text);
            if (m.matches())
            {
                int count = Integer.parseInt(m.group(2));
                clients.add(count);
                byConfiguration.computeIfAbsent(m.group(1), k -> new java.util.HashMap<>()).put(count, Double.parseDouble(m.group(3)));
            }
        }
        List<Integer> counts = List.copyOf(clients);
        Map<String, double[]> series = new java.util.LinkedHashMap<>();
        byConfiguration.forEach((name, values) ->
        {
            double[] points = new double[counts.size()];
            for (int i = 0; i < points.length; i++)
                points[i] = values.getOrDefault(counts.get(i), Double.NaN);
            series.put(EndToEndSuite.label(name), points);
        });
        write(Path.of(args[2]), TITLE, Files.readAllLines(Path.of(args[1])).get(0), counts, series);
    }

    /**
     * @param file where to write the SVG
     * @param title the chart's title
     * @param caption a line under the chart (machine, date)
     * @param clients the client counts, ascending
     * @param series configuration label to requests/s at each client count (NaN where not measured)
     */
    static void write(Path file, String title, String caption, List<Integer> clients, Map<String, double[]> series) throws IOException
    {
        double max = series.values().stream().flatMapToDouble(java.util.Arrays::stream).filter(v -> !Double.isNaN(v)).max().orElse(1);
        double step = niceStep(max / 5);
        double top = Math.ceil(max / step) * step;
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        double logMin = Math.log(clients.get(0));
        double logMax = Math.log(clients.get(clients.size() - 1));

        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
        // Horizontal grid and y labels.
        for (double y = 0; y <= top + step / 2; y += step)
        {
            double py = TOP + plotHeight - y / top * plotHeight;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, py, LEFT + plotWidth, py));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, py + 4, String.format(Locale.ROOT, "%,.0f", y)));
        }
        // x ticks.
        for (int c : clients)
        {
            double px = x(c, logMin, logMax, plotWidth);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", px, TOP, px, TOP + plotHeight));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", px, TOP + plotHeight + 18, c));
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n", LEFT, TOP, plotWidth, plotHeight));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">concurrent clients (log scale)</text>%n", LEFT + plotWidth / 2, TOP + plotHeight + 38));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">requests/s</text>%n", TOP + plotHeight / 2));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#555\">%s</text>%n", LEFT, HEIGHT - 6, escape(caption)));

        int i = 0;
        for (Map.Entry<String, double[]> line : series.entrySet())
        {
            String colour = COLOURS[i % COLOURS.length];
            String dash = i >= COLOURS.length ? " stroke-dasharray=\"6 3\"" : "";
            StringBuilder points = new StringBuilder();
            double[] values = line.getValue();
            for (int k = 0; k < clients.size(); k++)
            {
                if (Double.isNaN(values[k]))
                    continue;
                double px = x(clients.get(k), logMin, logMax, plotWidth);
                double py = TOP + plotHeight - values[k] / top * plotHeight;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n", px, py, colour));
            }
            svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n", points.toString().trim(), colour,
                dash));
            int ly = TOP + 10 + i * 22;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"%s/>%n",
                LEFT + plotWidth + 14, ly, LEFT + plotWidth + 38, ly, colour, dash));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + plotWidth + 44, ly + 4, escape(line.getKey())));
            i++;
        }
        svg.append("</svg>\n");
        Files.writeString(file, svg);
    }

    private static double x(int clients, double logMin, double logMax, int plotWidth)
    {
        double fraction = logMax == logMin ? 0.5 : (Math.log(clients) - logMin) / (logMax - logMin);
        return LEFT + 20 + fraction * (plotWidth - 40);
    }

    /** @return 1, 2 or 5 times a power of ten, at least the given step */
    private static double niceStep(double raw)
    {
        double power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
        for (double m : new double[]{1, 2, 5, 10})
            if (m * power >= raw)
                return m * power;
        return 10 * power;
    }

    private static String escape(String s)
    {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
