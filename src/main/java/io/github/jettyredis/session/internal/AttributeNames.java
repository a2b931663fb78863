// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.Arrays;

/**
 * The attribute names of hash fields recently read, each in the slot its bytes hash to (a later one takes the
 * slot): a session's attribute names are the same few on every load, and reusing the String (its hash code
 * already computed, as the session's map needs it) spares decoding, allocating and hashing one per attribute
 * per load. Entries are immutable, so threads may race on the slots; a miss only costs what no cache would.
 */
final class AttributeNames
{
    private static final int SLOTS = 256;
    // Longer names are not kept: a hash of someone else's making may hold names of any size.
    private static final int MAX_LENGTH = 64;

    private final Entry[] entries = new Entry[SLOTS];

    /**
     * @param field the name of a hash field that holds an attribute
     * @return the attribute's name, as {@link SessionHashCodec#attributeName} gives it
     */
    String of(byte[] field)
    {
        int length = field.length;
        // Names share prefixes: the length and the last bytes tell them apart.
        int slot = (length * 31 + (length > 0 ? field[length - 1] * 7 : 0) + (length > 1 ? field[length - 2] : 0)) & (SLOTS - 1);
        Entry entry = entries[slot];
        if (entry != null && Arrays.equals(entry.field, field))
            return entry.name;
        String name = SessionHashCodec.attributeName(field);
        if (length <= MAX_LENGTH)
            entries[slot] = new Entry(field.clone(), name);
        return name;
    }

    private record Entry(byte[] field, String name)
    {
    }
}
