// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A distribution of non-negative values (latencies in microseconds, sizes in bytes) in buckets that grow by
 * powers of two, each split in four, so that a percentile is known to within a quarter of its power of two,
 * whatever the range; recording is one array increment, with no lock and no allocation, so it can sit on
 * every request.
 */
public final class Histogram
{
    /** Four sub-buckets per power of two, for values up to 2^62. */
    private static final int SUB = 4;
    private final AtomicLongArray counts = new AtomicLongArray(64 * SUB);

    /** @param value a value, 0 or more (a negative one counts as 0) */
    public void record(long value)
    {
        counts.incrementAndGet(bucket(Math.max(0, value)));
    }

    private static int bucket(long value)
    {
        if (value < SUB)
            return (int)value;
        int power = 63 - Long.numberOfLeadingZeros(value);
        // The two bits below the highest one choose the quarter.
        int quarter = (int)(value >>> (power - 2)) & (SUB - 1);
        return power * SUB + quarter;
    }

    /** @return the highest value that falls in the bucket */
    private static long upperBound(int bucket)
    {
        if (bucket < SUB)
            return bucket;
        int power = bucket / SUB;
        int quarter = bucket % SUB;
        return (1L << power) + ((long)(quarter + 1) << (power - 2)) - 1;
    }

    /** @return how many values were recorded */
    public long count()
    {
        long count = 0;
        for (int i = 0; i < counts.length(); i++)
            count += counts.get(i);
        return count;
    }

    /**
     * @param fraction which percentile, e.g. 0.99
     * @return an upper bound of that percentile of the values recorded (within a quarter of its power of
     * two), or 0 if none was
     */
    public long percentile(double fraction)
    {
        long total = count();
        if (total == 0)
            return 0;
        long rank = (long)Math.ceil(fraction * total);
        long seen = 0;
        for (int i = 0; i < counts.length(); i++)
        {
            seen += counts.get(i);
            if (seen >= rank && seen > 0)
                return upperBound(i);
        }
        return upperBound(counts.length() - 1);
    }

    /** Forgets every value. */
    public void reset()
    {
        for (int i = 0; i < counts.length(); i++)
            counts.set(i, 0);
    }
}
