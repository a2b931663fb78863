// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.util.Arrays;

/**
 * Decides, from their hash codes alone, whether elements (or map keys) may be put into a hashed collection in
 * time proportional to their size. {@link TypedDecoder} refuses a set or map that fails as unreadable, and
 * {@link TypedEncoder} leaves such a value to Java serialization, whose read is bounded by the read filter's
 * time budget: both ask the same question about the same hash codes.
 *
 * <p>Two ways of crafting a set cost quadratic time to read, whatever the reader's byte and element limits. In
 * a {@code HashSet} or {@code HashMap}, elements that share one hash code and are not mutually Comparable are
 * each compared with all the others (their bin's tree cannot order them): 30,000 two-element lists sharing a
 * hash code took 8.7 s to read. Elements of distinct hash codes are ordered in the bin by hash code, so only
 * those that share one cost. {@code Set.of} and {@code Map.of} place elements by linear probing in a table of
 * twice their number, from the slot {@code floorMod(hashCode, 2 * count)} on to the next free one, comparing
 * the element with each one it passes: distinct hash codes that land in one slot cost as much (30,000 Integers,
 * multiples of 60,000, took 0.8 s). The reader puts their elements in by {@link #probingOrder slot}, which
 * leaves values of consecutive hash codes (numbers, strings that differ in their last character) without
 * probing at all, and this class counts the slots each one passes in that order.</p>
 *
 * <p>The bounds, {@value #MAX_SHARING_ONE_HASH_CODE} elements sharing a hash code and {@value #MAX_PASSED}
 * slots passed, are far from what real values come near: strings of two to four characters, records of small
 * numbers, lists of a few numbers share a hash code with a few others at most; hash codes spread at random make
 * an element pass 12 slots at the most in a table of a million, and the 1,000 strings "w0" to "w999" 88. A
 * crowded {@code Set.of} such as one of 1,000 records of two small numbers (621 slots) is refused, and so Java
 * serialized. Reading a value within them compares each element with at most that many others. Hash codes that
 * differ from JVM to JVM (enum constants', objects' that do not override hashCode) are spread at random, so such
 * a value that one node writes every other node reads, but for odds too small to matter.</p>
 */
final class HashCollisions
{
    /** The most elements of a hashed collection, or keys of a hashed map, that may share one hash code. */
    static final int MAX_SHARING_ONE_HASH_CODE = 64;
    /** The most occupied slots that one element of a {@code Set.of}, or key of a {@code Map.of}, may pass. */
    static final int MAX_PASSED = 256;

    private HashCollisions()
    {
    }

    /**
     * @param hashCodes the hash codes of the elements or keys, in any order
     * @param probed true for {@code Set.of} and {@code Map.of}, which place them by linear probing
     * @return why elements of these hash codes are not put into the collection, or null if they may be
     */
    static String refusal(int[] hashCodes, boolean probed)
    {
        int[] sorted = hashCodes.clone();
        Arrays.sort(sorted);
        int most = 0;
        for (int i = 0, same = 0; i < sorted.length; i++)
        {
            same = i > 0 && sorted[i] == sorted[i - 1] ? same + 1 : 1;
            most = Math.max(most, same);
        }
        if (most > MAX_SHARING_ONE_HASH_CODE)
            return most + " of its " + sorted.length + " elements share one hash code, over the " + MAX_SHARING_ONE_HASH_CODE +
                " that may (each would be compared with all the others)";
        if (probed && !probesAtMost(hashCodes, MAX_PASSED))
            return "one of its " + sorted.length + " elements would pass more than " + MAX_PASSED +
                " occupied slots of its table (its elements' hash codes crowd into one part of it)";
        return null;
    }

    /**
     * @return the indexes of {@code hashCodes} by the slot of the table of {@code Set.of} or {@code Map.of} where
     * each lands (then by index): the order in which to put them in, in which only elements that land where
     * earlier ones are pass any
     */
    static int[] probingOrder(int[] hashCodes)
    {
        int slots = 2 * hashCodes.length;
        int[] firstOfSlot = new int[slots + 1];
        for (int hashCode : hashCodes)
            firstOfSlot[Math.floorMod(hashCode, slots) + 1]++;
        for (int slot = 0; slot < slots; slot++)
            firstOfSlot[slot + 1] += firstOfSlot[slot];
        int[] order = new int[hashCodes.length];
        for (int i = 0; i < hashCodes.length; i++)
            order[firstOfSlot[Math.floorMod(hashCodes[i], slots)]++] = i;
        return order;
    }

    /**
     * @return true if no element, put in by {@link #probingOrder slot} as the JDK's {@code Set.of} and
     * {@code Map.of} place them (JDK 9 to 21), passes more than {@code most} occupied slots
     */
    private static boolean probesAtMost(int[] hashCodes, int most)
    {
        int slots = 2 * hashCodes.length;
        boolean[] occupied = new boolean[slots];
        for (int index : probingOrder(hashCodes))
        {
            int slot = Math.floorMod(hashCodes[index], slots);
            // Stops at the first element over the bound: at most most + 1 steps each.
            for (int passed = 0; occupied[slot]; slot = (slot + 1) % slots)
                if (++passed > most)
                    return false;
            occupied[slot] = true;
        }
        return true;
    }
}
