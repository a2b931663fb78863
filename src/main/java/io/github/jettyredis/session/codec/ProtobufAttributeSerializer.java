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
import java.time.LocalTime;
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
 * {@link BigInteger}, {@link UUID}, {@link Instant}, {@link Date}, {@link LocalDate}, {@link LocalDateTime}
 * and {@link Duration}. Any other value, including subclasses of those (e.g. {@link java.sql.Timestamp}), is
 * Java-serialized by the given {@link JavaSerialization}, whose filter guards reading it back.</p>
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
     * Typed values are always readable; a Java-serialized one is read back through the same filter that
     * every load applies, so that a value the filter refuses (too many references, too long an array, a
     * refused class) is refused when it is written rather than on every later load.
     */
    @Override
    public void checkReadable(byte[] bytes) throws IOException
    {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        // What encode wrote: one member, so its first tag tells.
        if (in.readTag() != AttributeValueWire.JAVA_SERIALIZED_TAG)
            return;
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
            return AttributeValueWire.bytes(AttributeValueWire.STRING, ((String)value).getBytes(StandardCharsets.UTF_8));
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
            return AttributeValueWire.bytes(AttributeValueWire.BIG_DECIMAL, value.toString().getBytes(StandardCharsets.UTF_8));
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
        return AttributeValueWire.bytes(AttributeValueWire.JAVA_SERIALIZED, javaSerialization.serialize(value));
    }

    private Object decode(byte[] bytes) throws IOException, ClassNotFoundException
    {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        int kind = 0;
        Object value = null;
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
                value = switch (field)
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
                    case AttributeValueWire.BIG_DECIMAL -> new BigDecimal(in.readStringRequireUtf8());
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
                    // Read now, deserialized only once it is known to be the value: never a shadowed one.
                    case AttributeValueWire.JAVA_SERIALIZED -> in.readByteArray();
                    default -> throw new IllegalStateException("Field " + field + " known but not decoded");
                };
            }
        }
        catch (DateTimeException | ArithmeticException | NumberFormatException e)
        {
            throw new IOException("Invalid field " + kind + " in AttributeValue: " + e.getMessage(), e);
        }
        if (kind == 0)
            throw new IOException("AttributeValue holds no value this version knows: " +
                "written by a newer version, or not an AttributeValue");
        return kind == AttributeValueWire.JAVA_SERIALIZED ? javaSerialization.deserialize((byte[])value) : value;
    }

    // A wider wire type must not be silently truncated by the narrowing cast.
    private static int inRange(int value, int min, int max, String type) throws IOException
    {
        if (value < min || value > max)
            throw new IOException("Invalid " + type + " value in AttributeValue: " + value);
        return value;
    }
}
