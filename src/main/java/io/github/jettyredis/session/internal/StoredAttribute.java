// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Currency;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * What Redis holds for one attribute, as this node last read or wrote it.
 *
 * @param digest the digest of the attribute's encoded bytes
 * @param size how many encoded bytes Redis holds for it
 * @param immutableValue the value itself when it is an instance of a class that cannot change in place
 * (see {@link #of}), else null: as long as the session still holds this very instance, a save knows the
 * value is unchanged without encoding it again
 */
public record StoredAttribute(long digest, int size, Object immutableValue)
{
    // Exact classes only: a subclass of a non-final one (BigDecimal, BigInteger) may have mutable state.
    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Boolean.class, Integer.class, Long.class,
        Float.class, Double.class, Character.class, Byte.class, Short.class, BigDecimal.class, BigInteger.class,
        UUID.class, Instant.class, LocalDate.class, LocalDateTime.class, LocalTime.class, Duration.class,
        OffsetDateTime.class, ZonedDateTime.class, Period.class, ZoneOffset.class, ZoneId.of("Europe/Paris").getClass(),
        Locale.class, Currency.class, URI.class);

    // Records whose every instance is immutable, decided once per class from the declared component types.
    private static final ClassValue<Boolean> IMMUTABLE_RECORDS = new ClassValue<>()
    {
        @Override
        protected Boolean computeValue(Class<?> type)
        {
            return isImmutableRecord(type, new HashSet<>());
        }
    };

    /**
     * @param digest the digest of the value's encoded bytes
     * @param size how many encoded bytes Redis holds for it
     * @param value the value those bytes encode
     * @return the record, keeping the value only if it cannot change in place
     */
    public static StoredAttribute of(long digest, int size, Object value)
    {
        return new StoredAttribute(digest, size, isImmutable(value) ? value : null);
    }

    /**
     * @param value the value an attribute holds now
     * @return true if it is the very immutable instance Redis holds, so certainly unchanged
     */
    public boolean isStill(Object value)
    {
        return immutableValue != null && immutableValue == value;
    }

    /**
     * @param value an attribute value
     * @return true if it cannot change in place: of an immutable class of the JDK, an enum constant (written by
     * its name alone), or a record all of whose components are of immutable types
     */
    static boolean isImmutable(Object value)
    {
        Class<?> type = value.getClass();
        return IMMUTABLE.contains(type) || value instanceof Enum || value instanceof Record && IMMUTABLE_RECORDS.get(type);
    }

    /**
     * A record is immutable if each component's declared type lets it hold immutable values only: a primitive,
     * a final class of {@link #IMMUTABLE}, an enum, or an immutable record. A type that can hold other values
     * (an interface such as {@code List}, {@code Object}, a non-final class) makes it mutable, whatever its
     * instances hold today.
     *
     * @param visiting the records whose answer is being worked out: a record that (indirectly) holds its own
     * type is immutable if the rest of it is, since every instance of it is finite
     */
    private static boolean isImmutableRecord(Class<?> type, Set<Class<?>> visiting)
    {
        // A class that extends Record without being a record class has no components to go by.
        if (!type.isRecord())
            return false;
        if (!visiting.add(type))
            return true;
        for (RecordComponent component : type.getRecordComponents())
        {
            Class<?> declared = component.getType();
            boolean immutable = declared.isPrimitive() || declared.isEnum() ||
                IMMUTABLE.contains(declared) && Modifier.isFinal(declared.getModifiers()) ||
                declared.isRecord() && isImmutableRecord(declared, visiting);
            if (!immutable)
                return false;
        }
        return true;
    }
}
