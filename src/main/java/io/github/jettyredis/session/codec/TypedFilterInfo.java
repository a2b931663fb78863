// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.ObjectInputFilter;

/**
 * What {@link TypedEncoder} and {@link TypedDecoder} tell the read filter about a typed value, in the terms of
 * a Java deserialization: the class about to be instantiated (or an {@code Object[]} with the number of elements
 * of a collection, as the JDK's collections report theirs), the nesting depth, the number of values so far and
 * the size of the stored value.
 *
 * @param serialClass the class, or null when only the limits are asked about
 * @param arrayLength the number of elements for an {@code Object[]}, else -1
 * @param depth 1 for the attribute value, 2 for what it holds, ...
 * @param references the number of values read (or written) so far, this one included
 * @param streamBytes the size of the stored value in bytes (0 while it is being written: the writer asks about
 * the size once it is known)
 */
record TypedFilterInfo(Class<?> serialClass, long arrayLength, long depth, long references, long streamBytes)
    implements ObjectInputFilter.FilterInfo
{
}
