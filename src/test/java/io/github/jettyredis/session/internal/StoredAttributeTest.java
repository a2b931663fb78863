// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.io.Serializable;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.jettyredis.session.codec.CodecFixtures.Colour;
import io.github.jettyredis.session.codec.CodecFixtures.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Which values a save may take for unchanged without encoding them, as long as the session holds the very
 * instance Redis holds: those that cannot change in place.
 */
class StoredAttributeTest
{
    static Stream<Arguments> values()
    {
        return Stream.of(
            arguments("text", true),
            arguments(new BigDecimal("1.5"), true),
            arguments(Locale.UK, true),
            arguments(URI.create("a:b"), true),
            arguments(ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneId.of("Europe/Paris")), true),
            arguments(ZoneId.of("Europe/Paris"), true),
            arguments(Colour.RED, true),
            arguments(named("an enum constant with a body", Shape.CIRCLE), true),
            arguments(TimeUnit.SECONDS, true),
            arguments(new Immutable("a", 1, Instant.EPOCH, Colour.RED, new Chain("c", null)), true),
            arguments(named("a record holding its own type", new Chain("a", new Chain("b", null))), true),
            arguments(new Date(0), false),
            arguments(new byte[1], false),
            arguments(new ArrayList<>(), false),
            arguments(List.of("immutable, but its elements may not be"), false),
            arguments(named("a record with a List", new WithList(List.of())), false),
            arguments(named("a record with a BigDecimal, which may be a mutable subclass", new WithBigDecimal(BigDecimal.ONE)), false),
            arguments(named("a record with an Object", new WithObject("text")), false),
            arguments(named("a record holding a mutable record", new HoldsMutable(new WithList(List.of()))), false));
    }

    @ParameterizedTest
    @MethodSource("values")
    void onlyValuesThatCannotChangeInPlaceAreKept(Object value, boolean immutable)
    {
        StoredAttribute stored = StoredAttribute.of(1L, 8, value);
        assertEquals(immutable, stored.isStill(value));
        assertEquals(immutable ? value : null, stored.immutableValue());
    }

    record Immutable(String s, int i, Instant at, Colour colour, Chain chain) implements Serializable
    {
    }

    record HoldsMutable(WithList nested) implements Serializable
    {
    }

    record Chain(String value, Chain next) implements Serializable
    {
    }

    record WithList(List<String> values) implements Serializable
    {
    }

    record WithBigDecimal(BigDecimal value) implements Serializable
    {
    }

    record WithObject(Object value) implements Serializable
    {
    }
}
