// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.lang.ref.WeakReference;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
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
import java.util.Arrays;
import java.util.Collection;
import java.util.Currency;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
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

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Reads the {@code AttributeValue} members that {@link TypedEncoder} writes, and the first version's members
 * wherever they are.
 *
 * <p>Records and enums name their class: it is resolved through the thread context class loader (the webapp's,
 * then this library's, as {@link JavaSerialization} resolves classes), without initializing it, and the read
 * filter decides it before anything of it runs or is instantiated: a class the filter refuses fails the read
 * with {@link InvalidClassException}, as in a Java deserialization. The filter is also asked about each
 * collection, map and Optional class and each collection's size, with the depth and the number of values so
 * far, and about the whole value once read, so its limits ({@code maxdepth}, {@code maxarray},
 * {@code maxrefs}, {@code maxbytes}) bound a typed value as they bound a Java-serialized one; a collection's
 * size is checked before any of its elements is read. Nesting is bounded by {@link TypedEncoder#MAX_DEPTH}
 * whatever the filter allows. Typed values hold no references to one another, so no value can make the reader
 * work harder than its bytes, as the nested sets of "SerialDOS" do in Java serialization; nor can hashed sets
 * and maps whose elements or keys share hash codes (or, in {@code Set.of} and {@code Map.of}, crowd into one part
 * of the table), which would cost quadratic time to build: {@link HashCollisions} refuses them.</p>
 *
 * <p>A record is rebuilt through its canonical constructor with its components matched by name; one whose
 * class changed shape since it was written (a component added, removed or renamed, a component type that does
 * not take the stored value, no longer a record or no longer {@code Serializable}) and an enum constant that no
 * longer exists fail the read with an {@link IOException} that says so. Any other failure while reading (bad
 * bytes, a value that its class refuses) is an {@link IOException} as well; a class that cannot be found is a
 * {@link ClassNotFoundException}. Not thread safe: one per value read.</p>
 */
final class TypedDecoder
{
    /**
     * Record and enum classes recently resolved, by the UTF-8 bytes of their names, each in the slot its name
     * hashes to (a later one takes the slot): resolving a name costs a few hundred nanoseconds, more than the
     * rest of reading a small record. Only classes that the context class loader defined itself, which are what
     * it resolves under their names (a loader looks for the classes it defined before anything else); weak, so
     * that a redeployed webapp's classes go. Entries are immutable, so threads may race on the slots.
     */
    private static final Resolved[] RESOLVED = new Resolved[64];
    /** The longest decimal string converted by {@link BigDecimal#BigDecimal(String)} itself, whose time is quadratic. */
    private static final int DIGITS_AT_ONCE = 1_000;
    /**
     * The longest {@code big_decimal_value} read: what this version writes is at most {@value #DIGITS_AT_ONCE}
     * characters (a longer decimal is {@code big_decimal_parts_value}); versions before issue 13 wrote decimals of
     * any length as strings, and those of up to this many characters are still read, by halves, in tens of
     * milliseconds. Converting longer ones takes time that grows faster than their length: they are unreadable.
     */
    static final int MAX_DECIMAL_CHARACTERS = 100_000;

    private final ObjectInputFilter filter;
    // The whole stored value: a collection's elements are counted on it before they are read.
    private final byte[] bytes;
    private long references = 1;

    /**
     * @param filter the read filter of the Java-serialized values
     * @param bytes the stored value, read by a {@link CodedInputStream} over all of it
     */
    TypedDecoder(ObjectInputFilter filter, byte[] bytes)
    {
        this.filter = filter;
        this.bytes = bytes;
    }

    /**
     * Reads a member of the first version but {@code java_serialized}, after its tag.
     *
     * @param field the member, one that {@link AttributeValueWire#isScalar} accepts
     */
    static Object scalar(int field, CodedInputStream in) throws IOException
    {
        return switch (field)
        {
            case AttributeValueWire.STRING -> in.readStringRequireUtf8();
            case AttributeValueWire.BOOL -> in.readBool();
            case AttributeValueWire.INT -> in.readInt32();
            case AttributeValueWire.LONG -> in.readInt64();
            case AttributeValueWire.FLOAT -> in.readFloat();
            case AttributeValueWire.DOUBLE -> in.readDouble();
            case AttributeValueWire.CHAR -> (char)inRange(in.readUInt32(), Character.MIN_VALUE, Character.MAX_VALUE, "char");
            case AttributeValueWire.BYTE -> (byte)inRange(in.readSInt32(), Byte.MIN_VALUE, Byte.MAX_VALUE, "byte");
            case AttributeValueWire.SHORT -> (short)inRange(in.readSInt32(), Short.MIN_VALUE, Short.MAX_VALUE, "short");
            case AttributeValueWire.BYTES -> in.readByteArray();
            case AttributeValueWire.BIG_DECIMAL -> bigDecimal(in.readStringRequireUtf8());
            case AttributeValueWire.BIG_DECIMAL_PARTS -> bigDecimalParts(in);
            case AttributeValueWire.BIG_INTEGER -> new BigInteger(in.readByteArray());
            case AttributeValueWire.UUID ->
            {
                long[] bits = AttributeValueWire.readPair(in, true);
                yield new UUID(bits[0], bits[1]);
            }
            case AttributeValueWire.INSTANT ->
            {
                long[] time = AttributeValueWire.readPair(in, false);
                yield Instant.ofEpochSecond(time[0], (int)time[1]);
            }
            case AttributeValueWire.DATE_MILLIS -> new Date(in.readInt64());
            case AttributeValueWire.LOCAL_DATE -> LocalDate.ofEpochDay(in.readInt64());
            case AttributeValueWire.LOCAL_DATE_TIME ->
            {
                long[] dateTime = AttributeValueWire.readPair(in, false);
                yield LocalDateTime.of(LocalDate.ofEpochDay(dateTime[0]), LocalTime.ofNanoOfDay(dateTime[1]));
            }
            case AttributeValueWire.DURATION ->
            {
                long[] time = AttributeValueWire.readPair(in, false);
                yield Duration.ofSeconds(time[0], (int)time[1]);
            }
            default -> throw new IllegalStateException("Field " + field + " is not a scalar member");
        };
    }

    /**
     * Reads a {@code big_decimal_value} as {@link BigDecimal#BigDecimal(String)} does, in less than quadratic time.
     * That constructor converts its digits in time quadratic in their number: a million digits (1 MB in Redis) took
     * 25 to 90 s on a busy 2-core VM. A string longer than {@value #DIGITS_AT_ONCE} characters is therefore split at
     * its point and exponent here, and its digits converted by halves, the high half's value multiplied by a power
     * of ten ({@link BigInteger#multiply} is Toom-Cook for such sizes): time grows as about n<sup>1.5</sup> (a
     * million digits took 0.2 to 1.7 s, 16 million 17 to 33 s). This version writes no string that long (see
     * {@link AttributeValueWire#bigDecimal(WireBuffer, BigDecimal)}), so one longer than
     * {@value #MAX_DECIMAL_CHARACTERS} characters is refused: the time stays in tens of milliseconds. Such a string
     * holds ASCII digits only, as {@link BigDecimal#toString} writes them; other digits, which that constructor also
     * takes, are refused in it.
     *
     * @throws NumberFormatException if the text is not a decimal, or its scale does not fit an int
     * @throws IOException if the text is longer than {@value #MAX_DECIMAL_CHARACTERS} characters
     */
    static BigDecimal bigDecimal(String text) throws IOException
    {
        if (text.length() > MAX_DECIMAL_CHARACTERS)
            throw new IOException("A big_decimal_value of " + text.length() + " characters, over the " + MAX_DECIMAL_CHARACTERS +
                " this version reads (written by a version before issue 13; this one writes such a decimal as " +
                "big_decimal_parts_value)");
        if (text.length() <= DIGITS_AT_ONCE)
            return new BigDecimal(text);
        int at = 0;
        boolean negative = text.charAt(0) == '-';
        if (negative || text.charAt(0) == '+')
            at++;
        int integerStart = at;
        at = skipDigits(text, at);
        int integerEnd = at;
        int fractionStart = at;
        if (at < text.length() && text.charAt(at) == '.')
        {
            fractionStart = ++at;
            at = skipDigits(text, at);
        }
        int fractionEnd = at;
        long exponent = 0;
        if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E'))
        {
            boolean negativeExponent = ++at < text.length() && text.charAt(at) == '-';
            if (at < text.length() && (negativeExponent || text.charAt(at) == '+'))
                at++;
            if (at == text.length() || skipDigits(text, at) != text.length())
                throw new NumberFormatException("Invalid exponent in a decimal of " + text.length() + " characters");
            while (at < text.length() - 1 && text.charAt(at) == '0')
                at++;
            // An int, as BigDecimal's exponent is.
            exponent = text.length() - at > 10 ? Long.MAX_VALUE : Long.parseLong(text, at, text.length(), 10);
            if (exponent > (negativeExponent ? -(long)Integer.MIN_VALUE : Integer.MAX_VALUE))
                throw new NumberFormatException("Exponent overflow in a decimal of " + text.length() + " characters");
            if (negativeExponent)
                exponent = -exponent;
            at = text.length();
        }
        if (at != text.length() || integerEnd == integerStart && fractionEnd == fractionStart)
            throw new NumberFormatException("Invalid decimal of " + text.length() + " characters");
        long scale = (fractionEnd - fractionStart) - exponent;
        if (scale != (int)scale)
            throw new NumberFormatException("Scale out of range in a decimal of " + text.length() + " characters");
        String digits = new StringBuilder(integerEnd - integerStart + fractionEnd - fractionStart)
            .append(text, integerStart, integerEnd).append(text, fractionStart, fractionEnd).toString();
        BigInteger unscaled = digits(digits, 0, digits.length(), new HashMap<>());
        return new BigDecimal(negative ? unscaled.negate() : unscaled, (int)scale);
    }

    /** Reads a {@code big_decimal_parts_value} after its tag: in time linear in its bytes, whatever its size. */
    private static BigDecimal bigDecimalParts(CodedInputStream in) throws IOException
    {
        int limit = in.pushLimit(in.readRawVarint32());
        byte[] unscaled = null;
        int scale = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            if (tag == AttributeValueWire.STRING_1)
                unscaled = in.readByteArray();
            else if (tag == AttributeValueWire.VARINT_2)
                scale = in.readSInt32();
            else
                skip(in, tag);
        }
        in.popLimit(limit);
        // As for big_integer_value, which BigInteger(byte[]) refuses empty.
        if (unscaled == null || unscaled.length == 0)
            throw new IOException("A BigDecimalParts without its unscaled value");
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    /** @return the value of the ASCII digits {@code from .. to}, converted by halves */
    private static BigInteger digits(String digits, int from, int to, Map<Integer, BigInteger> powers)
    {
        if (to - from <= DIGITS_AT_ONCE)
            return new BigInteger(digits.substring(from, to));
        int low = (to - from) / 2;
        BigInteger power = powers.computeIfAbsent(low, BigInteger.TEN::pow);
        return digits(digits, from, to - low, powers).multiply(power).add(digits(digits, to - low, to, powers));
    }

    private static int skipDigits(String text, int at)
    {
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9')
            at++;
        return at;
    }


    /**
     * Reads the attribute value's member {@code field}, one of those added by issue 12, after its tag, and
     * checks the whole value against the filter's limits.
     *
     * @return the value; null only for the member {@code null_value}, which the caller refuses
     * @throws IOException if the member cannot be read, or the filter refuses it
     * @throws ClassNotFoundException if a record or enum class cannot be found
     */
    Object attributeMember(int field, CodedInputStream in) throws IOException, ClassNotFoundException
    {
        try
        {
            Object value = member(field, in, 1);
            check(null, -1, 1);
            return value;
        }
        catch (LinkageError e)
        {
            // A class found but not loadable (its superclass missing, a bad class file) or failing its static
            // initializer: the value cannot be read here.
            throw new IOException("Invalid field " + field + " in AttributeValue: " + e, e);
        }
        catch (RuntimeException e)
        {
            // Values their own factory methods refuse (List.of with null, Set.of with duplicates, a bad zone id,
            // a TreeSet element that is not Comparable, ...).
            throw new IOException("Invalid field " + field + " in AttributeValue: " + e, e);
        }
    }

    private Object member(int field, CodedInputStream in, int depth) throws IOException, ClassNotFoundException
    {
        if (AttributeValueWire.isScalar(field))
            return scalar(field, in);
        return switch (field)
        {
            case AttributeValueWire.NULL ->
            {
                in.skipRawBytes(in.readRawVarint32());
                yield null;
            }
            case AttributeValueWire.ENUM -> enumValue(in, depth);
            case AttributeValueWire.RECORD -> record(in, depth);
            case AttributeValueWire.OBJECT -> object(in, depth);
            case AttributeValueWire.COLLECTION -> collection(in, depth);
            case AttributeValueWire.MAP -> map(in, depth);
            case AttributeValueWire.OPTIONAL -> optional(in, depth);
            case AttributeValueWire.LOCALE -> Locale.forLanguageTag(in.readStringRequireUtf8());
            case AttributeValueWire.CURRENCY -> Currency.getInstance(in.readStringRequireUtf8());
            case AttributeValueWire.URI -> uri(in.readStringRequireUtf8());
            case AttributeValueWire.LOCAL_TIME -> LocalTime.ofNanoOfDay(in.readInt64());
            case AttributeValueWire.ZONED_DATE_TIME -> dateTime(in, true);
            case AttributeValueWire.OFFSET_DATE_TIME -> dateTime(in, false);
            case AttributeValueWire.ZONE_ID -> ZoneId.of(in.readStringRequireUtf8());
            case AttributeValueWire.PERIOD -> period(in);
            case AttributeValueWire.JAVA_SERIALIZED ->
                throw new IOException("Java serialization nested in a typed value: only a whole attribute value is Java-serialized");
            default -> throw new IllegalStateException("Field " + field + " known but not decoded");
        };
    }

    /**
     * Reads a nested {@code AttributeValue} message (length, then content), held by a value at {@code depth}.
     * As protobuf reads a oneof, unknown fields are skipped and the last member present wins.
     */
    private Object nested(CodedInputStream in, int depth) throws IOException, ClassNotFoundException
    {
        if (depth >= TypedEncoder.MAX_DEPTH)
            throw new IOException("Typed value nested more than " + TypedEncoder.MAX_DEPTH + " deep");
        int limit = in.pushLimit(in.readRawVarint32());
        references++;
        int kind = 0;
        Object value = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            int field = AttributeValueWire.knownField(tag);
            if (field == 0)
                skip(in, tag);
            else
            {
                kind = field;
                value = member(field, in, depth + 1);
            }
        }
        in.popLimit(limit);
        if (kind == 0)
            throw new IOException("A nested AttributeValue holds no value this version knows: written by a newer version?");
        return value;
    }

    private Object enumValue(CodedInputStream in, int depth) throws IOException, ClassNotFoundException
    {
        int limit = in.pushLimit(in.readRawVarint32());
        Class<?> type = null;
        String name = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            if (tag == AttributeValueWire.STRING_1)
                type = className(in);
            else if (tag == AttributeValueWire.STRING_2)
                name = in.readStringRequireUtf8();
            else
                skip(in, tag);
        }
        in.popLimit(limit);
        if (type == null || name == null)
            throw new IOException("An EnumValue without its class or constant name");
        // Decided before the class is initialized (Enum.valueOf initializes it).
        check(type, -1, depth);
        String className = type.getName();
        if (!type.isEnum())
            throw new IOException("Cannot read a constant of enum " + className + ": the class is no longer an enum");
        try
        {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object constant = Enum.valueOf((Class)type, name);
            return constant;
        }
        catch (IllegalArgumentException e)
        {
            throw new IOException("Enum " + className + " changed: it has no constant " + name + " any more", e);
        }
    }

    private Object record(CodedInputStream in, int depth) throws IOException, ClassNotFoundException
    {
        return shaped(in, depth, true);
    }

    private Object object(CodedInputStream in, int depth) throws IOException, ClassNotFoundException
    {
        return shaped(in, depth, false);
    }

    /**
     * Reads a {@code RecordValue} or an {@code ObjectValue}: a class name, its parts by name (a record's
     * components, an object's fields) and, for an object, the class's serialVersionUID.
     */
    private Object shaped(CodedInputStream in, int depth, boolean record) throws IOException, ClassNotFoundException
    {
        String message = record ? "RecordValue" : "ObjectValue";
        int limit = in.pushLimit(in.readRawVarint32());
        ValueShape shape = null;
        Object[] values = null;
        boolean[] present = null;
        long storedUid = 0;
        // Parts before the class name (not as this codec writes them, but valid protobuf): placed once it is known.
        List<Object> early = null;
        // The part expected next: this codec writes them in order.
        int next = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            if (tag == AttributeValueWire.STRING_1)
            {
                if (shape != null)
                    throw new IOException("A " + message + " with two class names");
                Class<?> type = className(in);
                // Decided before the class is initialized or any of its parts read.
                check(type, -1, depth);
                shape = record ? recordShape(type) : objectShape(type, depth);
                values = new Object[shape.size()];
                present = new boolean[shape.size()];
                if (early != null)
                    for (int i = 0; i < early.size(); i += 2)
                        place(shape, values, present, shape.indexOf((String)early.get(i)), (String)early.get(i), early.get(i + 1));
            }
            else if (tag == AttributeValueWire.MESSAGE_2)
            {
                int partLimit = in.pushLimit(in.readRawVarint32());
                int index = -1;
                String name = null;
                boolean named = false;
                Object value = null;
                boolean hasValue = false;
                for (int partTag = in.readTag(); partTag != 0; partTag = in.readTag())
                {
                    if (partTag == AttributeValueWire.STRING_1)
                    {
                        named = true;
                        int length = in.readRawVarint32();
                        if (length < 0 || length > in.getBytesUntilLimit())
                            throw new InvalidProtocolBufferException("Truncated message in AttributeValue");
                        int at = in.getTotalBytesRead();
                        // The name as the class has it, compared in place: no String for each part read.
                        if (shape != null && next < shape.size() && shape.isNamed(next, bytes, at, length))
                        {
                            index = next;
                            name = null;
                        }
                        else
                        {
                            name = utf8(at, length);
                            index = shape == null ? -1 : shape.indexOf(name);
                        }
                        in.skipRawBytes(length);
                    }
                    else if (partTag == AttributeValueWire.MESSAGE_2)
                    {
                        value = nested(in, depth);
                        hasValue = true;
                    }
                    else
                        skip(in, partTag);
                }
                in.popLimit(partLimit);
                if (!named || !hasValue)
                    throw new IOException("A " + (record ? "RecordComponent" : "field of an ObjectValue") + " without its name or value");
                if (shape != null)
                {
                    place(shape, values, present, index, name, value);
                    next = index + 1;
                }
                else
                {
                    if (early == null)
                        early = new ArrayList<>();
                    early.add(name);
                    early.add(value);
                }
            }
            else if (tag == AttributeValueWire.FIXED64_3 && !record)
                storedUid = in.readFixed64();
            else
                skip(in, tag);
        }
        in.popLimit(limit);
        if (shape == null)
            throw new IOException("A " + message + " without its class name");
        if (!record)
        {
            ObjectShape objectShape = (ObjectShape)shape;
            objectShape.checkReadable(storedUid);
            return objectShape.instantiate(values, present);
        }
        for (int i = 0; i < present.length; i++)
            if (!present[i])
                throw new IOException("Record " + shape.typeName() + " changed: its component '" + shape.name(i) +
                    "' is not in the stored value (added or renamed since it was written)");
        return ((RecordShape)shape).construct(values);
    }

    private static RecordShape recordShape(Class<?> type) throws IOException
    {
        // Not Class.isRecord(), a call into the VM each time: RecordShape asks it once per class.
        if (!Record.class.isAssignableFrom(type))
            throw new IOException("Cannot read a record value of " + type.getName() + ": it is no longer a record class");
        RecordShape shape = RecordShape.of(type);
        shape.checkReadable();
        return shape;
    }

    private ObjectShape objectShape(Class<?> type, int depth) throws IOException
    {
        ObjectShape shape = ObjectShape.of(type);
        // As Java serialization asks the filter about each class it describes: the superclasses too.
        for (Class<?> superclass : shape.serializableClasses())
            if (superclass != type)
                check(superclass, -1, depth);
        if (!shape.isUsable())
            shape.checkReadable(0);
        return shape;
    }

    /**
     * @param index the part named {@code name}, or -1 if the class has none of that name
     * @param name the name read, or null when it is that of the part {@code index}
     */
    private static void place(ValueShape shape, Object[] values, boolean[] present, int index, String name, Object value)
        throws IOException
    {
        boolean record = shape instanceof RecordShape;
        if (index < 0)
        {
            // As Java serialization: a stored field the class no longer has is dropped; a record must match.
            if (!record)
                return;
            throw new IOException("Record " + shape.typeName() + " changed: it has no component '" + name +
                "' any more (removed or renamed since the value was written)");
        }
        if (present[index])
            throw new IOException("A " + (record ? "RecordValue" : "ObjectValue") + " of " + shape.typeName() + " with " +
                (record ? "component" : "field") + " '" + shape.name(index) + "' twice");
        shape.checkAccepts(index, value);
        values[index] = value;
        present[index] = true;
    }

    /** @return the UTF-8 bytes at {@code at} as a String, for a name that is not the one expected (invalid bytes match none) */
    private String utf8(int at, int length)
    {
        return new String(bytes, at, length, StandardCharsets.UTF_8);
    }

    private Object collection(CodedInputStream in, int depth) throws IOException, ClassNotFoundException
    {
        int length = in.readRawVarint32();
        int[] kindAndCount = count(in, length);
        int kind = kindAndCount[0];
        int count = kindAndCount[1];
        Class<?> type = collectionClass(kind, count);
        if (type == null)
            throw new IOException("A CollectionValue of a kind this version does not know: " + kind);
        check(type, -1, depth);
        check(Object[].class, count, depth);
        Object[] elements = elements(in, length, count, depth, false);
        boolean hashed = kind == AttributeValueWire.HASH_SET || kind == AttributeValueWire.LINKED_HASH_SET ||
            kind == AttributeValueWire.IMMUTABLE_SET;
        int[] hashCodes = hashed ? hashCodes(elements, 1) : null;
        if (hashed)
            checkHashCodes("CollectionValue", type, hashCodes, kind == AttributeValueWire.IMMUTABLE_SET);
        return switch (kind)
        {
            case AttributeValueWire.ARRAY_LIST -> addAll(new ArrayList<>(count), elements);
            case AttributeValueWire.LINKED_LIST -> addAll(new LinkedList<>(), elements);
            case AttributeValueWire.IMMUTABLE_LIST -> List.of(elements);
            case AttributeValueWire.HASH_SET -> addAll(new HashSet<>(capacity(count)), elements);
            case AttributeValueWire.LINKED_HASH_SET -> addAll(new LinkedHashSet<>(capacity(count)), elements);
            case AttributeValueWire.TREE_SET -> addAll(new TreeSet<>(), elements);
            default -> Set.of(inProbingOrder(elements, 1, hashCodes));
        };
    }

    private Object map(CodedInputStream in, int depth) throws IOException, ClassNotFoundException
    {
        int length = in.readRawVarint32();
        int[] kindAndCount = count(in, length);
        int kind = kindAndCount[0];
        int count = kindAndCount[1];
        Class<?> type = mapClass(kind, count);
        if (type == null)
            throw new IOException("A MapValue of a kind this version does not know: " + kind);
        check(type, -1, depth);
        check(Object[].class, count, depth);
        // Keys and values in turn.
        Object[] entries = elements(in, length, count, depth, true);
        int[] hashCodes = kind != AttributeValueWire.TREE_MAP ? hashCodes(entries, 2) : null;
        if (hashCodes != null)
            checkHashCodes("MapValue", type, hashCodes, kind == AttributeValueWire.IMMUTABLE_MAP);
        Map<Object, Object> map = switch (kind)
        {
            case AttributeValueWire.HASH_MAP -> new HashMap<>(capacity(count));
            case AttributeValueWire.LINKED_HASH_MAP -> new LinkedHashMap<>(capacity(count));
            case AttributeValueWire.TREE_MAP -> new TreeMap<>();
            default -> null;
        };
        if (map == null)
        {
            @SuppressWarnings("unchecked")
            Map.Entry<Object, Object>[] immutable = new Map.Entry[count];
            Object[] probingOrder = inProbingOrder(entries, 2, hashCodes);
            for (int i = 0; i < count; i++)
                immutable[i] = Map.entry(probingOrder[2 * i], probingOrder[2 * i + 1]);
            return Map.ofEntries(immutable);
        }
        for (int i = 0; i < count; i++)
            map.put(entries[2 * i], entries[2 * i + 1]);
        return map;
    }

    /** @return the hash codes of the elements, or of the keys of entries of {@code step} keys and values each */
    private static int[] hashCodes(Object[] elements, int step)
    {
        int[] hashCodes = new int[elements.length / step];
        for (int i = 0; i < hashCodes.length; i++)
            hashCodes[i] = Objects.hashCode(elements[i * step]);
        return hashCodes;
    }

    /**
     * Refuses a hashed set or map whose elements (or keys) would take more than time in proportion to their
     * number to put in it (see {@link HashCollisions}).
     */
    private static void checkHashCodes(String message, Class<?> type, int[] hashCodes, boolean probed) throws IOException
    {
        String refusal = HashCollisions.refusal(hashCodes, probed);
        if (refusal != null)
            throw new IOException("A " + message + " read as " + type.getName() + ": " + refusal);
    }

    /**
     * @return the elements (or entries, of {@code step} keys and values each) in the order in which
     * {@link HashCollisions} checked them for {@code Set.of} and {@code Map.of}
     */
    private static Object[] inProbingOrder(Object[] elements, int step, int[] hashCodes)
    {
        Object[] ordered = new Object[elements.length];
        int at = 0;
        for (int index : HashCollisions.probingOrder(hashCodes))
        {
            System.arraycopy(elements, index * step, ordered, at, step);
            at += step;
        }
        return ordered;
    }

    /**
     * Reads the kind (field 1) and counts the elements or entries (field 2) of the CollectionValue or MapValue
     * of {@code length} bytes at the stream's position, on a stream of its own, without reading them.
     *
     * @return the kind and the count
     */
    private int[] count(CodedInputStream in, int length) throws IOException
    {
        int start = in.getTotalBytesRead();
        if (length < 0 || length > bytes.length - start)
            throw new InvalidProtocolBufferException("Truncated message in AttributeValue");
        CodedInputStream scan = CodedInputStream.newInstance(bytes, start, length);
        int kind = 0;
        int count = 0;
        for (int tag = scan.readTag(); tag != 0; tag = scan.readTag())
        {
            if (tag == AttributeValueWire.VARINT_1)
                kind = scan.readEnum();
            else
            {
                if (tag == AttributeValueWire.MESSAGE_2)
                    count++;
                skip(scan, tag);
            }
        }
        return new int[]{kind, count};
    }

    /**
     * Reads the elements (field 2) of the message of {@code length} bytes at the stream's position: each an
     * {@code AttributeValue}, or with {@code entries} each a MapEntry, whose key and value are put in turn.
     */
    private Object[] elements(CodedInputStream in, int length, int count, int depth, boolean entries)
        throws IOException, ClassNotFoundException
    {
        int limit = in.pushLimit(length);
        Object[] elements = new Object[entries ? 2 * count : count];
        int index = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            if (tag != AttributeValueWire.MESSAGE_2)
                skip(in, tag);
            else if (!entries)
                elements[index++] = nested(in, depth);
            else
            {
                int entryLimit = in.pushLimit(in.readRawVarint32());
                boolean hasKey = false;
                boolean hasValue = false;
                for (int entryTag = in.readTag(); entryTag != 0; entryTag = in.readTag())
                {
                    if (entryTag == AttributeValueWire.MESSAGE_1)
                    {
                        elements[index] = nested(in, depth);
                        hasKey = true;
                    }
                    else if (entryTag == AttributeValueWire.MESSAGE_2)
                    {
                        elements[index + 1] = nested(in, depth);
                        hasValue = true;
                    }
                    else
                        skip(in, entryTag);
                }
                in.popLimit(entryLimit);
                if (!hasKey || !hasValue)
                    throw new IOException("A MapEntry without its key or value");
                index += 2;
            }
        }
        in.popLimit(limit);
        return elements;
    }

    private Object optional(CodedInputStream in, int depth) throws IOException, ClassNotFoundException
    {
        check(Optional.class, -1, depth);
        int limit = in.pushLimit(in.readRawVarint32());
        Optional<Object> optional = Optional.empty();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            if (tag == AttributeValueWire.MESSAGE_1)
            {
                Object value = nested(in, depth);
                if (value == null)
                    throw new IOException("An OptionalValue holding null");
                optional = Optional.of(value);
            }
            else
                skip(in, tag);
        }
        in.popLimit(limit);
        return optional;
    }

    private static Object dateTime(CodedInputStream in, boolean zoned) throws IOException
    {
        int limit = in.pushLimit(in.readRawVarint32());
        long epochDay = 0;
        long nanoOfDay = 0;
        int offsetSeconds = 0;
        String zone = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            if (tag == AttributeValueWire.VARINT_1)
                epochDay = in.readInt64();
            else if (tag == AttributeValueWire.VARINT_2)
                nanoOfDay = in.readInt64();
            else if (tag == AttributeValueWire.VARINT_3)
                offsetSeconds = in.readSInt32();
            else if (tag == AttributeValueWire.STRING_4 && zoned)
                zone = in.readStringRequireUtf8();
            else
                skip(in, tag);
        }
        in.popLimit(limit);
        LocalDateTime dateTime = LocalDateTime.of(LocalDate.ofEpochDay(epochDay), LocalTime.ofNanoOfDay(nanoOfDay));
        ZoneOffset offset = ZoneOffset.ofTotalSeconds(offsetSeconds);
        // The same instant in the zone: the same date-time and offset unless the zone's rules changed since.
        return zoned ? ZonedDateTime.ofInstant(dateTime, offset, ZoneId.of(zone)) : OffsetDateTime.of(dateTime, offset);
    }

    private static Period period(CodedInputStream in) throws IOException
    {
        int limit = in.pushLimit(in.readRawVarint32());
        int[] units = new int[3];
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            if (tag == AttributeValueWire.VARINT_1 || tag == AttributeValueWire.VARINT_2 || tag == AttributeValueWire.VARINT_3)
                units[(tag >>> 3) - 1] = in.readSInt32();
            else
                skip(in, tag);
        }
        in.popLimit(limit);
        return Period.of(units[0], units[1], units[2]);
    }

    private static URI uri(String uri) throws IOException
    {
        try
        {
            return new URI(uri);
        }
        catch (URISyntaxException e)
        {
            throw new IOException("Invalid URI in AttributeValue: " + e.getMessage(), e);
        }
    }

    /**
     * @return the class a CollectionValue of {@code kind} with {@code count} elements is read as, or null for a
     * kind this version does not know
     */
    static Class<?> collectionClass(int kind, int count)
    {
        return switch (kind)
        {
            case AttributeValueWire.ARRAY_LIST -> ArrayList.class;
            case AttributeValueWire.LINKED_LIST -> LinkedList.class;
            case AttributeValueWire.IMMUTABLE_LIST -> count == 1 || count == 2 ? TypedEncoder.LIST_12 : TypedEncoder.LIST_N;
            case AttributeValueWire.HASH_SET -> HashSet.class;
            case AttributeValueWire.LINKED_HASH_SET -> LinkedHashSet.class;
            case AttributeValueWire.TREE_SET -> TreeSet.class;
            case AttributeValueWire.IMMUTABLE_SET -> count == 1 || count == 2 ? TypedEncoder.SET_12 : TypedEncoder.SET_N;
            default -> null;
        };
    }

    /** @return the class a MapValue of {@code kind} with {@code count} entries is read as, or null for a kind this version does not know */
    static Class<?> mapClass(int kind, int count)
    {
        return switch (kind)
        {
            case AttributeValueWire.HASH_MAP -> HashMap.class;
            case AttributeValueWire.LINKED_HASH_MAP -> LinkedHashMap.class;
            case AttributeValueWire.TREE_MAP -> TreeMap.class;
            case AttributeValueWire.IMMUTABLE_MAP -> count == 1 ? TypedEncoder.MAP_1 : TypedEncoder.MAP_N;
            default -> null;
        };
    }

    private static <C extends Collection<Object>> C addAll(C collection, Object[] elements)
    {
        for (Object element : elements)
            collection.add(element);
        return collection;
    }

    // As HashSet(Collection) sizes its table: no rehash while the elements are added.
    private static int capacity(int count)
    {
        return Math.max((int)(count / .75f) + 1, 16);
    }

    /**
     * Reads a class name (a length-delimited UTF-8 string, after its tag) and resolves it as
     * {@link JavaSerialization} resolves classes: through the thread context class loader, then this library's;
     * never initialized here.
     */
    private Class<?> className(CodedInputStream in) throws IOException, ClassNotFoundException
    {
        int length = in.readRawVarint32();
        if (length < 0 || length > in.getBytesUntilLimit())
            throw new InvalidProtocolBufferException("Truncated message in AttributeValue");
        int at = in.getTotalBytesRead();
        in.skipRawBytes(length);
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        // Names share their package: the length and the last bytes tell them apart.
        int slot = (length * 31 + (length > 0 ? bytes[at + length - 1] * 7 : 0) + (length > 1 ? bytes[at + length - 2] : 0))
            & (RESOLVED.length - 1);
        Resolved resolved = RESOLVED[slot];
        if (resolved != null && context != null && Arrays.equals(resolved.name(), 0, resolved.name().length, bytes, at, at + length))
        {
            Class<?> type = resolved.type().get();
            if (type != null && type.getClassLoader() == context)
                return type;
        }
        String name;
        try
        {
            name = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, at, length)).toString();
        }
        catch (CharacterCodingException e)
        {
            throw new InvalidProtocolBufferException("Invalid UTF-8 in a class name in AttributeValue");
        }
        Class<?> type = null;
        if (context != null)
        {
            try
            {
                type = Class.forName(name, false, context);
            }
            catch (ClassNotFoundException e)
            {
                // Not the webapp's: maybe this library's, as for Java serialization.
            }
        }
        if (type == null)
            type = Class.forName(name, false, TypedDecoder.class.getClassLoader());
        if (context != null && type.getClassLoader() == context)
            RESOLVED[slot] = new Resolved(Arrays.copyOfRange(bytes, at, at + length), new WeakReference<>(type));
        return type;
    }

    private void check(Class<?> type, long arrayLength, int depth) throws InvalidClassException
    {
        ObjectInputFilter.Status status = filter.checkInput(new TypedFilterInfo(type, arrayLength, depth, references, bytes.length));
        if (status == ObjectInputFilter.Status.REJECTED)
        {
            String what = type == null ? "the value" : type.isArray() ? "a collection of " + arrayLength : type.getName();
            throw new InvalidClassException("Refused by the read filter: " + what + " (depth " + depth + ", " +
                references + " values, " + bytes.length + " bytes)");
        }
    }

    /** A class resolved, and the UTF-8 bytes of its name. */
    private record Resolved(byte[] name, WeakReference<Class<?>> type)
    {
    }

    private static void skip(CodedInputStream in, int tag) throws IOException
    {
        if (!in.skipField(tag))
            throw new InvalidProtocolBufferException("Unexpected end-group tag in AttributeValue");
    }

    // A wider wire type must not be silently truncated by the narrowing cast.
    private static int inRange(int value, int min, int max, String type) throws IOException
    {
        if (value < min || value > max)
            throw new IOException("Invalid " + type + " value in AttributeValue: " + value);
        return value;
    }
}
