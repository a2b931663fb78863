// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.ObjectStreamConstants;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

import com.google.protobuf.InvalidProtocolBufferException;
import io.github.jettyredis.session.codec.AttributeSerializer;
import io.github.jettyredis.session.codec.EncryptingAttributeSerializer;
import io.github.jettyredis.session.codec.JavaSerialization;
import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.codec.SessionSerialFilter;
import io.github.jettyredis.session.codec.proto.AttributeValue;

/**
 * Tells what one stored attribute value is without running any of its classes: the {@code AttributeValue}
 * member it holds (its kind), the class it names (a record's, an enum's, a Java-serialized value's, read from
 * the stream's header, not deserialized), the implementation and size of a collection, and its size in Redis.
 * An encrypted value ({@link EncryptingAttributeSerializer}'s envelope, whose first byte no protobuf message
 * starts with) shows only its key id, unless the keys are given. Values are decoded only when asked, by the
 * store's own {@link ProtobufAttributeSerializer} behind the same serial filter as the store's.
 */
final class AttributeReader
{
    /** The longest text of a value shown; operators look at values, they do not copy sessions with this. */
    private static final int MAX_VALUE_CHARS = 400;
    private static final int MAX_BYTES_SHOWN = 32;
    /** The longest number printed: about 6,000 digits, far more than a terminal shows, converted in milliseconds. */
    private static final int MAX_NUMBER_BITS = 20_000;

    /** What the tool shows of one attribute. */
    record View(String name, String kind, String type, int bytes, String value)
    {
    }

    private final ProtobufAttributeSerializer values;
    /** Decrypts envelopes to the bytes inside them, or null without keys. */
    private final AttributeSerializer decryption;

    /**
     * @param serialFilter the store's {@code serialFilter} pattern, or null for none
     * @param encryptionKeys the key spec of {@link EncryptingAttributeSerializer}, or null to leave encrypted values encrypted
     * @throws IllegalArgumentException if the key spec is invalid (the message names no key)
     */
    AttributeReader(String serialFilter, String encryptionKeys)
    {
        this.values = new ProtobufAttributeSerializer(new JavaSerialization(SessionSerialFilter.create(serialFilter)));
        this.decryption = encryptionKeys == null ? null : new EncryptingAttributeSerializer(new Envelope(), encryptionKeys);
    }

    /**
     * @param name the attribute's name
     * @param stored its bytes in Redis
     * @param withValue whether to decode and show its value
     * @return what it is
     */
    View read(String name, byte[] stored, boolean withValue)
    {
        if (stored.length == 0 || stored[0] != EncryptingAttributeSerializer.FORMAT)
            return plain(name, stored, stored.length, "", withValue);
        String keyId = keyId(stored);
        if (decryption == null)
            return new View(name, "encrypted", "key " + keyId, stored.length, withValue ? "(encrypted: give the keys to see it)" : "");
        byte[] plaintext;
        try
        {
            plaintext = (byte[])decryption.deserialize(stored);
        }
        catch (IOException | ClassNotFoundException e)
        {
            return new View(name, "encrypted", "key " + keyId, stored.length, "(cannot decrypt: " + e.getMessage() + ")");
        }
        return plain(name, plaintext, stored.length, "encrypted, ", withValue);
    }

    private View plain(String name, byte[] bytes, int size, String kindPrefix, boolean withValue)
    {
        AttributeValue value;
        try
        {
            value = AttributeValue.parseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new View(name, kindPrefix + "unreadable", "not an AttributeValue", size, withValue ? "(unreadable: " + e.getMessage() + ")" : "");
        }
        if (value.getKindCase() == AttributeValue.KindCase.KIND_NOT_SET)
            return new View(name, kindPrefix + "unknown", "written by a newer version?", size, "");
        return new View(name, kindPrefix + kind(value), type(value), size, withValue ? value(bytes, type(value)) : "");
    }

    /** @return the member's name in session.proto, without {@code _value}: {@code string}, {@code record}, {@code java_serialized} */
    private static String kind(AttributeValue value)
    {
        String member = value.getKindCase().name().toLowerCase(Locale.ROOT);
        return member.endsWith("_value") ? member.substring(0, member.length() - "_value".length()) : member;
    }

    private static String type(AttributeValue value)
    {
        return switch (value.getKindCase())
        {
            case JAVA_SERIALIZED -> serializedClass(value.getJavaSerialized().toByteArray());
            case RECORD_VALUE -> value.getRecordValue().getClassName();
            case OBJECT_VALUE -> value.getObjectValue().getClassName();
            case ENUM_VALUE -> value.getEnumValue().getClassName();
            case COLLECTION_VALUE -> value.getCollectionValue().getKind().name().replace("COLLECTION_KIND_", "") + " of " +
                value.getCollectionValue().getElementsCount();
            case MAP_VALUE -> value.getMapValue().getKind().name().replace("MAP_KIND_", "") + " of " + value.getMapValue().getEntriesCount();
            default -> "-";
        };
    }

    /**
     * @param stream a Java serialization stream
     * @return the class of the object it starts with, as its class descriptor names it, without reading further
     */
    static String serializedClass(byte[] stream)
    {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stream)))
        {
            if (in.readShort() != ObjectStreamConstants.STREAM_MAGIC || in.readShort() != ObjectStreamConstants.STREAM_VERSION)
                return "not a Java serialization stream";
            byte what = in.readByte();
            if (what == ObjectStreamConstants.TC_STRING)
                return String.class.getName();
            if ((what == ObjectStreamConstants.TC_OBJECT || what == ObjectStreamConstants.TC_ENUM || what == ObjectStreamConstants.TC_ARRAY) &&
                in.readByte() == ObjectStreamConstants.TC_CLASSDESC)
                return in.readUTF();
            return "a class this tool cannot name";
        }
        catch (IOException e)
        {
            return "damaged stream";
        }
    }

    private String value(byte[] bytes, String type)
    {
        ClassLoader caller = Thread.currentThread().getContextClassLoader();
        // As in the store, classes are resolved through the context class loader: here the tool's own.
        Thread.currentThread().setContextClassLoader(AttributeReader.class.getClassLoader());
        try
        {
            return shown(values.deserialize(bytes));
        }
        catch (ClassNotFoundException e)
        {
            return "(not decoded: " + (type.equals("-") ? e.getMessage() : type) + " is not on the tool's class path)";
        }
        catch (IOException | RuntimeException e)
        {
            return "(unreadable: " + e.getMessage() + ")";
        }
        finally
        {
            Thread.currentThread().setContextClassLoader(caller);
        }
    }

    /**
     * @return true for a number whose {@code toString} would take seconds: its digits are converted in time that
     * grows faster than their count, and a stored value may hold millions of them
     */
    private static boolean tooBigToPrint(Object value)
    {
        return (value instanceof BigInteger || value instanceof BigDecimal) && bitLength(value) > MAX_NUMBER_BITS;
    }

    private static int bitLength(Object number)
    {
        return number instanceof BigDecimal decimal ? decimal.unscaledValue().bitLength() : ((BigInteger)number).bitLength();
    }

    /** @return the value's {@code toString}, control characters escaped and cut to a length a terminal shows */
    private static String shown(Object value)
    {
        String text = value instanceof byte[] array
            ? "byte[" + array.length + "] " + HexFormat.of().formatHex(array, 0, Math.min(array.length, MAX_BYTES_SHOWN)) +
            (array.length > MAX_BYTES_SHOWN ? "..." : "")
            : tooBigToPrint(value) ? "(a number of " + bitLength(value) + " bits, too long to print)"
            : String.valueOf(value);
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < text.length() && shown.length() < MAX_VALUE_CHARS; i++)
        {
            char c = text.charAt(i);
            if (Character.isISOControl(c))
                shown.append(String.format("\\u%04x", (int)c));
            else
                shown.append(c);
        }
        if (shown.length() >= MAX_VALUE_CHARS && text.length() > MAX_VALUE_CHARS)
            shown.append("... (").append(text.length()).append(" characters)");
        return shown.toString();
    }

    /** @return the key id in an envelope's header, as {@link EncryptingAttributeSerializer} writes it */
    private static String keyId(byte[] envelope)
    {
        int length = envelope.length > 1 ? envelope[1] & 0xff : 0;
        if (length < 1 || length > EncryptingAttributeSerializer.MAX_KEY_ID_LENGTH || envelope.length < 2 + length)
            return "(damaged header)";
        String id = new String(envelope, 2, length, StandardCharsets.US_ASCII);
        return id.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-') ? id : "(damaged header)";
    }

    /** The inside of {@link EncryptingAttributeSerializer}: hands back the decrypted bytes as they are. */
    private static final class Envelope implements AttributeSerializer
    {
        @Override
        public byte[] serialize(Object value)
        {
            return (byte[])value;
        }

        @Override
        public Object deserialize(byte[] bytes)
        {
            return bytes;
        }
    }
}
