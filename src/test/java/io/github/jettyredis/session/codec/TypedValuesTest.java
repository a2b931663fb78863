// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.net.URI;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.github.jettyredis.session.codec.CodecFixtures.Colour;
import io.github.jettyredis.session.codec.CodecFixtures.Item;
import io.github.jettyredis.session.codec.CodecFixtures.Shape;
import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.AttributeValue.KindCase;
import io.github.jettyredis.session.codec.proto.CollectionKind;
import io.github.jettyredis.session.codec.proto.CollectionValue;
import io.github.jettyredis.session.codec.proto.EnumValue;
import io.github.jettyredis.session.codec.proto.MapEntry;
import io.github.jettyredis.session.codec.proto.MapKind;
import io.github.jettyredis.session.codec.proto.MapValue;
import io.github.jettyredis.session.codec.proto.Null;
import io.github.jettyredis.session.codec.proto.OptionalValue;
import io.github.jettyredis.session.codec.proto.RecordComponent;
import io.github.jettyredis.session.codec.proto.RecordValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The typed values issue 12 added (enums, records, collections, maps, Optional, Locale, Currency, URI and more
 * java.time): their bytes are those the published {@code .proto} describes, what falls back to Java
 * serialization does so as a whole, equal values give equal bytes, and bytes that are not a valid value (or that
 * the read filter's limits refuse) are an {@link IOException}, never anything else.
 */
class TypedValuesTest
{
    private final ProtobufAttributeSerializer serializer = new ProtobufAttributeSerializer();

    private static AttributeValue string(String value)
    {
        return AttributeValue.newBuilder().setStringValue(value).build();
    }

    private static AttributeValue integer(int value)
    {
        return AttributeValue.newBuilder().setIntValue(value).build();
    }

    private static AttributeValue nullValue()
    {
        return AttributeValue.newBuilder().setNullValue(Null.getDefaultInstance()).build();
    }

    private static AttributeValue enumValue(Enum<?> constant)
    {
        return AttributeValue.newBuilder().setEnumValue(EnumValue.newBuilder()
            .setClassName(constant.getDeclaringClass().getName()).setName(constant.name())).build();
    }

    private static AttributeValue collection(CollectionKind kind, AttributeValue... elements)
    {
        return AttributeValue.newBuilder().setCollectionValue(CollectionValue.newBuilder().setKind(kind)
            .addAllElements(List.of(elements))).build();
    }

    private static MapEntry entry(AttributeValue key, AttributeValue value)
    {
        return MapEntry.newBuilder().setKey(key).setValue(value).build();
    }

    private static RecordComponent component(String name, AttributeValue value)
    {
        return RecordComponent.newBuilder().setName(name).setValue(value).build();
    }

    static Stream<Arguments> asTheProtoDescribes()
    {
        Map<String, Integer> linked = new LinkedHashMap<>();
        linked.put("b", 1);
        linked.put("a", 2);
        ZonedDateTime paris = ZonedDateTime.of(2024, 2, 29, 12, 0, 0, 5, ZoneId.of("Europe/Paris"));
        return Stream.of(
            arguments(Colour.GREEN, enumValue(Colour.GREEN)),
            arguments(named("a constant with a body: its enum is the declaring class", Shape.CIRCLE), AttributeValue.newBuilder()
                .setEnumValue(EnumValue.newBuilder().setClassName(Shape.class.getName()).setName("CIRCLE")).build()),
            arguments(new Item("pen", 3, null, List.of("a", "b")), AttributeValue.newBuilder().setRecordValue(RecordValue.newBuilder()
                .setClassName(Item.class.getName())
                .addComponents(component("name", string("pen")))
                .addComponents(component("quantity", integer(3)))
                .addComponents(component("colour", nullValue()))
                .addComponents(component("tags", collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_LIST, string("a"), string("b")))))
                .build()),
            arguments(new ArrayList<>(Arrays.asList(1, null)),
                collection(CollectionKind.COLLECTION_KIND_ARRAY_LIST, integer(1), nullValue())),
            arguments(named("a HashSet: sorted by bytes", new HashSet<>(List.of("b", "a", "c"))),
                collection(CollectionKind.COLLECTION_KIND_HASH_SET, string("a"), string("b"), string("c"))),
            arguments(named("a LinkedHashMap: in its order", linked), AttributeValue.newBuilder().setMapValue(MapValue.newBuilder()
                .setKind(MapKind.MAP_KIND_LINKED_HASH_MAP)
                .addEntries(entry(string("b"), integer(1)))
                .addEntries(entry(string("a"), integer(2)))).build()),
            arguments(Optional.empty(), AttributeValue.newBuilder().setOptionalValue(OptionalValue.getDefaultInstance()).build()),
            arguments(Optional.of(Colour.RED), AttributeValue.newBuilder().setOptionalValue(OptionalValue.newBuilder()
                .setValue(enumValue(Colour.RED))).build()),
            arguments(Locale.UK, AttributeValue.newBuilder().setLocaleValue("en-GB").build()),
            arguments(Currency.getInstance("EUR"), AttributeValue.newBuilder().setCurrencyValue("EUR").build()),
            arguments(URI.create("https://example.com/a?b#c"), AttributeValue.newBuilder().setUriValue("https://example.com/a?b#c").build()),
            arguments(LocalTime.NOON, AttributeValue.newBuilder().setLocalTimeValue(12 * 3600 * 1_000_000_000L).build()),
            arguments(paris, AttributeValue.newBuilder().setZonedDateTimeValue(io.github.jettyredis.session.codec.proto.ZonedDateTime
                .newBuilder().setEpochDay(LocalDate.of(2024, 2, 29).toEpochDay()).setNanoOfDay(12 * 3600 * 1_000_000_000L + 5)
                .setOffsetSeconds(3600).setZoneId("Europe/Paris")).build()),
            arguments(paris.toOffsetDateTime(), AttributeValue.newBuilder().setOffsetDateTimeValue(
                io.github.jettyredis.session.codec.proto.OffsetDateTime.newBuilder()
                    .setEpochDay(LocalDate.of(2024, 2, 29).toEpochDay()).setNanoOfDay(12 * 3600 * 1_000_000_000L + 5)
                    .setOffsetSeconds(3600)).build()),
            arguments(ZoneId.of("Europe/Paris"), AttributeValue.newBuilder().setZoneIdValue("Europe/Paris").build()),
            arguments(ZoneOffset.ofHours(-5), AttributeValue.newBuilder().setZoneIdValue("-05:00").build()),
            arguments(Period.of(1, -2, 3), AttributeValue.newBuilder().setPeriodValue(io.github.jettyredis.session.codec.proto.Period
                .newBuilder().setYears(1).setMonths(-2).setDays(3)).build()));
    }

    @ParameterizedTest
    @MethodSource("asTheProtoDescribes")
    void newValuesAreWrittenAsTheProtoDescribes(Object value, AttributeValue expected) throws Exception
    {
        byte[] bytes = serializer.serialize(value);
        assertEquals(expected, AttributeValue.parseFrom(bytes));
        assertArrayEquals(expected.toByteArray(), bytes);
        // And a writer of another language, with code generated from the .proto, is read.
        assertEquals(value, serializer.deserialize(expected.toByteArray()));
    }

    @Test
    void fieldsInAnotherOrderAreReadAsProtobufReadsThem() throws Exception
    {
        // Generated code writes fields in number order; a message whose parts come in another order (parts of
        // one message concatenated are one message to protobuf) means the same.
        RecordValue components = RecordValue.newBuilder()
            .addComponents(component("tags", collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_LIST)))
            .addComponents(component("colour", enumValue(Colour.RED)))
            .addComponents(component("quantity", integer(1)))
            .addComponents(component("name", string("x"))).build();
        RecordValue className = RecordValue.newBuilder().setClassName(Item.class.getName()).build();
        byte[] record = concat(components.toByteArray(), className.toByteArray());
        assertEquals(new Item("x", 1, Colour.RED, List.of()), serializer.deserialize(member(21, record)));

        CollectionValue elements = CollectionValue.newBuilder().addElements(integer(2)).addElements(integer(1)).build();
        CollectionValue kind = CollectionValue.newBuilder().setKind(CollectionKind.COLLECTION_KIND_LINKED_LIST).build();
        assertEquals(new java.util.LinkedList<>(List.of(2, 1)), serializer.deserialize(member(22, concat(elements.toByteArray(), kind.toByteArray()))));
    }

    static Stream<Arguments> javaSerializedAsAWhole()
    {
        List<Object> shared = new ArrayList<>(List.of("shared"));
        List<Object> twice = new ArrayList<>(List.of(shared, shared));
        List<Object> self = new ArrayList<>();
        self.add(self);
        return Stream.of(
            arguments(named("a list holding one list twice", twice), (Function<Object, Boolean>)copy ->
                ((List<?>)copy).get(0) == ((List<?>)copy).get(1)),
            arguments(named("a list holding itself", self), (Function<Object, Boolean>)copy -> ((List<?>)copy).get(0) == copy),
            arguments(named("a record holding a value without a typed member", new ProtobufAttributeSerializerTest.Pair<>(
                Colour.RED, new StringBuilder("mutable"))), (Function<Object, Boolean>)copy ->
                ((ProtobufAttributeSerializerTest.Pair<?, ?>)copy).second().toString().equals("mutable")));
    }

    @ParameterizedTest
    @MethodSource("javaSerializedAsAWhole")
    void aValueThatIsNotTypedThroughoutIsJavaSerializedAsAWhole(Object value, Function<Object, Boolean> check) throws Exception
    {
        byte[] bytes = serializer.serialize(value);
        assertEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(bytes).getKindCase());
        assertTrue(check.apply(serializer.deserialize(bytes)));
    }

    @Test
    void anImmutableValueHeldTwiceIsTyped() throws Exception
    {
        List<String> shared = List.of("shared");
        List<Object> twice = new ArrayList<>(List.of(shared, shared));
        byte[] bytes = serializer.serialize(twice);
        assertEquals(KindCase.COLLECTION_VALUE, AttributeValue.parseFrom(bytes).getKindCase());
        assertEquals(twice, serializer.deserialize(bytes));
    }

    @Test
    void equalSetsAndMapsGiveEqualBytesWhateverTheirHistory() throws Exception
    {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 40; i++)
            words.add("word" + i);
        Set<String> small = new HashSet<>(words);
        // A set that grew, then shrank, keeps its larger table, so iterates in another order.
        Set<String> grown = new HashSet<>(4096);
        grown.addAll(words);
        for (int i = 0; i < 1000; i++)
            grown.add("extra" + i);
        grown.removeIf(word -> word.startsWith("extra"));
        assertEquals(small, grown);
        assertNotEquals(new ArrayList<>(small), new ArrayList<>(grown), "the test needs two iteration orders");
        assertArrayEquals(serializer.serialize(small), serializer.serialize(grown));

        Map<String, Integer> smallMap = new HashMap<>();
        Map<String, Integer> grownMap = new HashMap<>(4096);
        for (String word : words)
        {
            smallMap.put(word, word.length());
            grownMap.put(word, word.length());
        }
        assertNotEquals(new ArrayList<>(smallMap.keySet()), new ArrayList<>(grownMap.keySet()));
        assertArrayEquals(serializer.serialize(smallMap), serializer.serialize(grownMap));
        // Set.of iterates in an order that changes from JVM to JVM.
        assertArrayEquals(serializer.serialize(Set.copyOf(words)), serializer.serialize(Set.copyOf(new ArrayList<>(grown))));
    }

    /** @return the bytes of an AttributeValue holding lists nested {@code depth} deep, an Integer innermost */
    private static byte[] nestedLists(int depth) throws IOException
    {
        // Each level is AttributeValue{collection_value: CollectionValue{kind: ARRAY_LIST, elements: [the level below]}}:
        // a prefix in front of the level below and nothing after it, so the prefixes are worked out from the inside.
        byte[] innermost = integer(7).toByteArray();
        byte[][] prefixes = new byte[depth - 1][];
        int size = innermost.length;
        for (int level = depth - 2; level >= 0; level--)
        {
            int collection = 2 + 1 + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
            ByteArrayOutputStream prefix = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(prefix);
            out.writeTag(22, 2);
            out.writeUInt32NoTag(collection);
            out.writeEnum(1, CollectionKind.COLLECTION_KIND_ARRAY_LIST_VALUE);
            out.writeTag(2, 2);
            out.writeUInt32NoTag(size);
            out.flush();
            prefixes[level] = prefix.toByteArray();
            size += prefixes[level].length;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        for (byte[] prefix : prefixes)
            bytes.write(prefix);
        bytes.write(innermost);
        return bytes.toByteArray();
    }

    @Test
    void theFiltersDepthLimitBoundsTypedValues() throws Exception
    {
        // 20 deep: the list 20 deep holds the Integer, which the filter is not asked about.
        assertEquals(21, depth(serializer.deserialize(nestedLists(21))));
        assertThrows(InvalidClassException.class, () -> serializer.deserialize(nestedLists(22)));
        ProtobufAttributeSerializer deeper = new ProtobufAttributeSerializer(new JavaSerialization(SessionSerialFilter.create("maxdepth=40")));
        assertEquals(40, depth(deeper.deserialize(nestedLists(40))));

        // Written: too deep for the filter is left to Java serialization, whose read the filter refuses too.
        Object tooDeep = serializer.deserialize(nestedLists(21));
        tooDeep = new ArrayList<>(List.of(tooDeep));
        byte[] written = serializer.serialize(tooDeep);
        assertEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(written).getKindCase());
        assertThrows(InvalidClassException.class, () -> serializer.checkReadable(written));
        assertEquals(KindCase.COLLECTION_VALUE, AttributeValue.parseFrom(deeper.serialize(tooDeep)).getKindCase());
    }

    @Test
    void nestingIsBoundedWhateverTheFilterAllows() throws Exception
    {
        ProtobufAttributeSerializer unbounded = new ProtobufAttributeSerializer(
            new JavaSerialization(SessionSerialFilter.create("maxdepth=100000000")));
        assertEquals(TypedEncoder.MAX_DEPTH, depth(unbounded.deserialize(nestedLists(TypedEncoder.MAX_DEPTH))));
        assertThrows(IOException.class, () -> unbounded.deserialize(nestedLists(TypedEncoder.MAX_DEPTH + 1)));
        // More than a stack's worth of nesting, in 60 KB: refused, no StackOverflowError.
        assertThrows(IOException.class, () -> unbounded.deserialize(nestedLists(10_000)));
    }

    private static int depth(Object value)
    {
        return value instanceof List<?> list ? 1 + depth(list.get(0)) : 1;
    }

    static Stream<Arguments> limits()
    {
        List<String> twenty = new ArrayList<>();
        for (int i = 0; i < 20; i++)
            twenty.add("s" + i);
        // A Java deserialization asks its filter before each object but a String, so it lets through strings that
        // take it over a limit after its last question; the typed reader asks about the whole value once more.
        return Stream.of(
            arguments("maxarray=19", twenty, false),
            arguments("maxrefs=20", twenty, true),
            arguments("maxbytes=100", new ArrayList<>(List.of("x".repeat(100))), true),
            arguments("maxarray=1", Map.of("a", 1, "b", 2), false));
    }

    @ParameterizedTest
    @MethodSource("limits")
    void theFiltersOtherLimitsBoundTypedValues(String pattern, Object value, boolean javaReadsIt) throws Exception
    {
        ProtobufAttributeSerializer limited = new ProtobufAttributeSerializer(new JavaSerialization(SessionSerialFilter.create(pattern)));
        byte[] bytes = serializer.serialize(value);
        assertNotEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(bytes).getKindCase());
        assertThrows(InvalidClassException.class, () -> limited.deserialize(bytes));
        // The writer asks the same: the value goes to Java serialization, which the save then checks as any other.
        byte[] written = limited.serialize(value);
        assertEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(written).getKindCase());
        if (javaReadsIt)
            assertEquals(value, limited.deserialize(written));
        else
            assertThrows(InvalidClassException.class, () -> limited.checkReadable(written));
    }

    @Test
    void theFilterDecidesCollectionClassesToo() throws Exception
    {
        byte[] list = serializer.serialize(new ArrayList<>(List.of(1)));
        ProtobufAttributeSerializer refusing = new ProtobufAttributeSerializer(
            new JavaSerialization(SessionSerialFilter.create("!java.util.ArrayList")));
        assertThrows(InvalidClassException.class, () -> refusing.deserialize(list));
        assertEquals(List.of(1), refusing.deserialize(serializer.serialize(List.of(1))));
    }

    static Stream<Arguments> invalidBytes() throws IOException
    {
        // new Item("x", 1, null, List.of()), as the .proto describes it.
        RecordValue itemRecord = RecordValue.newBuilder().setClassName(Item.class.getName())
            .addComponents(component("name", string("x")))
            .addComponents(component("quantity", integer(1)))
            .addComponents(component("colour", nullValue()))
            .addComponents(component("tags", collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_LIST))).build();
        AttributeValue item = AttributeValue.newBuilder().setRecordValue(itemRecord).build();
        return Stream.of(
            invalid("null as the attribute value", nullValue()),
            invalid("a collection kind this version does not know", AttributeValue.newBuilder().setCollectionValue(
                CollectionValue.newBuilder().setKindValue(99).addElements(integer(1)))),
            invalid("a collection without a kind", collection(CollectionKind.COLLECTION_KIND_UNSPECIFIED, integer(1))),
            invalid("a map kind this version does not know", AttributeValue.newBuilder().setMapValue(MapValue.newBuilder().setKindValue(42))),
            invalid("a map entry without its value", AttributeValue.newBuilder().setMapValue(MapValue.newBuilder()
                .setKind(MapKind.MAP_KIND_HASH_MAP).addEntries(MapEntry.newBuilder().setKey(integer(1))))),
            invalid("a record without its class", AttributeValue.newBuilder().setRecordValue(itemRecord.toBuilder().clearClassName())),
            invalid("a record with a component twice", AttributeValue.newBuilder().setRecordValue(itemRecord.toBuilder()
                .addComponents(component("name", string("y"))))),
            invalid("a record component without a value", AttributeValue.newBuilder().setRecordValue(itemRecord.toBuilder()
                .setComponents(0, RecordComponent.newBuilder().setName("name")))),
            invalid("a record of a class that is not a record", AttributeValue.newBuilder().setRecordValue(RecordValue.newBuilder()
                .setClassName("java.lang.String"))),
            invalid("a record that is not Serializable", AttributeValue.newBuilder().setRecordValue(RecordValue.newBuilder()
                .setClassName(ProtobufAttributeSerializerTest.NotSerializable.class.getName())
                .addComponents(component("value", string("x"))))),
            invalid("an enum of a class that is not an enum", AttributeValue.newBuilder().setEnumValue(EnumValue.newBuilder()
                .setClassName("java.lang.String").setName("CASE_INSENSITIVE_ORDER"))),
            invalid("an enum constant that does not exist", AttributeValue.newBuilder().setEnumValue(EnumValue.newBuilder()
                .setClassName(Colour.class.getName()).setName("PURPLE"))),
            invalid("an Optional holding null", AttributeValue.newBuilder().setOptionalValue(OptionalValue.newBuilder().setValue(nullValue()))),
            invalid("Java serialization nested in a list", collection(CollectionKind.COLLECTION_KIND_ARRAY_LIST,
                AttributeValue.newBuilder().setJavaSerialized(ByteString.copyFrom(javaSerialized("x"))).build())),
            invalid("a nested value of a kind this version does not know", collection(CollectionKind.COLLECTION_KIND_ARRAY_LIST,
                AttributeValue.getDefaultInstance())),
            invalid("List.of holding null", collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_LIST, nullValue())),
            invalid("Set.of holding one element twice", collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_SET, integer(1), integer(1))),
            invalid("Map.of holding one key twice", AttributeValue.newBuilder().setMapValue(MapValue.newBuilder()
                .setKind(MapKind.MAP_KIND_IMMUTABLE_MAP).addEntries(entry(integer(1), integer(1))).addEntries(entry(integer(1), integer(2))))),
            invalid("a TreeSet of values that are not Comparable", collection(CollectionKind.COLLECTION_KIND_TREE_SET, item, item)),
            invalid("a TreeSet holding null", collection(CollectionKind.COLLECTION_KIND_TREE_SET, nullValue())),
            invalid("an unknown currency", AttributeValue.newBuilder().setCurrencyValue("XYZW")),
            invalid("an invalid URI", AttributeValue.newBuilder().setUriValue("http://exa mple.com")),
            invalid("a LocalTime out of range", AttributeValue.newBuilder().setLocalTimeValue(-1)),
            invalid("an unknown zone", AttributeValue.newBuilder().setZoneIdValue("Mars/Olympus_Mons")),
            invalid("a ZonedDateTime without a zone", AttributeValue.newBuilder().setZonedDateTimeValue(
                io.github.jettyredis.session.codec.proto.ZonedDateTime.newBuilder().setEpochDay(1))),
            invalid("an offset out of range", AttributeValue.newBuilder().setOffsetDateTimeValue(
                io.github.jettyredis.session.codec.proto.OffsetDateTime.newBuilder().setOffsetSeconds(100_000))),
            invalid("a record cut short", Arrays.copyOf(item.toByteArray(), item.getSerializedSize() - 1)));
    }

    @ParameterizedTest
    @MethodSource("invalidBytes")
    void invalidBytesAreAnIOException(byte[] bytes)
    {
        assertThrows(IOException.class, () -> serializer.deserialize(bytes));
    }

    // Damaged bytes in Redis cost the attribute, not the request: whatever they are, reading them throws an
    // IOException (or ClassNotFoundException, for a class name damaged into another) or gives a value.
    @Test
    void damagedTypedBytesNeverThrowAnythingElse() throws Exception
    {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("basket", ProtobufAttributeSerializerTest.basket());
        value.put("set", new HashSet<>(List.of(Colour.RED, Colour.BLUE)));
        value.put("time", Optional.of(ZonedDateTime.of(2024, 2, 29, 12, 0, 0, 0, ZoneId.of("Europe/Paris"))));
        value.put("period", List.of(Period.ofDays(3), Locale.UK, Currency.getInstance("EUR"), URI.create("a:b")));
        byte[] bytes = serializer.serialize(value);
        Random random = new Random(12);
        for (int i = 0; i < 3_000; i++)
        {
            byte[] damaged = bytes.clone();
            for (int j = random.nextInt(1, 4); j > 0; j--)
                damaged[random.nextInt(damaged.length)] = (byte)random.nextInt();
            try
            {
                serializer.deserialize(damaged);
            }
            catch (IOException | ClassNotFoundException e)
            {
                // Unreadable, as it should be.
            }
        }
    }

    @Test
    void enumConstantsAreTheConstantsThemselves() throws Exception
    {
        assertSame(Shape.CIRCLE, serializer.deserialize(serializer.serialize(Shape.CIRCLE)));
        assertSame(Colour.BLUE, ((Item)serializer.deserialize(serializer.serialize(new Item("x", 1, Colour.BLUE, List.of())))).colour());
    }

    private static Arguments invalid(String name, AttributeValue.Builder value)
    {
        return invalid(name, value.build());
    }

    private static Arguments invalid(String name, AttributeValue value)
    {
        return invalid(name, value.toByteArray());
    }

    private static Arguments invalid(String name, byte[] bytes)
    {
        return arguments(named(name, bytes));
    }

    private static byte[] javaSerialized(Object value) throws IOException
    {
        return new JavaSerialization(SessionSerialFilter.create(null)).serialize(value);
    }

    /** @return an AttributeValue whose member {@code field} is the message {@code content} */
    private static byte[] member(int field, byte[] content) throws IOException
    {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeByteArray(field, content);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] first, byte[] second)
    {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
