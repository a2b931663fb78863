// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.CollectionKind;
import io.github.jettyredis.session.codec.proto.CollectionValue;
import io.github.jettyredis.session.codec.proto.MapEntry;
import io.github.jettyredis.session.codec.proto.MapKind;
import io.github.jettyredis.session.codec.proto.MapValue;

/**
 * Stored sets and maps crafted to be costly to put into a hashed collection (see {@link HashCollisions}), as
 * another writer could store them, built with the generated protobuf classes.
 */
final class CollidingValues
{
    private CollidingValues()
    {
    }

    /** @return {@code count} distinct two-element lists [i, -31 i], which share the hash code 961 of List.of(0, 0) */
    static List<AttributeValue> sharingOneHashCode(int count)
    {
        List<AttributeValue> lists = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
            lists.add(AttributeValue.newBuilder().setCollectionValue(CollectionValue.newBuilder()
                .setKind(CollectionKind.COLLECTION_KIND_IMMUTABLE_LIST)
                .addElements(integer(i)).addElements(integer(-31 * i))).build());
        return lists;
    }

    /**
     * @return {@code count} Integers of distinct hash codes, multiples of {@code 2 * count}: all land in slot 0 of
     * the table of a {@code Set.of} or {@code Map.of} of them
     */
    static List<AttributeValue> landingInOneSlot(int count)
    {
        List<AttributeValue> numbers = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
            numbers.add(integer(i * 2 * count));
        return numbers;
    }

    static byte[] collection(CollectionKind kind, List<AttributeValue> elements)
    {
        return AttributeValue.newBuilder().setCollectionValue(CollectionValue.newBuilder().setKind(kind).addAllElements(elements))
            .build().toByteArray();
    }

    /** @return a map of the keys, each to its index */
    static byte[] map(MapKind kind, List<AttributeValue> keys)
    {
        MapValue.Builder map = MapValue.newBuilder().setKind(kind);
        for (int i = 0; i < keys.size(); i++)
            map.addEntries(MapEntry.newBuilder().setKey(keys.get(i)).setValue(integer(i)));
        return AttributeValue.newBuilder().setMapValue(map).build().toByteArray();
    }

    private static AttributeValue integer(int value)
    {
        return AttributeValue.newBuilder().setIntValue(value).build();
    }
}
