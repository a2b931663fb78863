package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Date;
import java.util.Objects;
import java.util.UUID;

import com.google.protobuf.UnsafeByteOperations;
import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.Timestamp;
import io.github.jettyredis.session.codec.proto.Uuid;

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
        return encode(Objects.requireNonNull(value, "value")).toByteArray();
    }

    @Override
    public Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException
    {
        AttributeValue message = AttributeValue.parseFrom(bytes);
        try
        {
            return decode(message);
        }
        catch (DateTimeException | ArithmeticException | NumberFormatException e)
        {
            throw new IOException("Invalid " + message.getKindCase() + " in AttributeValue: " + e.getMessage(), e);
        }
    }

    // Exact classes only: a subclass may carry state that the typed field would lose. Most common first.
    private AttributeValue encode(Object value) throws IOException
    {
        AttributeValue.Builder message = AttributeValue.newBuilder();
        Class<?> type = value.getClass();
        if (type == String.class)
            message.setStringValue((String)value);
        else if (type == Integer.class)
            message.setIntValue((Integer)value);
        else if (type == Long.class)
            message.setLongValue((Long)value);
        else if (type == Boolean.class)
            message.setBoolValue((Boolean)value);
        else if (type == Double.class)
            message.setDoubleValue((Double)value);
        else if (type == Instant.class)
            message.setInstantValue(timestamp(((Instant)value).getEpochSecond(), ((Instant)value).getNano()));
        else if (type == byte[].class)
            // Wrapped, not copied: the message is written out at once and then dropped.
            message.setBytesValue(UnsafeByteOperations.unsafeWrap((byte[])value));
        else if (type == Date.class)
            message.setDateMillisValue(((Date)value).getTime());
        else if (type == LocalDate.class)
            message.setLocalDateValue(((LocalDate)value).toEpochDay());
        else if (type == LocalDateTime.class)
            message.setLocalDateTimeValue(localDateTime((LocalDateTime)value));
        else if (type == UUID.class)
            message.setUuidValue(uuid((UUID)value));
        else if (type == BigDecimal.class)
            message.setBigDecimalValue(value.toString());
        else if (type == Float.class)
            message.setFloatValue((Float)value);
        else if (type == Duration.class)
            message.setDurationValue(timestamp(((Duration)value).getSeconds(), ((Duration)value).getNano()));
        else if (type == Character.class)
            message.setCharValue((Character)value);
        else if (type == Short.class)
            message.setShortValue((Short)value);
        else if (type == Byte.class)
            message.setByteValue((Byte)value);
        else if (type == BigInteger.class)
            message.setBigIntegerValue(UnsafeByteOperations.unsafeWrap(((BigInteger)value).toByteArray()));
        else
            message.setJavaSerialized(UnsafeByteOperations.unsafeWrap(javaSerialization.serialize(value)));
        return message.build();
    }

    // Exhaustive over the oneof, so that a field added to the proto does not compile until it is handled here.
    private Object decode(AttributeValue message) throws IOException, ClassNotFoundException
    {
        return switch (message.getKindCase())
        {
            case STRING_VALUE -> message.getStringValue();
            case BOOL_VALUE -> message.getBoolValue();
            case INT_VALUE -> message.getIntValue();
            case LONG_VALUE -> message.getLongValue();
            case FLOAT_VALUE -> message.getFloatValue();
            case DOUBLE_VALUE -> message.getDoubleValue();
            case CHAR_VALUE -> (char)inRange(message.getCharValue(), Character.MIN_VALUE, Character.MAX_VALUE, "char");
            case BYTE_VALUE -> (byte)inRange(message.getByteValue(), Byte.MIN_VALUE, Byte.MAX_VALUE, "byte");
            case SHORT_VALUE -> (short)inRange(message.getShortValue(), Short.MIN_VALUE, Short.MAX_VALUE, "short");
            case BYTES_VALUE -> message.getBytesValue().toByteArray();
            case BIG_DECIMAL_VALUE -> new BigDecimal(message.getBigDecimalValue());
            case BIG_INTEGER_VALUE -> new BigInteger(message.getBigIntegerValue().toByteArray());
            case UUID_VALUE -> new UUID(message.getUuidValue().getMostSignificantBits(),
                message.getUuidValue().getLeastSignificantBits());
            case INSTANT_VALUE -> Instant.ofEpochSecond(message.getInstantValue().getSeconds(),
                message.getInstantValue().getNanos());
            case DATE_MILLIS_VALUE -> new Date(message.getDateMillisValue());
            case LOCAL_DATE_VALUE -> LocalDate.ofEpochDay(message.getLocalDateValue());
            case LOCAL_DATE_TIME_VALUE -> LocalDateTime.of(
                LocalDate.ofEpochDay(message.getLocalDateTimeValue().getEpochDay()),
                LocalTime.ofNanoOfDay(message.getLocalDateTimeValue().getNanoOfDay()));
            case DURATION_VALUE -> Duration.ofSeconds(message.getDurationValue().getSeconds(),
                message.getDurationValue().getNanos());
            case JAVA_SERIALIZED -> javaSerialization.deserialize(message.getJavaSerialized().toByteArray());
            case KIND_NOT_SET -> throw new IOException("AttributeValue holds no value this version knows: " +
                "written by a newer version, or not an AttributeValue");
        };
    }

    // A wider wire type must not be silently truncated by the narrowing cast.
    private static int inRange(int value, int min, int max, String type) throws IOException
    {
        if (value < min || value > max)
            throw new IOException("Invalid " + type + " value in AttributeValue: " + value);
        return value;
    }

    private static Timestamp timestamp(long seconds, int nanos)
    {
        return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
    }

    private static Uuid uuid(UUID value)
    {
        return Uuid.newBuilder()
            .setMostSignificantBits(value.getMostSignificantBits())
            .setLeastSignificantBits(value.getLeastSignificantBits())
            .build();
    }

    private static io.github.jettyredis.session.codec.proto.LocalDateTime localDateTime(LocalDateTime value)
    {
        return io.github.jettyredis.session.codec.proto.LocalDateTime.newBuilder()
            .setEpochDay(value.toLocalDate().toEpochDay())
            .setNanoOfDay(value.toLocalTime().toNanoOfDay())
            .build();
    }
}
