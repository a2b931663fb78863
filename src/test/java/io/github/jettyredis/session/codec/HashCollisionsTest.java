// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.AttributeValue.KindCase;
import io.github.jettyredis.session.codec.proto.CollectionKind;
import io.github.jettyredis.session.codec.proto.MapKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.github.jettyredis.session.codec.CollidingValues.collection;
import static io.github.jettyredis.session.codec.CollidingValues.landingInOneSlot;
import static io.github.jettyredis.session.codec.CollidingValues.map;
import static io.github.jettyredis.session.codec.CollidingValues.sharingOneHashCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Hashed sets and maps whose elements or keys would cost quadratic time to put in them (see
 * {@link HashCollisions}) are unreadable, and never written typed; those within the bounds read and write as
 * any other.
 */
class HashCollisionsTest
{
    private static final int OVER = HashCollisions.MAX_SHARING_ONE_HASH_CODE + 1;
    private static final String SHARED = OVER + " of its " + OVER + " elements share one hash code, over the 64 that may";
    private static final String CROWDED = "would pass more than 256 occupied slots of its table";

    private final ProtobufAttributeSerializer serializer = new ProtobufAttributeSerializer();

    static Stream<Arguments> crafted() throws IOException
    {
        return Stream.of(
            arguments(named("HashSet", collection(CollectionKind.COLLECTION_KIND_HASH_SET, sharingOneHashCode(OVER))), SHARED),
            arguments(named("LinkedHashSet", collection(CollectionKind.COLLECTION_KIND_LINKED_HASH_SET, sharingOneHashCode(OVER))), SHARED),
            arguments(named("Set.of", collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_SET, sharingOneHashCode(OVER))), SHARED),
            arguments(named("HashMap keys", map(MapKind.MAP_KIND_HASH_MAP, sharingOneHashCode(OVER))), SHARED),
            arguments(named("LinkedHashMap keys", map(MapKind.MAP_KIND_LINKED_HASH_MAP, sharingOneHashCode(OVER))), SHARED),
            arguments(named("Map.of keys", map(MapKind.MAP_KIND_IMMUTABLE_MAP, sharingOneHashCode(OVER))), SHARED),
            arguments(named("Set.of of distinct hash codes in one slot", collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_SET,
                landingInOneSlot(300))), CROWDED),
            arguments(named("Map.of keys of distinct hash codes in one slot", map(MapKind.MAP_KIND_IMMUTABLE_MAP,
                landingInOneSlot(300))), CROWDED),
            arguments(named("nested in a list", collection(CollectionKind.COLLECTION_KIND_ARRAY_LIST, List.of(
                AttributeValue.parseFrom(collection(CollectionKind.COLLECTION_KIND_HASH_SET, sharingOneHashCode(OVER)))))), SHARED));
    }

    @ParameterizedTest
    @MethodSource("crafted")
    void craftedCollisionsAreUnreadable(byte[] bytes, String message)
    {
        IOException unreadable = assertThrows(IOException.class, () -> serializer.deserialize(bytes));
        assertTrue(unreadable.getMessage().contains(message), unreadable.getMessage());
    }

    @Test
    void valuesWithinTheBoundsAreRead() throws Exception
    {
        int most = HashCollisions.MAX_SHARING_ONE_HASH_CODE;
        assertEquals(most, ((Set<?>)serializer.deserialize(collection(CollectionKind.COLLECTION_KIND_HASH_SET, sharingOneHashCode(most)))).size());
        assertEquals(most, ((Set<?>)serializer.deserialize(collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_SET, sharingOneHashCode(most)))).size());
        assertEquals(most, ((Map<?, ?>)serializer.deserialize(map(MapKind.MAP_KIND_IMMUTABLE_MAP, sharingOneHashCode(most)))).size());
        // Distinct hash codes cost nothing in a HashSet or HashMap, wherever they land.
        assertEquals(300, ((Set<?>)serializer.deserialize(collection(CollectionKind.COLLECTION_KIND_HASH_SET, landingInOneSlot(300)))).size());
        assertEquals(300, ((Map<?, ?>)serializer.deserialize(map(MapKind.MAP_KIND_HASH_MAP, landingInOneSlot(300)))).size());
        // A Set.of of 256 elements in one slot: the last passes 255.
        assertEquals(HashCollisions.MAX_PASSED, ((Set<?>)serializer.deserialize(collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_SET,
            landingInOneSlot(HashCollisions.MAX_PASSED)))).size());
    }

    static Stream<Arguments> ordinary()
    {
        List<String> words = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 5_000; i++)
        {
            words.add("w" + i);
            numbers.add(i);
            counts.put("w" + i, i);
        }
        List<List<Integer>> sharing = new ArrayList<>();
        for (int i = 0; i < HashCollisions.MAX_SHARING_ONE_HASH_CODE; i++)
            sharing.add(List.of(i, -31 * i));
        return Stream.of(
            arguments(new HashSet<>(words)),
            arguments(new LinkedHashSet<>(numbers)),
            arguments(Set.copyOf(words)),
            arguments(Set.copyOf(numbers)),
            arguments(counts),
            arguments(new LinkedHashMap<>(counts)),
            arguments(Map.copyOf(counts)),
            arguments(named("64 lists sharing a hash code", new HashSet<>(sharing))),
            arguments(named("Set.of of 64 lists sharing a hash code", Set.copyOf(sharing))));
    }

    @ParameterizedTest
    @MethodSource("ordinary")
    void ordinarySetsAndMapsAreTypedAndRoundTrip(Object value) throws Exception
    {
        byte[] bytes = serializer.serialize(value);
        assertTrue(AttributeValue.parseFrom(bytes).getKindCase() == KindCase.COLLECTION_VALUE ||
            AttributeValue.parseFrom(bytes).getKindCase() == KindCase.MAP_VALUE);
        Object copy = serializer.deserialize(bytes);
        assertEquals(value, copy);
        assertEquals(value.getClass(), copy.getClass());
    }

    @Test
    void aSetHoldingAListThatHoldsItselfIsJavaSerialized() throws Exception
    {
        // Put in while still empty: hashed once it holds itself, it overflows the stack.
        List<Object> itself = new ArrayList<>();
        Set<Object> holder = new HashSet<>();
        holder.add(itself);
        Map<Object, Object> keyed = new HashMap<>();
        keyed.put(itself, 1);
        itself.add(itself);
        assertEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(serializer.serialize(holder)).getKindCase());
        assertEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(serializer.serialize(keyed)).getKindCase());
    }

    static Stream<Arguments> overTheBounds()
    {
        List<List<Integer>> sharing = new ArrayList<>();
        Map<List<Integer>, Integer> sharingKeys = new HashMap<>();
        for (int i = 0; i < OVER; i++)
        {
            sharing.add(List.of(i, -31 * i));
            sharingKeys.put(List.of(i, -31 * i), i);
        }
        List<Integer> oneSlot = new ArrayList<>();
        for (int i = 0; i < 300; i++)
            oneSlot.add(i * 600);
        return Stream.of(
            arguments(named("HashSet sharing a hash code", new HashSet<>(sharing))),
            arguments(named("LinkedHashSet sharing a hash code", new LinkedHashSet<>(sharing))),
            arguments(named("Set.of sharing a hash code", Set.copyOf(sharing))),
            arguments(named("HashMap keys sharing a hash code", sharingKeys)),
            arguments(named("Map.of keys sharing a hash code", Map.copyOf(sharingKeys))),
            arguments(named("Set.of in one slot", Set.copyOf(oneSlot))));
    }

    @ParameterizedTest
    @MethodSource("overTheBounds")
    void theWriterLeavesWhatTheReaderRefusesToJavaSerialization(Object value) throws Exception
    {
        byte[] bytes = serializer.serialize(value);
        assertEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(bytes).getKindCase());
        serializer.checkReadable(bytes);
        assertEquals(value, serializer.deserialize(bytes));
    }
}
