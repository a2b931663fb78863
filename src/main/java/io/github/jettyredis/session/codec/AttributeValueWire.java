// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

/**
 * The wire form of the {@code AttributeValue} message of {@code session.proto}, written and read without the
 * generated builders: one exactly sized array per value, no intermediate messages. The bytes are those the
 * generated code writes (a test holds them to it), so other readers of the published {@code .proto} are
 * unaffected.
 */
final class AttributeValueWire
{
    // The members of the oneof "kind", by field number.
    static final int STRING = 1;
    static final int BOOL = 2;
    static final int INT = 3;
    static final int LONG = 4;
    static final int FLOAT = 5;
    static final int DOUBLE = 6;
    static final int CHAR = 7;
    static final int BYTE = 8;
    static final int SHORT = 9;
    static final int BYTES = 10;
    static final int BIG_DECIMAL = 11;
    static final int BIG_INTEGER = 12;
    static final int UUID = 13;
    static final int INSTANT = 14;
    static final int DATE_MILLIS = 15;
    static final int LOCAL_DATE = 16;
    static final int LOCAL_DATE_TIME = 17;
    static final int DURATION = 18;
    static final int JAVA_SERIALIZED = 19;
    // Added by issue 12: values that were Java-serialized before (see TypedEncoder and TypedDecoder).
    static final int ENUM = 20;
    static final int RECORD = 21;
    static final int COLLECTION = 22;
    static final int MAP = 23;
    static final int OPTIONAL = 24;
    static final int NULL = 25;
    static final int LOCALE = 26;
    static final int CURRENCY = 27;
    static final int URI = 28;
    static final int LOCAL_TIME = 29;
    static final int ZONED_DATE_TIME = 30;
    static final int OFFSET_DATE_TIME = 31;
    static final int ZONE_ID = 32;
    static final int PERIOD = 33;
    static final int OBJECT = 34;
    // Added by issue 13: long BigDecimals, which were BIG_DECIMAL strings before.
    static final int BIG_DECIMAL_PARTS = 35;
    /**
     * The longest unscaled value, in bits, of a BigDecimal written as a {@link #BIG_DECIMAL} string: 904 digits, so
     * at most 1,000 characters with sign, point and exponent, which {@link TypedDecoder#bigDecimal} converts with
     * {@link BigDecimal#BigDecimal(String)} itself. A longer one is written as {@link #BIG_DECIMAL_PARTS}.
     */
    static final int MAX_DECIMAL_STRING_BITS = 3_000;
    /** The tag of a {@link #JAVA_SERIALIZED} member: field number, then the 3 bits of its wire type. */
    static final int JAVA_SERIALIZED_TAG = JAVA_SERIALIZED << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    // Values of the CollectionKind enum.
    static final int ARRAY_LIST = 1;
    static final int LINKED_LIST = 2;
    static final int IMMUTABLE_LIST = 3;
    static final int HASH_SET = 4;
    static final int LINKED_HASH_SET = 5;
    static final int TREE_SET = 6;
    static final int IMMUTABLE_SET = 7;
    // Values of the MapKind enum.
    static final int HASH_MAP = 1;
    static final int LINKED_HASH_MAP = 2;
    static final int TREE_MAP = 3;
    static final int IMMUTABLE_MAP = 4;

    /**
     * The tags inside the messages of the members added by issue 12. Each of those messages (EnumValue,
     * RecordValue, RecordComponent, CollectionValue, MapValue, MapEntry, OptionalValue, ZonedDateTime,
     * OffsetDateTime, Period) has at most four fields; these are its tags by field number and wire type.
     */
    static final int STRING_1 = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    static final int STRING_2 = 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    static final int MESSAGE_1 = STRING_1;
    static final int MESSAGE_2 = STRING_2;
    static final int VARINT_1 = 1 << 3 | WireFormat.WIRETYPE_VARINT;
    static final int VARINT_2 = 2 << 3 | WireFormat.WIRETYPE_VARINT;
    static final int VARINT_3 = 3 << 3 | WireFormat.WIRETYPE_VARINT;
    static final int STRING_4 = 4 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    static final int FIXED64_3 = 3 << 3 | WireFormat.WIRETYPE_FIXED64;

    // Wire type of each member, indexed by field number.
    private static final int[] WIRE_TYPES = {
        -1,
        WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_VARINT, WireFormat.WIRETYPE_VARINT,
        WireFormat.WIRETYPE_VARINT, WireFormat.WIRETYPE_FIXED32, WireFormat.WIRETYPE_FIXED64,
        WireFormat.WIRETYPE_VARINT, WireFormat.WIRETYPE_VARINT, WireFormat.WIRETYPE_VARINT,
        WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED,
        WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_VARINT,
        WireFormat.WIRETYPE_VARINT, WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED,
        WireFormat.WIRETYPE_LENGTH_DELIMITED,
        // 20-34
        WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED,
        WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED,
        WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED,
        WireFormat.WIRETYPE_VARINT, WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED,
        WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_LENGTH_DELIMITED,
        // 35
        WireFormat.WIRETYPE_LENGTH_DELIMITED};

    private AttributeValueWire()
    {
    }

    /**
     * @param tag a tag read from the wire
     * @return the member it holds, or 0 for a field this version does not know (or one with another wire
     * type), which the reader skips as protobuf does
     */
    static int knownField(int tag)
    {
        int field = WireFormat.getTagFieldNumber(tag);
        return field > 0 && field < WIRE_TYPES.length && WIRE_TYPES[field] == WireFormat.getTagWireType(tag) ? field : 0;
    }

    /** @return a message whose member {@code field} is a varint (int32/int64/uint32/bool/sint32 after zigzag) */
    static byte[] varint(int field, long value)
    {
        long tag = field << 3 | WireFormat.WIRETYPE_VARINT;
        byte[] out = new byte[varintSize(tag) + varintSize(value)];
        writeVarint(out, writeVarint(out, 0, tag), value);
        return out;
    }

    /** @return a message whose member {@code field} is a fixed32 (float) */
    static byte[] fixed32(int field, int bits) throws IOException
    {
        return write(CodedOutputStream.computeFixed32Size(field, bits), wire -> wire.writeFixed32(field, bits));
    }

    /** @return a message whose member {@code field} is a fixed64 (double) */
    static byte[] fixed64(int field, long bits) throws IOException
    {
        return write(CodedOutputStream.computeFixed64Size(field, bits), wire -> wire.writeFixed64(field, bits));
    }

    /** @return a message whose member {@code field} is length-delimited bytes (string, bytes) */
    static byte[] bytes(int field, byte[] value)
    {
        long tag = field << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
        byte[] out = new byte[varintSize(tag) + varintSize(value.length) + value.length];
        int at = writeVarint(out, writeVarint(out, 0, tag), value.length);
        System.arraycopy(value, 0, out, at, value.length);
        return out;
    }

    /**
     * @return a message whose member {@link #STRING} is {@code value}: in one pass for a string of at most 127
     * ASCII characters (the commonest), else through its UTF-8 bytes
     */
    static byte[] string(String value)
    {
        int length = value.length();
        if (length <= 127)
        {
            byte[] out = new byte[2 + length];
            out[0] = STRING_1;
            out[1] = (byte)length;
            for (int i = 0; i < length; i++)
            {
                char c = value.charAt(i);
                if (c >= 0x80)
                    return bytes(STRING, value.getBytes(StandardCharsets.UTF_8));
                out[2 + i] = (byte)c;
            }
            return out;
        }
        return bytes(STRING, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads the commonest values in place, without a protobuf reader: a message that is exactly one member
     * {@link #STRING} of at most 127 ASCII bytes, {@link #INT}, {@link #LONG} or {@link #BOOL}, as this codec writes
     * them. Protobuf reads the same bytes to the same value.
     *
     * @param bytes an {@code AttributeValue}
     * @return its value, or null for any other message (the caller reads it with a protobuf reader)
     */
    static Object readInPlace(byte[] bytes)
    {
        if (bytes.length < 2)
            return null;
        int tag = bytes[0];
        if (tag == STRING_1)
        {
            int length = bytes[1];
            if (length < 0 || length + 2 != bytes.length)
                return null;
            for (int i = 2; i < bytes.length; i++)
                if (bytes[i] < 0)
                    return null;
            return new String(bytes, 2, length, StandardCharsets.ISO_8859_1);
        }
        if (tag != (INT << 3) && tag != (LONG << 3) && tag != (BOOL << 3))
            return null;
        long value = 0;
        for (int i = 1, shift = 0; i < bytes.length && shift < 64; i++, shift += 7)
        {
            value |= (long)(bytes[i] & 0x7F) << shift;
            if (bytes[i] >= 0)
            {
                if (i != bytes.length - 1)
                    return null;
                return tag == (INT << 3) ? Integer.valueOf((int)value) : tag == (LONG << 3) ? (Object)value : (Object)(value != 0);
            }
        }
        return null;
    }

    private static int varintSize(long value)
    {
        return value == 0 ? 1 : (63 - Long.numberOfLeadingZeros(value)) / 7 + 1;
    }

    /** @return the position after the varint written at {@code at} */
    private static int writeVarint(byte[] out, int at, long value)
    {
        while ((value & ~0x7FL) != 0)
        {
            out[at++] = (byte)(value & 0x7F | 0x80);
            value >>>= 7;
        }
        out[at++] = (byte)value;
        return at;
    }

    /**
     * A message whose member {@code field} is a message of two numbers in its fields 1 and 2: {@code Uuid}
     * (fixed64 both), {@code Timestamp} and {@code LocalDateTime} (varints). As in proto3, a zero is not
     * written.
     */
    static byte[] pair(int field, long first, long second, boolean fixed) throws IOException
    {
        int inner = pairFieldSize(1, first, fixed) + pairFieldSize(2, second, fixed);
        return write(CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(inner) + inner, wire ->
        {
            wire.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            wire.writeUInt32NoTag(inner);
            writePairField(wire, 1, first, fixed);
            writePairField(wire, 2, second, fixed);
        });
    }

    /**
     * Writes the member of a BigDecimal: its {@code toString()} form, as the first version did, unless its unscaled
     * value is longer than {@link #MAX_DECIMAL_STRING_BITS}, whose digits would take a reader time that grows faster
     * than their number (and the writer too), or that form cannot be read back: then its unscaled value's bytes and
     * its scale.
     */
    static void bigDecimal(WireBuffer out, BigDecimal value)
    {
        if (value.unscaledValue().bitLength() <= MAX_DECIMAL_STRING_BITS && hasReadableString(value))
        {
            out.bytesField(BIG_DECIMAL, value.toString().getBytes(StandardCharsets.US_ASCII));
            return;
        }
        int mark = out.begin(BIG_DECIMAL_PARTS);
        out.bytesField(1, value.unscaledValue().toByteArray());
        out.varintFieldUnlessZero(2, zigZag(value.scale()));
        out.end(mark);
    }

    /**
     * @return false if {@link BigDecimal#BigDecimal(String)} refuses the {@code toString()} form of a short
     * {@code value}: its exponent (precision - 1 - scale) must be an int, which it is not for a scale within the
     * precision (at most 904 digits here) of {@code Integer.MIN_VALUE}, as in {@code 1.2E+2147483648}
     */
    private static boolean hasReadableString(BigDecimal value)
    {
        return value.scale() > Integer.MIN_VALUE + 1_000 || (long)value.precision() - 1 - value.scale() <= Integer.MAX_VALUE;
    }

    /** @return the {@code AttributeValue} of a BigDecimal, as {@link #bigDecimal(WireBuffer, BigDecimal)} writes it */
    static byte[] bigDecimal(BigDecimal value)
    {
        WireBuffer out = new WireBuffer(32);
        bigDecimal(out, value);
        return out.toByteArray();
    }

    /**
     * Reads the message written by {@link #pair}, after its tag.
     *
     * @return its two numbers; an int32 field (a {@code Timestamp}'s nanos) truncated to 32 bits as protobuf does
     */
    static long[] readPair(CodedInputStream in, boolean fixed) throws IOException
    {
        int limit = in.pushLimit(in.readRawVarint32());
        long[] pair = new long[2];
        int wireType = fixed ? WireFormat.WIRETYPE_FIXED64 : WireFormat.WIRETYPE_VARINT;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag())
        {
            int field = WireFormat.getTagFieldNumber(tag);
            if ((field == 1 || field == 2) && WireFormat.getTagWireType(tag) == wireType)
                pair[field - 1] = fixed ? in.readFixed64() : in.readInt64();
            else if (!in.skipField(tag))
                throw new InvalidProtocolBufferException("Unexpected end-group tag in AttributeValue");
        }
        in.popLimit(limit);
        return pair;
    }

    /**
     * @param bytes an {@code AttributeValue} as {@link ProtobufAttributeSerializer} writes it: one member
     * @return true if that member is {@link #JAVA_SERIALIZED}: its two-byte tag comes first
     */
    static boolean startsJavaSerialized(byte[] bytes)
    {
        return bytes.length >= 2 && bytes[0] == (byte)(JAVA_SERIALIZED_TAG & 0x7F | 0x80) && bytes[1] == (byte)(JAVA_SERIALIZED_TAG >>> 7);
    }

    /**
     * @param field a member of the oneof
     * @return true for the members whose value is one message field of its own with no Java object behind it
     * (the members of the first version but {@link #JAVA_SERIALIZED}, and {@link #BIG_DECIMAL_PARTS}), which
     * {@link ProtobufAttributeSerializer} reads itself; the others are read by {@link TypedDecoder}
     */
    static boolean isScalar(int field)
    {
        return field >= STRING && field <= DURATION || field == BIG_DECIMAL_PARTS;
    }

    /** @return {@code value} zigzag-encoded as protobuf's sint32, as an unsigned varint */
    static long zigZag(int value)
    {
        return ((value << 1) ^ (value >> 31)) & 0xFFFF_FFFFL;
    }

    /** Writes a message into an array of exactly the size it needs. */
    private static byte[] write(int size, Writer writer) throws IOException
    {
        byte[] out = new byte[size];
        CodedOutputStream wire = CodedOutputStream.newInstance(out);
        writer.writeTo(wire);
        wire.checkNoSpaceLeft();
        return out;
    }

    private interface Writer
    {
        void writeTo(CodedOutputStream wire) throws IOException;
    }

    private static int pairFieldSize(int field, long value, boolean fixed)
    {
        if (value == 0)
            return 0;
        return fixed ? CodedOutputStream.computeFixed64Size(field, value) : CodedOutputStream.computeInt64Size(field, value);
    }

    private static void writePairField(CodedOutputStream wire, int field, long value, boolean fixed) throws IOException
    {
        if (value == 0)
            return;
        if (fixed)
            wire.writeFixed64(field, value);
        else
            wire.writeInt64(field, value);
    }
}
