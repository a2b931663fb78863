// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Fields of a Redis hash to write, name to value, in the order they were put: what a save hands to its script.
 * A map only so that it reads as one (its keys are arrays, equal only to themselves, as in a {@code HashMap} of
 * arrays); it is built once and iterated, so it keeps two arrays and no hash table: no identity hash code for
 * each new name, no table to grow or copy.
 */
final class HashFields extends AbstractMap<byte[], byte[]>
{
    private byte[][] names;
    private byte[][] values;
    private int size;

    /** @param capacity the number of fields expected */
    HashFields(int capacity)
    {
        names = new byte[Math.max(capacity, 4)][];
        values = new byte[names.length][];
    }

    /**
     * Adds a field. Its name must not be there yet: names are the store's own constants and arrays made for each
     * attribute, so a save never adds one twice, and checking would cost each save time quadratic in its fields.
     * ({@link #put} is not supported: this is not a general map.)
     */
    void add(byte[] name, byte[] value)
    {
        if (size == names.length)
        {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size++] = value;
    }

    @Override
    public int size()
    {
        return size;
    }

    @Override
    public Set<Entry<byte[], byte[]>> entrySet()
    {
        return new AbstractSet<>()
        {
            @Override
            public Iterator<Entry<byte[], byte[]>> iterator()
            {
                return new Iterator<>()
                {
                    private int next;

                    @Override
                    public boolean hasNext()
                    {
                        return next < size;
                    }

                    @Override
                    public Entry<byte[], byte[]> next()
                    {
                        if (next >= size)
                            throw new NoSuchElementException();
                        int i = next++;
                        return new SimpleImmutableEntry<>(names[i], values[i]);
                    }
                };
            }

            @Override
            public int size()
            {
                return size;
            }
        };
    }

    /** @return a copy of {@code fields}, with room for {@code more} */
    static HashFields copyOf(Map<byte[], byte[]> fields, int more)
    {
        HashFields copy = new HashFields(fields.size() + more);
        for (Map.Entry<byte[], byte[]> field : fields.entrySet())
            copy.add(field.getKey(), field.getValue());
        return copy;
    }
}
