// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.util.Arrays;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

/**
 * A growable buffer that writes protobuf's wire format in one pass, for values made of nested messages
 * ({@link TypedEncoder}): a nested message's length is only known once its content is written, so
 * {@link #begin} reserves one byte for it and {@link #end} fills it in, moving the content along only for the
 * rare message of 128 bytes or more. Lengths are therefore always the shortest varint, as protobuf writes them,
 * and the bytes are those of the generated code. Not thread safe: one per value written.
 */
final class WireBuffer
{
    private byte[] buffer;
    private int position;

    /**
     * @param capacity the initial capacity, in bytes
     */
    WireBuffer(int capacity)
    {
        buffer = new byte[capacity];
    }

    /** @return the number of bytes written */
    int size()
    {
        return position;
    }

    /** @return a copy of the bytes written */
    byte[] toByteArray()
    {
        return Arrays.copyOf(buffer, position);
    }

    void tag(int field, int wireType)
    {
        varint32(field << 3 | wireType);
    }

    /** Writes {@code value} as an unsigned varint. */
    void varint32(int value)
    {
        ensure(5);
        while ((value & ~0x7F) != 0)
        {
            buffer[position++] = (byte)(value & 0x7F | 0x80);
            value >>>= 7;
        }
        buffer[position++] = (byte)value;
    }

    /** Writes {@code value} as an unsigned varint (an int32 or int64 field sign-extends to 10 bytes, as protobuf does). */
    void varint64(long value)
    {
        ensure(10);
        while ((value & ~0x7FL) != 0)
        {
            buffer[position++] = (byte)(value & 0x7F | 0x80);
            value >>>= 7;
        }
        buffer[position++] = (byte)value;
    }

    void fixed32(int value)
    {
        ensure(4);
        for (int i = 0; i < 4; i++)
            buffer[position++] = (byte)(value >>> 8 * i);
    }

    void fixed64(long value)
    {
        ensure(8);
        for (int i = 0; i < 8; i++)
            buffer[position++] = (byte)(value >>> 8 * i);
    }

    /** A varint field (int32, int64, uint32, bool, enum; sint32 after zigzag), written whatever its value. */
    void varintField(int field, long value)
    {
        tag(field, WireFormat.WIRETYPE_VARINT);
        varint64(value);
    }

    /** A varint field of proto3 without presence: not written when 0. */
    void varintFieldUnlessZero(int field, long value)
    {
        if (value != 0)
            varintField(field, value);
    }

    /** A bytes or string (UTF-8) field, written whatever its length. */
    void bytesField(int field, byte[] value)
    {
        tag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        varint32(value.length);
        ensure(value.length);
        System.arraycopy(value, 0, buffer, position, value.length);
        position += value.length;
    }

    /** A bytes or string field of proto3 without presence: not written when empty. */
    void bytesFieldUnlessEmpty(int field, byte[] value)
    {
        if (value.length > 0)
            bytesField(field, value);
    }

    /**
     * Starts a message field: writes its tag and reserves a byte for its length.
     *
     * @return the mark to hand to {@link #end}
     */
    int begin(int field)
    {
        tag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        ensure(1);
        return position++;
    }

    /**
     * Ends the message field {@link #begin} started: writes its length in front of its content.
     */
    void end(int mark)
    {
        int length = position - mark - 1;
        if (length < 0x80)
        {
            buffer[mark] = (byte)length;
            return;
        }
        int extra = CodedOutputStream.computeUInt32SizeNoTag(length) - 1;
        ensure(extra);
        System.arraycopy(buffer, mark + 1, buffer, mark + 1 + extra, length);
        int end = position + extra;
        position = mark;
        varint32(length);
        position = end;
    }

    /**
     * Puts the fields written since {@code starts[0]} in the order of their bytes (compared unsigned): a set or
     * map without an order of its own then has one encoding per content, on every node.
     *
     * @param starts where each field begins, in writing order
     * @param count how many fields
     */
    void sortFields(int[] starts, int count)
    {
        if (count < 2)
            return;
        byte[][] fields = new byte[count][];
        for (int i = 0; i < count; i++)
            fields[i] = Arrays.copyOfRange(buffer, starts[i], i + 1 < count ? starts[i + 1] : position);
        Arrays.sort(fields, Arrays::compareUnsigned);
        int at = starts[0];
        for (byte[] field : fields)
        {
            System.arraycopy(field, 0, buffer, at, field.length);
            at += field.length;
        }
    }

    private void ensure(int bytes)
    {
        if (buffer.length - position < bytes)
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, position + bytes));
    }
}
