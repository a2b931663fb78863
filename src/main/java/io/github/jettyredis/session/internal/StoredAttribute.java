// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Set;
import java.util.UUID;

/**
 * What Redis holds for one attribute, as this node last read or wrote it.
 *
 * @param digest the digest of the attribute's encoded bytes
 * @param immutableValue the value itself when it is an instance of a class that cannot change in place
 * (see {@link #of}), else null: as long as the session still holds this very instance, a save knows the
 * value is unchanged without encoding it again
 */
public record StoredAttribute(long digest, Object immutableValue)
{
    // Exact classes only: a subclass of a non-final one (BigDecimal, BigInteger) may have mutable state.
    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Boolean.class, Integer.class, Long.class,
        Float.class, Double.class, Character.class, Byte.class, Short.class, BigDecimal.class, BigInteger.class,
        UUID.class, Instant.class, LocalDate.class, LocalDateTime.class, LocalTime.class, Duration.class);

    /**
     * @param digest the digest of the value's encoded bytes
     * @param value the value those bytes encode
     * @return the record, keeping the value only if its class is immutable
     */
    public static StoredAttribute of(long digest, Object value)
    {
        return new StoredAttribute(digest, IMMUTABLE.contains(value.getClass()) ? value : null);
    }

    /**
     * @param value the value an attribute holds now
     * @return true if it is the very immutable instance Redis holds, so certainly unchanged
     */
    public boolean isStill(Object value)
    {
        return immutableValue != null && immutableValue == value;
    }
}
