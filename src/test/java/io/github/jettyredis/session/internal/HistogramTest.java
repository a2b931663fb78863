// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class HistogramTest
{
    @Test
    public void percentilesAreUpperBoundsWithinAQuarterOfTheirPowerOfTwo()
    {
        Histogram histogram = new Histogram();
        assertEquals(0, histogram.percentile(0.99));
        for (long value = 1; value <= 1000; value++)
            histogram.record(value);
        assertEquals(1000, histogram.count());
        for (double fraction : new double[]{0.5, 0.9, 0.99, 1.0})
        {
            long exact = (long)Math.ceil(fraction * 1000);
            long bound = histogram.percentile(fraction);
            assertTrue(bound >= exact && bound <= exact + exact / 4 + 1, fraction + ": " + bound + " for " + exact);
        }
        histogram.record(-5);
        histogram.record(Long.MAX_VALUE / 2);
        assertEquals(1002, histogram.count());
        assertTrue(histogram.percentile(1.0) >= Long.MAX_VALUE / 2);
        histogram.reset();
        assertEquals(0, histogram.count());
    }

    @Test
    public void smallValuesAreExact()
    {
        Histogram histogram = new Histogram();
        histogram.record(0);
        histogram.record(1);
        histogram.record(2);
        histogram.record(3);
        assertEquals(0, histogram.percentile(0.25));
        assertEquals(3, histogram.percentile(1.0));
    }
}
