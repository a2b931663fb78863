// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.Locale;

import io.github.jettyredis.session.StoreProperty;

/**
 * The most encoded bytes one attribute value, and all the attribute values of one session, may take in
 * Redis. A save never writes a value over the first, nor grows a session past the second; what it refuses
 * stays in memory and Redis keeps what it had (see {@link SessionHashCodec#encodeDelta}).
 *
 * @param maxAttributeBytes the most bytes of one encoded value; 0 for no limit
 * @param maxSessionBytes the most bytes of a session's encoded values together; 0 for no limit
 */
public record SessionSizeLimits(int maxAttributeBytes, int maxSessionBytes)
{
    /** No limits. */
    public static final SessionSizeLimits NONE = new SessionSizeLimits(0, 0);

    /**
     * @throws IllegalArgumentException naming the property of a negative limit
     */
    public SessionSizeLimits
    {
        if (maxAttributeBytes < 0)
            throw new IllegalArgumentException(StoreProperty.MAX_ATTRIBUTE_BYTES + " must be 0 (no limit) or more, not " + maxAttributeBytes);
        if (maxSessionBytes < 0)
            throw new IllegalArgumentException(StoreProperty.MAX_SESSION_BYTES + " must be 0 (no limit) or more, not " + maxSessionBytes);
    }

    /**
     * @param bytes the encoded size of a value
     * @return why it must not be written, or null if it may be
     */
    String attributeRefusal(int bytes)
    {
        if (maxAttributeBytes == 0 || bytes <= maxAttributeBytes)
            return null;
        return String.format(Locale.ROOT, "its value is %,d bytes encoded, over %s (%,d)", bytes, StoreProperty.MAX_ATTRIBUTE_BYTES, maxAttributeBytes);
    }

    /**
     * @param bytes the encoded size of a session's values, were every change written
     * @return why the changes that grow it must not be written, or null if they may be
     */
    String sessionRefusal(long bytes)
    {
        if (maxSessionBytes == 0 || bytes <= maxSessionBytes)
            return null;
        return String.format(Locale.ROOT, "the session's values would be %,d bytes encoded, over %s (%,d)", bytes, StoreProperty.MAX_SESSION_BYTES, maxSessionBytes);
    }
}
