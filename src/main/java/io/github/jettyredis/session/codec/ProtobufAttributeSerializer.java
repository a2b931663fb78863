// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Date;
import java.util.Objects;
import java.util.UUID;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.github.jettyredis.session.codec.proto.AttributeValue;

/**
 * The default {@link AttributeSerializer}: writes each value as an {@link AttributeValue} message.
 *
 * <p>Values of exactly these classes are stored in typed fields, readable from other languages and without
 * Java deserialization: {@link String}, {@link Boolean}, {@link Integer}, {@link Long}, {@link Float},
 * {@link Double}, {@link Character}, {@link Byte}, {@link Short}, {@code byte[]}, {@link BigDecimal},
 * {@link BigInteger}, {@link UUID}, {@link Instant}, {@link Date}, {@link LocalDate}, {@link LocalDateTime},
 * {@link Duration}, {@link java.time.LocalTime}, {@link java.time.ZonedDateTime}, {@link java.time.OffsetDateTime},
 * {@link java.time.ZoneId}, {@link java.time.Period}, {@link java.util.Locale} (by language tag),
 * {@link java.util.Currency}, {@link java.net.URI} and {@link java.util.Optional}; so are enum constants (by name),
 * {@code Serializable} records (component by component, rebuilt through the canonical constructor), plain
 * {@code Serializable} objects of the application whose serialized form is Java serialization's default one
 * (field by field, read back as Java serialization reads them; see {@code ObjectShape}) and lists,
 * sets and maps of the common JDK implementations ({@code ArrayList}, {@code LinkedList}, {@code List.of},
 * {@code HashSet}, {@code LinkedHashSet}, {@code TreeSet} in natural order, {@code Set.of}, {@code HashMap},
 * {@code LinkedHashMap}, {@code TreeMap} in natural order, {@code Map.of}), read back as the same
 * implementation, when everything they hold is one of these values (or null), nested to any depth the read
 * filter allows. Any other value, including subclasses of those (e.g. {@link java.sql.Timestamp}), other
 * collection implementations, objects with {@code writeObject}, {@code readObject}, {@code writeReplace},
 * {@code readResolve} or {@code Externalizable}, and a value holding any other value, is Java-serialized as a whole
 * by the given {@link JavaSerialization}, whose filter guards reading it back.</p>
 *
 * <p>Records and enums of the webapp are resolved through the thread context class loader and decided by the
 * same filter as Java-serialized classes before anything of them runs: a class it refuses is refused. A record
 * whose class changed shape since the value was written (a component added, removed or renamed, or of a type
 * that does not take the stored value) and an enum constant that no longer exists make the value unreadable
 * ({@link IOException}), as a changed {@code serialVersionUID} does for Java serialization. See
 * {@code TypedEncoder} and {@code TypedDecoder}.</p>
 *
 * <p>Strings are stored as UTF-8, so an unpaired surrogate in a string comes back as {@code '?'}.</p>
 */
public final class ProtobufAttributeSerializer implements AttributeSerializer
{
    private final JavaSerialization javaSerialization;

    /**
     * Uses Java serialization guarded by the default {@link SessionSerialFilter#create(String) filter}.
     */
    public ProtobufAttributeSerializer()
    {
        this(new JavaSerialization(SessionSerialFilter.create(null)));
    }

    /**
     * @param javaSerialization how to write and read values that have no typed field
     */
    public ProtobufAttributeSerializer(JavaSerialization javaSerialization)
    {
        this.javaSerialization = Objects.requireNonNull(javaSerialization, "javaSerialization");
    }

    @Override
    public byte[] serialize(Object value) throws IOException
    {
        return encode(Objects.requireNonNull(value, "value"));
    }

    @Override
    public Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException
    {
        return decode(bytes);
    }

    /**
     * A Java-serialized value is read back through the same filter that every load applies, so that a value
     * the filter refuses (too many references, too long an array, a refused class) is refused when it is
     * written rather than on every later load. Typed values are not read back: the writer asked the filter
     * everything the reader will ask it (records, enums and collections included, see {@code TypedEncoder}) and
     * left a value it refuses to Java serialization, which this check then refuses. (Not caught here: a record
     * whose canonical constructor refuses the values its own accessors return, which no load can read.)
     */
    @Override
    public void checkReadable(byte[] bytes) throws IOException
    {
        // What encode wrote: one member, so its first tag tells; read in place, as most values are not Java's.
        if (!AttributeValueWire.startsJavaSerialized(bytes))
            return;
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.readTag();
        try
        {
            javaSerialization.deserialize(in.readByteArray());
        }
        catch (ClassNotFoundException e)
        {
            throw new IOException("The value could not be read back: " + e, e);
        }
    }

    // Exact classes only: a subclass may carry state that the typed field would lose. Most common first.
    // Written straight to the wire, without the generated builders: the same bytes, no message objects.
    private byte[] encode(Object value) throws IOException
    {
        Class<?> type = value.getClass();
        if (type == String.class)
            return AttributeValueWire.string((String)value);
        if (type == Integer.class)
            return AttributeValueWire.varint(AttributeValueWire.INT, (Integer)value);
        if (type == Long.class)
            return AttributeValueWire.varint(AttributeValueWire.LONG, (Long)value);
        if (type == Boolean.class)
            return AttributeValueWire.varint(AttributeValueWire.BOOL, (Boolean)value ? 1 : 0);
        if (type == Double.class)
            return AttributeValueWire.fixed64(AttributeValueWire.DOUBLE, Double.doubleToRawLongBits((Double)value));
        if (type == Instant.class)
            return AttributeValueWire.pair(AttributeValueWire.INSTANT, ((Instant)value).getEpochSecond(), ((Instant)value).getNano(), false);
        if (type == byte[].class)
            return AttributeValueWire.bytes(AttributeValueWire.BYTES, (byte[])value);
        if (type == Date.class)
            return AttributeValueWire.varint(AttributeValueWire.DATE_MILLIS, ((Date)value).getTime());
        if (type == LocalDate.class)
            return AttributeValueWire.varint(AttributeValueWire.LOCAL_DATE, ((LocalDate)value).toEpochDay());
        if (type == LocalDateTime.class)
            return AttributeValueWire.pair(AttributeValueWire.LOCAL_DATE_TIME, ((LocalDateTime)value).toLocalDate().toEpochDay(),
                ((LocalDateTime)value).toLocalTime().toNanoOfDay(), false);
        if (type == UUID.class)
            return AttributeValueWire.pair(AttributeValueWire.UUID, ((UUID)value).getMostSignificantBits(),
                ((UUID)value).getLeastSignificantBits(), true);
        if (type == BigDecimal.class)
            return AttributeValueWire.bigDecimal((BigDecimal)value);
        if (type == Float.class)
            return AttributeValueWire.fixed32(AttributeValueWire.FLOAT, Float.floatToRawIntBits((Float)value));
        if (type == Duration.class)
            return AttributeValueWire.pair(AttributeValueWire.DURATION, ((Duration)value).getSeconds(), ((Duration)value).getNano(), false);
        if (type == Character.class)
            return AttributeValueWire.varint(AttributeValueWire.CHAR, (Character)value);
        if (type == Short.class)
            return AttributeValueWire.varint(AttributeValueWire.SHORT, AttributeValueWire.zigZag((Short)value));
        if (type == Byte.class)
            return AttributeValueWire.varint(AttributeValueWire.BYTE, AttributeValueWire.zigZag((Byte)value));
        if (type == BigInteger.class)
            return AttributeValueWire.bytes(AttributeValueWire.BIG_INTEGER, ((BigInteger)value).toByteArray());
        if (TypedEncoder.isCandidate(type))
        {
            byte[] typed = TypedEncoder.encode(value, javaSerialization.filter());
            if (typed != null)
                return typed;
        }
        return AttributeValueWire.bytes(AttributeValueWire.JAVA_SERIALIZED, javaSerialization.serialize(value));
    }

    private Object decode(byte[] bytes) throws IOException, ClassNotFoundException
    {
        Object simple = AttributeValueWire.readInPlace(bytes);
        if (simple != null)
            return simple;
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        int kind = 0;
        Object value = null;
        TypedDecoder typed = null;
        try
        {
            // As protobuf reads a oneof: unknown fields are skipped and the last member present wins.
            for (int tag = in.readTag(); tag != 0; tag = in.readTag())
            {
                int field = AttributeValueWire.knownField(tag);
                if (field == 0)
                {
                    if (!in.skipField(tag))
                        throw new InvalidProtocolBufferException("Unexpected end-group tag in AttributeValue");
                    continue;
                }
                kind = field;
                if (AttributeValueWire.isScalar(field))
                    value = TypedDecoder.scalar(field, in);
                // Read now, deserialized only once it is known to be the value: never a shadowed one.
                else if (field == AttributeValueWire.JAVA_SERIALIZED)
                    value = in.readByteArray();
                // Read at once, even if a later member shadows it: it passes the filter's every check whether
                // shadowed or not, so shadowing would spare nothing that matters.
                else
                {
                    if (typed == null)
                        typed = new TypedDecoder(javaSerialization.filter(), bytes);
                    value = typed.attributeMember(field, in);
                }
            }
        }
        catch (DateTimeException | ArithmeticException | NumberFormatException e)
        {
            throw new IOException("Invalid field " + kind + " in AttributeValue: " + e.getMessage(), e);
        }
        if (kind == 0)
            throw new IOException("AttributeValue holds no value this version knows: " +
                "written by a newer version, or not an AttributeValue");
        if (kind == AttributeValueWire.NULL)
            throw new IOException("AttributeValue holds null, which only a value nested in another may be");
        return kind == AttributeValueWire.JAVA_SERIALIZED ? javaSerialization.deserialize((byte[])value) : value;
    }
}
