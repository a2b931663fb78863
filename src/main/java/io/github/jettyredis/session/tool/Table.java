// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Rows of text printed in aligned columns, under a header if it has one; the last column is not padded. */
final class Table
{
    private final List<String[]> rows = new ArrayList<>();

    /**
     * @param header the column names; none for a table of name, value rows without header
     */
    Table(String... header)
    {
        if (header.length > 0)
            rows.add(header);
    }

    /** @param cells one row */
    void row(String... cells)
    {
        rows.add(cells);
    }

    /** @param other a table without header, whose rows this one takes */
    void rows(Table other)
    {
        rows.addAll(other.rows);
    }

    /** @param out where to print the rows, aligned */
    void print(PrintStream out)
    {
        int columns = rows.stream().mapToInt(row -> row.length).max().orElse(0);
        int[] widths = new int[columns];
        for (String[] row : rows)
            for (int i = 0; i < row.length - 1; i++)
                widths[i] = Math.max(widths[i], row[i].length());
        for (String[] row : rows)
        {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++)
            {
                line.append(row[i]);
                if (i < row.length - 1)
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
