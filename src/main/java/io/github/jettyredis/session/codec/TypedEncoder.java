// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.ObjectInputFilter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.Currency;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.google.protobuf.WireFormat;

/**
 * Writes the {@code AttributeValue} members that issue 12 added: enums, records, plain {@code Serializable}
 * objects (see {@link ObjectShape}), lists, sets and maps, Optional, Locale, Currency, URI and the java.time values
 * the first version lacked, nested to any mix, with the values of the first version's members inside them.
 * {@link TypedDecoder} reads them.
 *
 * <p>A value is written this way only if all of it can be: a record or collection holding one value that has
 * no typed member (an object with a serialized form of its own, a record that is not {@code Serializable}, a
 * collection implementation that {@code CollectionKind} does not name, a hashed set or map whose hash codes
 * {@link HashCollisions} refuses, ...) is left to Java serialization as a whole, and so is one that holds the same mutable collection or object twice (or itself): typed values keep
 * content, not identity, and Java serialization keeps both.</p>
 *
 * <p>The read filter (see {@link SessionSerialFilter}) is asked about the value exactly as the reader will ask
 * it: about each record and enum class, each object's class and its {@code Serializable} superclasses, each
 * collection, map and Optional class, with the depth and the count
 * of values so far, and about an {@code Object[]} of each collection's size, as the JDK's collections do when
 * Java-serialized. A value it refuses is left to Java serialization, whose read the same filter then refuses
 * when the save checks it ({@link AttributeSerializer#checkReadable}): the attribute is not written, as before
 * typed values existed. So a typed value that is written is one that every reader with the same filter reads,
 * and {@link ProtobufAttributeSerializer#checkReadable} need not read it back.</p>
 *
 * <p>Deterministic: equal values give equal bytes, also for {@code HashSet}, {@code HashMap},
 * {@code Set.of} and {@code Map.of}, whose elements or entries are sorted by their bytes (their iteration order
 * depends on the history of the instance, and on identity hash codes of enum constants, which differ from node
 * to node). Not thread safe: one per value written.</p>
 */
final class TypedEncoder
{
    /**
     * The most values nested in one another (a list in a record in a map, ...), whatever the filter allows: a
     * hard bound on the reader's recursion. The filter's own depth limit (20 by default) is lower.
     */
    static final int MAX_DEPTH = 64;

    // Collection and map classes that are immutable, by the number of their elements where that matters.
    static final Class<?> LIST_12 = List.of(0).getClass();
    static final Class<?> LIST_N = List.of().getClass();
    static final Class<?> SET_12 = Set.of(0).getClass();
    static final Class<?> SET_N = Set.of().getClass();
    static final Class<?> MAP_1 = Map.of(0, 0).getClass();
    static final Class<?> MAP_N = Map.of().getClass();
    static final Class<?> ZONE_REGION = ZoneId.of("Europe/Paris").getClass();

    // The binary names of enum classes, in UTF-8 (a record's is in its RecordShape).
    private static final ClassValue<byte[]> ENUM_NAMES = new ClassValue<>()
    {
        @Override
        protected byte[] computeValue(Class<?> type)
        {
            return type.getName().getBytes(StandardCharsets.UTF_8);
        }
    };
    // Language tags known to give their Locale back, or "" for a Locale that has no exact one. Bounded, since
    // Locales can come from requests.
    private static final Map<Locale, String> LANGUAGE_TAGS = new ConcurrentHashMap<>();
    private static final int MAX_LANGUAGE_TAGS = 1000;

    private final ObjectInputFilter filter;
    private final WireBuffer out = new WireBuffer(256);
    private long references;
    // The mutable collections met so far, by identity; a map only past a few.
    private final Object[] seen = new Object[8];
    private int seenCount;
    private IdentityHashMap<Object, Object> seenMany;

    private TypedEncoder(ObjectInputFilter filter)
    {
        this.filter = filter;
    }

    /**
     * @param type the class of an attribute value
     * @return true if values of it may have a member of their own among those added by issue 12; a quick test,
     * so that other values go to Java serialization without an attempt
     */
    static boolean isCandidate(Class<?> type)
    {
        // Record.class.isAssignableFrom, not Class.isRecord(), which calls into the VM each time.
        return Enum.class.isAssignableFrom(type) || Record.class.isAssignableFrom(type) || collectionKind(type) != 0 ||
            mapKind(type) != 0 || type == Optional.class || type == Locale.class || type == Currency.class ||
            type == URI.class || type == LocalTime.class || type == ZonedDateTime.class || type == OffsetDateTime.class ||
            type == ZoneOffset.class || type == ZONE_REGION || type == Period.class || ObjectShape.of(type).isUsable();
    }

    /**
     * @param value an attribute value whose class {@link #isCandidate is a candidate}
     * @param filter the read filter of the Java-serialized values
     * @return its {@code AttributeValue} message, or null if it must be Java-serialized
     * @throws IOException if a record's accessor throws a checked exception
     */
    static byte[] encode(Object value, ObjectInputFilter filter) throws IOException
    {
        TypedEncoder encoder = new TypedEncoder(filter);
        try
        {
            encoder.value(value, 1);
            // The reader checks the size and the count of values of the whole once more; so does the writer.
            encoder.checkLimits();
        }
        catch (NotTyped e)
        {
            return null;
        }
        return encoder.out.toByteArray();
    }

    /**
     * Writes the one member of the {@code AttributeValue} that holds {@code value}.
     *
     * @param depth 1 for the attribute value, 2 for what it holds, ...
     */
    private void value(Object value, int depth) throws IOException, NotTyped
    {
        references++;
        if (value == null)
        {
            out.end(out.begin(AttributeValueWire.NULL));
            return;
        }
        Class<?> type = value.getClass();
        // The first version's members, as ProtobufAttributeSerializer writes them at the top.
        if (type == String.class)
            out.bytesField(AttributeValueWire.STRING, ((String)value).getBytes(StandardCharsets.UTF_8));
        else if (type == Integer.class)
            out.varintField(AttributeValueWire.INT, (Integer)value);
        else if (type == Long.class)
            out.varintField(AttributeValueWire.LONG, (Long)value);
        else if (type == Boolean.class)
            out.varintField(AttributeValueWire.BOOL, (Boolean)value ? 1 : 0);
        else if (type == Double.class)
        {
            out.tag(AttributeValueWire.DOUBLE, WireFormat.WIRETYPE_FIXED64);
            out.fixed64(Double.doubleToRawLongBits((Double)value));
        }
        else if (type == Float.class)
        {
            out.tag(AttributeValueWire.FLOAT, WireFormat.WIRETYPE_FIXED32);
            out.fixed32(Float.floatToRawIntBits((Float)value));
        }
        else if (type == Character.class)
            out.varintField(AttributeValueWire.CHAR, (Character)value);
        else if (type == Byte.class)
            out.varintField(AttributeValueWire.BYTE, AttributeValueWire.zigZag((Byte)value));
        else if (type == Short.class)
            out.varintField(AttributeValueWire.SHORT, AttributeValueWire.zigZag((Short)value));
        else if (type == byte[].class)
            out.bytesField(AttributeValueWire.BYTES, (byte[])value);
        else if (type == BigDecimal.class)
            AttributeValueWire.bigDecimal(out, (BigDecimal)value);
        else if (type == BigInteger.class)
            out.bytesField(AttributeValueWire.BIG_INTEGER, ((BigInteger)value).toByteArray());
        else if (type == UUID.class)
            fixedPair(AttributeValueWire.UUID, ((UUID)value).getMostSignificantBits(), ((UUID)value).getLeastSignificantBits());
        else if (type == Instant.class)
            varintPair(AttributeValueWire.INSTANT, ((Instant)value).getEpochSecond(), ((Instant)value).getNano());
        else if (type == Date.class)
            out.varintField(AttributeValueWire.DATE_MILLIS, ((Date)value).getTime());
        else if (type == LocalDate.class)
            out.varintField(AttributeValueWire.LOCAL_DATE, ((LocalDate)value).toEpochDay());
        else if (type == LocalDateTime.class)
            varintPair(AttributeValueWire.LOCAL_DATE_TIME, ((LocalDateTime)value).toLocalDate().toEpochDay(),
                ((LocalDateTime)value).toLocalTime().toNanoOfDay());
        else if (type == Duration.class)
            varintPair(AttributeValueWire.DURATION, ((Duration)value).getSeconds(), ((Duration)value).getNano());
        // The members added by issue 12.
        else if (value instanceof Enum<?> constant)
            enumValue(constant, depth);
        else if (value instanceof Record)
            record(value, depth);
        else if (collectionKind(type) != 0)
            collection((Collection<?>)value, collectionKind(type), depth);
        else if (mapKind(type) != 0)
            map((Map<?, ?>)value, mapKind(type), depth);
        else if (type == Optional.class)
            optional((Optional<?>)value, depth);
        else if (type == Locale.class)
            out.bytesField(AttributeValueWire.LOCALE, languageTag((Locale)value).getBytes(StandardCharsets.UTF_8));
        else if (type == Currency.class)
            out.bytesField(AttributeValueWire.CURRENCY, ((Currency)value).getCurrencyCode().getBytes(StandardCharsets.UTF_8));
        else if (type == URI.class)
            out.bytesField(AttributeValueWire.URI, value.toString().getBytes(StandardCharsets.UTF_8));
        else if (type == LocalTime.class)
            out.varintField(AttributeValueWire.LOCAL_TIME, ((LocalTime)value).toNanoOfDay());
        else if (type == ZonedDateTime.class)
        {
            ZonedDateTime time = (ZonedDateTime)value;
            int mark = out.begin(AttributeValueWire.ZONED_DATE_TIME);
            dateTimeFields(time.toLocalDateTime(), time.getOffset());
            out.bytesFieldUnlessEmpty(4, time.getZone().getId().getBytes(StandardCharsets.UTF_8));
            out.end(mark);
        }
        else if (type == OffsetDateTime.class)
        {
            OffsetDateTime time = (OffsetDateTime)value;
            int mark = out.begin(AttributeValueWire.OFFSET_DATE_TIME);
            dateTimeFields(time.toLocalDateTime(), time.getOffset());
            out.end(mark);
        }
        else if (type == ZoneOffset.class || type == ZONE_REGION)
            out.bytesField(AttributeValueWire.ZONE_ID, ((ZoneId)value).getId().getBytes(StandardCharsets.UTF_8));
        else if (type == Period.class)
        {
            Period period = (Period)value;
            int mark = out.begin(AttributeValueWire.PERIOD);
            out.varintFieldUnlessZero(1, AttributeValueWire.zigZag(period.getYears()));
            out.varintFieldUnlessZero(2, AttributeValueWire.zigZag(period.getMonths()));
            out.varintFieldUnlessZero(3, AttributeValueWire.zigZag(period.getDays()));
            out.end(mark);
        }
        else if (ObjectShape.of(type).isUsable())
            object(value, ObjectShape.of(type), depth);
        else
            throw NotTyped.INSTANCE;
    }

    private void enumValue(Enum<?> constant, int depth) throws NotTyped
    {
        // A constant with a body of its own is an instance of a subclass: the enum is its declaring class.
        Class<?> type = constant.getDeclaringClass();
        check(type, -1, depth);
        int mark = out.begin(AttributeValueWire.ENUM);
        out.bytesField(1, ENUM_NAMES.get(type));
        out.bytesField(2, constant.name().getBytes(StandardCharsets.UTF_8));
        out.end(mark);
    }

    private void record(Object value, int depth) throws IOException, NotTyped
    {
        RecordShape shape = RecordShape.of(value.getClass());
        if (!shape.isUsable())
            throw NotTyped.INSTANCE;
        check(value.getClass(), -1, depth);
        int mark = out.begin(AttributeValueWire.RECORD);
        parts(shape, value, depth);
        out.end(mark);
    }

    private void object(Object value, ObjectShape shape, int depth) throws IOException, NotTyped
    {
        // Mutable, like the collections: one held twice keeps its identity only through Java serialization.
        firstTime(value);
        for (Class<?> type : shape.serializableClasses())
            check(type, -1, depth);
        int mark = out.begin(AttributeValueWire.OBJECT);
        parts(shape, value, depth);
        if (shape.serialVersionUid() != 0)
        {
            out.tag(3, WireFormat.WIRETYPE_FIXED64);
            out.fixed64(shape.serialVersionUid());
        }
        out.end(mark);
    }

    /** The class name, then each part (a record's component, an object's field) by name, as {@code RecordValue} has them. */
    private void parts(ValueShape shape, Object value, int depth) throws IOException, NotTyped
    {
        out.bytesField(1, shape.className());
        for (int i = 0; i < shape.size(); i++)
        {
            int part = out.begin(2);
            out.bytesField(1, shape.encodedName(i));
            nested(2, shape.get(value, i), depth);
            out.end(part);
        }
    }

    private void collection(Collection<?> collection, int kind, int depth) throws IOException, NotTyped
    {
        if (kind == AttributeValueWire.TREE_SET && ((TreeSet<?>)collection).comparator() != null)
            throw NotTyped.INSTANCE;
        boolean immutable = kind == AttributeValueWire.IMMUTABLE_LIST || kind == AttributeValueWire.IMMUTABLE_SET;
        if (!immutable)
            firstTime(collection);
        int size = collection.size();
        check(TypedDecoder.collectionClass(kind, size), -1, depth);
        check(Object[].class, size, depth);
        boolean sorted = kind == AttributeValueWire.HASH_SET || kind == AttributeValueWire.IMMUTABLE_SET;
        int[] starts = sorted ? new int[size] : null;
        int[] hashCodes = sorted || kind == AttributeValueWire.LINKED_HASH_SET ? new int[size] : null;
        int count = 0;
        int mark = out.begin(AttributeValueWire.COLLECTION);
        out.varintField(1, kind);
        for (Object element : collection)
        {
            // List.of refuses null, but Stream.toList() gives the same class with nulls.
            if (element == null && immutable)
                throw NotTyped.INSTANCE;
            if (sorted && count < size)
                starts[count] = out.size();
            nested(2, element, depth);
            // Once written: an element that holds itself is left to Java serialization there, before its
            // hashCode() overflows the stack.
            if (hashCodes != null && count < size)
                hashCodes[count] = Objects.hashCode(element);
            count++;
        }
        // A collection changed while it was written: its bytes would not be what the reader checks.
        if (count != size)
            throw new IOException("The collection changed while it was written");
        checkHashCodes(hashCodes, kind == AttributeValueWire.IMMUTABLE_SET);
        if (sorted)
            out.sortFields(starts, count);
        out.end(mark);
    }

    private void map(Map<?, ?> map, int kind, int depth) throws IOException, NotTyped
    {
        if (kind == AttributeValueWire.TREE_MAP && ((TreeMap<?, ?>)map).comparator() != null)
            throw NotTyped.INSTANCE;
        if (kind != AttributeValueWire.IMMUTABLE_MAP)
            firstTime(map);
        int size = map.size();
        check(TypedDecoder.mapClass(kind, size), -1, depth);
        check(Object[].class, size, depth);
        boolean sorted = kind == AttributeValueWire.HASH_MAP || kind == AttributeValueWire.IMMUTABLE_MAP;
        int[] starts = sorted ? new int[size] : null;
        int[] hashCodes = kind != AttributeValueWire.TREE_MAP ? new int[size] : null;
        int count = 0;
        int mark = out.begin(AttributeValueWire.MAP);
        out.varintField(1, kind);
        for (Map.Entry<?, ?> entry : map.entrySet())
        {
            if (sorted && count < size)
                starts[count] = out.size();
            int entryMark = out.begin(2);
            nested(1, entry.getKey(), depth);
            if (hashCodes != null && count < size)
                hashCodes[count] = Objects.hashCode(entry.getKey());
            count++;
            nested(2, entry.getValue(), depth);
            out.end(entryMark);
        }
        if (count != size)
            throw new IOException("The map changed while it was written");
        checkHashCodes(hashCodes, kind == AttributeValueWire.IMMUTABLE_MAP);
        if (sorted)
            out.sortFields(starts, count);
        out.end(mark);
    }

    /**
     * Leaves to Java serialization a hashed set or map that the reader would refuse for its hash codes
     * ({@link HashCollisions}): the reader computes them from the same values.
     *
     * @param hashCodes those of the elements or keys, or null for a collection that is not hashed
     */
    private static void checkHashCodes(int[] hashCodes, boolean probed) throws NotTyped
    {
        if (hashCodes != null && HashCollisions.refusal(hashCodes, probed) != null)
            throw NotTyped.INSTANCE;
    }

    private void optional(Optional<?> optional, int depth) throws IOException, NotTyped
    {
        check(Optional.class, -1, depth);
        int mark = out.begin(AttributeValueWire.OPTIONAL);
        if (optional.isPresent())
            nested(1, optional.get(), depth);
        out.end(mark);
    }

    /** Writes {@code value}, held by a value at {@code depth}, as the {@code AttributeValue} field {@code field}. */
    private void nested(int field, Object value, int depth) throws IOException, NotTyped
    {
        if (depth >= MAX_DEPTH)
            throw NotTyped.INSTANCE;
        int mark = out.begin(field);
        value(value, depth + 1);
        out.end(mark);
    }

    /** As {@link AttributeValueWire#pair} with fixed64 numbers, zeros left out. */
    private void fixedPair(int field, long first, long second)
    {
        int mark = out.begin(field);
        if (first != 0)
        {
            out.tag(1, WireFormat.WIRETYPE_FIXED64);
            out.fixed64(first);
        }
        if (second != 0)
        {
            out.tag(2, WireFormat.WIRETYPE_FIXED64);
            out.fixed64(second);
        }
        out.end(mark);
    }

    /** As {@link AttributeValueWire#pair} with varint numbers, zeros left out. */
    private void varintPair(int field, long first, long second)
    {
        int mark = out.begin(field);
        out.varintFieldUnlessZero(1, first);
        out.varintFieldUnlessZero(2, second);
        out.end(mark);
    }

    private void dateTimeFields(LocalDateTime dateTime, ZoneOffset offset)
    {
        out.varintFieldUnlessZero(1, dateTime.toLocalDate().toEpochDay());
        out.varintFieldUnlessZero(2, dateTime.toLocalTime().toNanoOfDay());
        out.varintFieldUnlessZero(3, AttributeValueWire.zigZag(offset.getTotalSeconds()));
    }

    /** @return the language tag that gives {@code locale} back; a Locale without one is Java-serialized */
    private static String languageTag(Locale locale) throws NotTyped
    {
        String tag = LANGUAGE_TAGS.get(locale);
        if (tag == null)
        {
            tag = locale.toLanguageTag();
            if (!Locale.forLanguageTag(tag).equals(locale))
                tag = "";
            if (LANGUAGE_TAGS.size() < MAX_LANGUAGE_TAGS)
                LANGUAGE_TAGS.put(locale, tag);
        }
        if (tag.isEmpty())
            throw NotTyped.INSTANCE;
        return tag;
    }

    /** A mutable collection met a second time (shared, or holding itself) is left to Java serialization. */
    private void firstTime(Object collection) throws NotTyped
    {
        if (seenMany != null)
        {
            if (seenMany.put(collection, collection) != null)
                throw NotTyped.INSTANCE;
            return;
        }
        for (int i = 0; i < seenCount; i++)
            if (seen[i] == collection)
                throw NotTyped.INSTANCE;
        if (seenCount < seen.length)
        {
            seen[seenCount++] = collection;
            return;
        }
        seenMany = new IdentityHashMap<>();
        for (Object earlier : seen)
            seenMany.put(earlier, earlier);
        seenMany.put(collection, collection);
    }

    /** Asks the filter what the reader will ask it; a refusal leaves the value to Java serialization. */
    private void check(Class<?> type, long arrayLength, int depth) throws NotTyped
    {
        if (filter.checkInput(new TypedFilterInfo(type, arrayLength, depth, references, 0)) == ObjectInputFilter.Status.REJECTED)
            throw NotTyped.INSTANCE;
    }

    private void checkLimits() throws NotTyped
    {
        if (filter.checkInput(new TypedFilterInfo(null, -1, 1, references, out.size())) == ObjectInputFilter.Status.REJECTED)
            throw NotTyped.INSTANCE;
    }

    /** @return the CollectionKind of a List or Set class, or 0 for one without a kind */
    static int collectionKind(Class<?> type)
    {
        if (type == ArrayList.class)
            return AttributeValueWire.ARRAY_LIST;
        if (type == LIST_12 || type == LIST_N)
            return AttributeValueWire.IMMUTABLE_LIST;
        if (type == HashSet.class)
            return AttributeValueWire.HASH_SET;
        if (type == LinkedHashSet.class)
            return AttributeValueWire.LINKED_HASH_SET;
        if (type == LinkedList.class)
            return AttributeValueWire.LINKED_LIST;
        if (type == TreeSet.class)
            return AttributeValueWire.TREE_SET;
        if (type == SET_12 || type == SET_N)
            return AttributeValueWire.IMMUTABLE_SET;
        return 0;
    }

    /** @return the MapKind of a Map class, or 0 for one without a kind */
    static int mapKind(Class<?> type)
    {
        if (type == HashMap.class)
            return AttributeValueWire.HASH_MAP;
        if (type == LinkedHashMap.class)
            return AttributeValueWire.LINKED_HASH_MAP;
        if (type == MAP_1 || type == MAP_N)
            return AttributeValueWire.IMMUTABLE_MAP;
        if (type == TreeMap.class)
            return AttributeValueWire.TREE_MAP;
        return 0;
    }

    /** Thrown where a value has no typed encoding; preallocated, without a stack trace: it is not an error. */
    private static final class NotTyped extends Exception
    {
        private static final long serialVersionUID = 1L;
        static final NotTyped INSTANCE = new NotTyped();

        private NotTyped()
        {
            super("No typed encoding", null, false, false);
        }
    }
}
