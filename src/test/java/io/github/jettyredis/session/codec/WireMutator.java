// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Makes damaged variants of valid encodings for {@link DecoderFuzzIT}: plain byte damage (bit flips, bytes set to
 * edge values, truncation, deletion, insertion, duplication, splices from other valid encodings) and damage that
 * knows protobuf's wire format, so that it gets past the outer layers and into the decoders' deep paths: a length
 * or a varint replaced by a wrong or huge one, a tag given another field number or wire type, a nested message
 * damaged with every enclosing length fixed up, a field repeated, dropped, moved or replaced by a valid value or a
 * word of a dictionary (class names, component and constant names, zone ids...), a value wrapped in many levels of
 * nesting, and Java serialization's strings (class names, values) replaced. Everything it does is decided by its
 * random source, so a seed replays it. Not thread safe.
 */
final class WireMutator
{
    /** Inputs are kept below this size, so that a run spends its time decoding rather than copying. */
    static final int MAX_SIZE = 64 * 1024;

    private static final byte[] INTERESTING = {0, 1, 2, 0x7F, (byte)0x80, (byte)0x81, (byte)0xFF, (byte)0xFE, 0x08, 0x0A, 0x12};

    // Words a decoder looks up or parses: class names it resolves, names it matches, strings java.time,
    // Currency, Locale, URI and BigDecimal parse.
    private static final String[] WORDS = {
        "", "x", "\u0000", "java.lang.String", "java.lang.Object", "java.lang.Record", "java.lang.Enum",
        "java.lang.Integer", "java.lang.Thread$State", "java.time.DayOfWeek", "java.util.concurrent.TimeUnit",
        "java.util.ArrayList", "java.util.HashMap", "java.util.HashSet", "java.util.TreeMap", "java.util.Currency",
        "java.util.Locale", "java.time.LocalDate", "java.time.Ser", "java.math.BigDecimal", "java.net.URL",
        "[Ljava.lang.String;", "[I", "int", "io.github.jettyredis.session.codec.CodecFixtures$Item",
        "io.github.jettyredis.session.codec.CodecFixtures$Basket", "io.github.jettyredis.session.codec.CodecFixtures$Colour",
        "io.github.jettyredis.session.codec.CodecFixtures$Shape", "io.github.jettyredis.session.codec.CodecFixtures$Shape$1",
        "io.github.jettyredis.session.codec.ProtobufAttributeSerializerTest$Pair",
        "io.github.jettyredis.session.codec.DecoderFuzzIT$Checked", "io.github.jettyredis.session.codec.DecoderFuzzIT$Plain",
        "name", "quantity", "colour", "tags", "id", "items", "counts", "created", "first", "second", "value",
        "RED", "BLUE", "CIRCLE", "SQUARE", "NEW", "DAYS", "MONDAY", "Europe/Paris", "UTC", "Z", "+01:00", "GMT+5",
        "+18:00:01", "Nowhere/Nothing", "EUR", "XXX", "ZZZ", "eur", "en-GB", "sr-Latn-RS-u-nu-latn", "x-\u00ff",
        "a:b", "::", "http://[::1", "1e2147483647", "1e-2147483648", "-0.0", "NaN", "9".repeat(400)};
    private static final byte[][] WORD_BYTES = Arrays.stream(WORDS).map(w -> w.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    private static final byte[][] BAD_UTF8 = {{(byte)0xC0, (byte)0x80}, {(byte)0xFF}, {(byte)0xED, (byte)0xA0, (byte)0x80}, {(byte)0xE2, (byte)0x82}};

    private final SplittableRandom random;
    private final List<byte[]> corpus;

    /**
     * @param random the source of every decision
     * @param corpus valid encodings, spliced into the inputs
     */
    WireMutator(SplittableRandom random, List<byte[]> corpus)
    {
        this.random = random;
        this.corpus = corpus;
    }

    /**
     * The inputs of a decoder: mostly damaged valid encodings, some valid ones, some random bytes.
     *
     * @return the next input
     */
    byte[] next()
    {
        int kind = random.nextInt(100);
        if (kind < 3)
            return randomBytes(random.nextInt(64));
        if (kind < 5)
            return pick();
        return mutate(pick());
    }

    /** @return a damaged copy of {@code input}: one to four mutations, most of them aware of the wire format */
    byte[] mutate(byte[] input)
    {
        byte[] out = input;
        int rounds = random.nextInt(4) == 0 ? 2 + random.nextInt(3) : 1;
        for (int i = 0; i < rounds; i++)
            out = cap(mutateOnce(out));
        return out;
    }

    /** @return {@code length} random bytes */
    byte[] randomBytes(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)random.nextInt(256);
        return bytes;
    }

    /** @return a valid encoding of the corpus, chosen at random */
    byte[] pick()
    {
        return corpus.get(random.nextInt(corpus.size()));
    }

    private byte[] mutateOnce(byte[] in)
    {
        return switch (random.nextInt(16))
        {
            case 0 -> flipBits(in);
            case 1 -> setInteresting(in);
            case 2 -> truncate(in);
            case 3 -> deleteRange(in);
            case 4 -> insert(in, randomBytes(1 + random.nextInt(8)));
            case 5 -> duplicateRange(in);
            case 6 -> splice(in);
            case 7 -> corruptLength(in);
            case 8 -> corruptVarint(in);
            case 9 -> corruptTag(in);
            case 10 -> wrapDeep(in);
            case 11 -> javaString(in);
            default -> mutateInside(in, 0);
        };
    }

    private byte[] flipBits(byte[] in)
    {
        if (in.length == 0)
            return randomBytes(1);
        byte[] out = in.clone();
        for (int i = 1 + random.nextInt(random.nextInt(8) == 0 ? 16 : 3); i > 0; i--)
            out[random.nextInt(out.length)] ^= (byte)(1 << random.nextInt(8));
        return out;
    }

    private byte[] setInteresting(byte[] in)
    {
        if (in.length == 0)
            return new byte[]{INTERESTING[random.nextInt(INTERESTING.length)]};
        byte[] out = in.clone();
        out[random.nextInt(out.length)] = INTERESTING[random.nextInt(INTERESTING.length)];
        return out;
    }

    private byte[] truncate(byte[] in)
    {
        return in.length == 0 ? in : Arrays.copyOf(in, random.nextInt(in.length));
    }

    private byte[] deleteRange(byte[] in)
    {
        if (in.length < 2)
            return in;
        int from = random.nextInt(in.length);
        int to = Math.min(in.length, from + 1 + random.nextInt(Math.min(in.length - from, 16)));
        return concat(Arrays.copyOfRange(in, 0, from), Arrays.copyOfRange(in, to, in.length));
    }

    private byte[] insert(byte[] in, byte[] bytes)
    {
        int at = random.nextInt(in.length + 1);
        return concat(Arrays.copyOfRange(in, 0, at), bytes, Arrays.copyOfRange(in, at, in.length));
    }

    private byte[] duplicateRange(byte[] in)
    {
        if (in.length == 0)
            return in;
        int from = random.nextInt(in.length);
        int to = from + 1 + random.nextInt(in.length - from);
        byte[] range = Arrays.copyOfRange(in, from, to);
        int times = random.nextInt(4) == 0 ? 2 + random.nextInt(30) : 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(in, 0, to);
        for (int i = 0; i < times && out.size() < MAX_SIZE; i++)
            out.write(range, 0, range.length);
        out.write(in, to, in.length - to);
        return out.toByteArray();
    }

    // A piece of another valid encoding in place of a piece of this one.
    private byte[] splice(byte[] in)
    {
        byte[] other = pick();
        if (other.length == 0)
            return in;
        int from = random.nextInt(other.length);
        byte[] piece = Arrays.copyOfRange(other, from, from + 1 + random.nextInt(other.length - from));
        int at = random.nextInt(in.length + 1);
        int replaced = random.nextBoolean() ? 0 : random.nextInt(in.length - at + 1);
        return concat(Arrays.copyOfRange(in, 0, at), piece, Arrays.copyOfRange(in, at + replaced, in.length));
    }

    // A length of a length-delimited field, at any depth, made wrong: off by a little, zero, past the end, huge,
    // negative (a ten-byte varint), or over 32 bits.
    private byte[] corruptLength(byte[] in)
    {
        List<Field> lengths = new ArrayList<>();
        collect(in, 0, in.length, 0, Field::isDelimited, lengths);
        if (lengths.isEmpty())
            return flipBits(in);
        Field field = lengths.get(random.nextInt(lengths.size()));
        long length = field.end - field.contentStart;
        long wrong = switch (random.nextInt(8))
        {
            case 0 -> length + 1;
            case 1 -> length - 1;
            case 2 -> 0;
            case 3 -> length + 1 + random.nextInt(1000);
            case 4 -> Integer.MAX_VALUE;
            case 5 -> -1L;
            case 6 -> 1L << 32 | length;
            default -> random.nextLong();
        };
        return concat(Arrays.copyOfRange(in, 0, field.valueStart), varint(wrong), Arrays.copyOfRange(in, field.contentStart, in.length));
    }

    // A varint value (not a length) replaced: by edge values of every width, or a varint that never ends.
    private byte[] corruptVarint(byte[] in)
    {
        List<Field> varints = new ArrayList<>();
        collect(in, 0, in.length, 0, Field::isVarint, varints);
        if (varints.isEmpty())
            return insert(in, varint(random.nextLong()));
        Field field = varints.get(random.nextInt(varints.size()));
        byte[] replacement = switch (random.nextInt(9))
        {
            case 0 -> varint(-1L);
            case 1 -> varint(Long.MIN_VALUE);
            case 2 -> varint(Integer.MAX_VALUE);
            case 3 -> varint(Integer.MIN_VALUE);
            case 4 -> varint(1L << 32);
            case 5 -> varint(0x7FFF_FFFF_FFFF_FFFFL);
            case 6 -> new byte[]{(byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF,
                (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, 0x01};
            case 7 -> varint(random.nextInt(70_000) - 1000);
            default -> varint(random.nextLong());
        };
        return concat(Arrays.copyOfRange(in, 0, field.valueStart), replacement, Arrays.copyOfRange(in, field.end, in.length));
    }

    // A tag given another wire type (groups included) or another field number.
    private byte[] corruptTag(byte[] in)
    {
        List<Field> tags = new ArrayList<>();
        collect(in, 0, in.length, 0, field -> true, tags);
        if (tags.isEmpty())
            return flipBits(in);
        Field field = tags.get(random.nextInt(tags.size()));
        long tag = field.tag;
        long changed = random.nextBoolean()
            ? (tag & ~7L) | random.nextInt(8)
            : (long)(random.nextInt(4) == 0 ? random.nextInt(1 << 29) : random.nextInt(40)) << 3 | (tag & 7);
        return concat(Arrays.copyOfRange(in, 0, field.tagStart), varint(changed), Arrays.copyOfRange(in, field.valueStart, in.length));
    }

    /**
     * Damages the value of one length-delimited field, at a depth chosen at random, and fixes up every enclosing
     * length, so the decoders read the damage where it is rather than failing at the outer layer; or damages the
     * message's fields as a whole (one repeated, dropped, moved, an unknown one added).
     */
    private byte[] mutateInside(byte[] in, int depth)
    {
        List<Field> fields = parse(in, 0, in.length);
        if (fields == null || fields.isEmpty())
            return depth == 0 ? flipBits(in) : plain(in);
        int choice = random.nextInt(10);
        if (choice == 0)
        {
            // A field twice: two class names, a component twice, a oneof member shadowed.
            Field field = fields.get(random.nextInt(fields.size()));
            byte[] copy = Arrays.copyOfRange(in, field.tagStart, field.end);
            int at = fields.get(random.nextInt(fields.size())).tagStart;
            return concat(Arrays.copyOfRange(in, 0, at), copy, Arrays.copyOfRange(in, at, in.length));
        }
        if (choice == 1)
        {
            Field field = fields.get(random.nextInt(fields.size()));
            return concat(Arrays.copyOfRange(in, 0, field.tagStart), Arrays.copyOfRange(in, field.end, in.length));
        }
        if (choice == 2 && fields.size() > 1)
        {
            // Fields in another order: components before the class name, the kind after the elements.
            Field field = fields.get(random.nextInt(fields.size()));
            byte[] rest = concat(Arrays.copyOfRange(in, 0, field.tagStart), Arrays.copyOfRange(in, field.end, in.length));
            int at = random.nextBoolean() ? 0 : rest.length;
            return concat(Arrays.copyOfRange(rest, 0, at), Arrays.copyOfRange(in, field.tagStart, field.end), Arrays.copyOfRange(rest, at, rest.length));
        }
        if (choice == 3)
            return insert(in, unknownField());
        List<Field> delimited = new ArrayList<>();
        for (Field field : fields)
            if (field.isDelimited())
                delimited.add(field);
        if (delimited.isEmpty())
            return corruptVarint(in);
        Field field = delimited.get(random.nextInt(delimited.size()));
        byte[] content = Arrays.copyOfRange(in, field.contentStart, field.end);
        byte[] replaced = switch (random.nextInt(12))
        {
            case 0, 1, 2, 3 -> mutateInside(content, depth + 1);
            case 4, 5 -> plain(content);
            case 6 -> pick();
            case 7 -> WORD_BYTES[random.nextInt(WORD_BYTES.length)];
            case 8 -> concat(content, BAD_UTF8[random.nextInt(BAD_UTF8.length)]);
            case 9 -> new byte[0];
            case 10 -> concat(content, content);
            default -> javaString(content);
        };
        return concat(Arrays.copyOfRange(in, 0, field.valueStart), varint(replaced.length), replaced,
            Arrays.copyOfRange(in, field.end, in.length));
    }

    private byte[] plain(byte[] in)
    {
        return switch (random.nextInt(6))
        {
            case 0 -> flipBits(in);
            case 1 -> setInteresting(in);
            case 2 -> truncate(in);
            case 3 -> deleteRange(in);
            case 4 -> duplicateRange(in);
            default -> insert(in, randomBytes(1 + random.nextInt(4)));
        };
    }

    /** An unknown field of any wire type, a group possibly nested thousands deep. */
    private byte[] unknownField()
    {
        int field = 36 + random.nextInt(2000);
        return switch (random.nextInt(5))
        {
            case 0 -> concat(varint((long)field << 3), varint(random.nextLong()));
            case 1 -> concat(varint((long)field << 3 | 1), randomBytes(8));
            case 2 -> concat(varint((long)field << 3 | 5), randomBytes(4));
            case 3 ->
            {
                byte[] content = randomBytes(random.nextInt(10));
                yield concat(varint((long)field << 3 | 2), varint(content.length), content);
            }
            default ->
            {
                int levels = random.nextInt(4) == 0 ? 1 + random.nextInt(5000) : 1 + random.nextInt(10);
                byte[] start = varint((long)field << 3 | 3);
                byte[] end = varint((long)field << 3 | 4);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 0; i < levels; i++)
                    out.write(start, 0, start.length);
                // Sometimes unbalanced: an end group too many or too few.
                int ends = random.nextInt(8) == 0 ? levels + random.nextInt(3) - 1 : levels;
                for (int i = 0; i < ends; i++)
                    out.write(end, 0, end.length);
                yield out.toByteArray();
            }
        };
    }

    /**
     * Wraps a value in levels of Optional, list or map nesting (AttributeValue{optional_value{value=...}},
     * AttributeValue{collection_value{kind, elements=...}}, AttributeValue{map_value{entries{key, value}}}), often
     * past every depth limit.
     */
    private byte[] wrapDeep(byte[] in)
    {
        int levels = random.nextInt(3) == 0 ? 1 + random.nextInt(200) : 1 + random.nextInt(25);
        byte[] value = in;
        for (int i = 0; i < levels && value.length < MAX_SIZE; i++)
        {
            value = switch (random.nextInt(3))
            {
                case 0 -> message(24, message(1, value));
                case 1 -> message(22, concat(new byte[]{0x08, (byte)(1 + random.nextInt(8))}, message(2, value)));
                default -> message(23, concat(new byte[]{0x08, (byte)(1 + random.nextInt(5))},
                    message(2, concat(message(1, value), message(2, value)))));
            };
        }
        return value;
    }

    /**
     * Replaces a string of a Java serialization stream: a class name of a class descriptor or a string value
     * (TC_STRING), by a word of the dictionary, with its two-byte length fixed up.
     */
    private byte[] javaString(byte[] in)
    {
        List<Integer> strings = new ArrayList<>();
        for (int i = 0; i + 3 <= in.length; i++)
        {
            // TC_CLASSDESC (0x72) and TC_STRING (0x74), then a length that fits.
            if ((in[i] == 0x72 || in[i] == 0x74) && i + 3 + ((in[i + 1] & 0xFF) << 8 | in[i + 2] & 0xFF) <= in.length)
                strings.add(i);
        }
        if (strings.isEmpty())
            return plain(in);
        int at = strings.get(random.nextInt(strings.size()));
        int length = (in[at + 1] & 0xFF) << 8 | in[at + 2] & 0xFF;
        byte[] word = WORD_BYTES[random.nextInt(WORD_BYTES.length)];
        return concat(Arrays.copyOfRange(in, 0, at + 1), new byte[]{(byte)(word.length >> 8), (byte)word.length}, word,
            Arrays.copyOfRange(in, at + 3 + length, in.length));
    }

    private byte[] cap(byte[] bytes)
    {
        return bytes.length <= MAX_SIZE ? bytes : Arrays.copyOf(bytes, MAX_SIZE);
    }

    /** A field of protobuf's wire format: where its tag, its length (if length-delimited) and its value are. */
    private record Field(long tag, int tagStart, int valueStart, int contentStart, int end)
    {
        boolean isDelimited()
        {
            return contentStart >= 0;
        }

        boolean isVarint()
        {
            return (tag & 7) == 0;
        }
    }

    /**
     * @return the fields of the message in {@code from .. to}, or null if it is not a message (groups are taken
     * as fields of their own and not entered)
     */
    static List<Field> parse(byte[] bytes, int from, int to)
    {
        List<Field> fields = new ArrayList<>();
        int at = from;
        while (at < to)
        {
            int tagStart = at;
            long tag = 0;
            int shift = 0;
            do
            {
                if (at >= to || shift > 63)
                    return null;
                tag |= (long)(bytes[at] & 0x7F) << shift;
                shift += 7;
            }
            while ((bytes[at++] & 0x80) != 0);
            if (tag >>> 3 == 0 || tag > 0xFFFF_FFFFL)
                return null;
            int valueStart = at;
            switch ((int)(tag & 7))
            {
                case 0 ->
                {
                    do
                    {
                        if (at >= to || at - valueStart >= 10)
                            return null;
                    }
                    while ((bytes[at++] & 0x80) != 0);
                    fields.add(new Field(tag, tagStart, valueStart, -1, at));
                }
                case 1 ->
                {
                    at += 8;
                    if (at > to)
                        return null;
                    fields.add(new Field(tag, tagStart, valueStart, -1, at));
                }
                case 2 ->
                {
                    long length = 0;
                    shift = 0;
                    do
                    {
                        if (at >= to || shift > 63)
                            return null;
                        length |= (long)(bytes[at] & 0x7F) << shift;
                        shift += 7;
                    }
                    while ((bytes[at++] & 0x80) != 0);
                    if (length < 0 || length > to - at)
                        return null;
                    int contentStart = at;
                    at += (int)length;
                    fields.add(new Field(tag, tagStart, valueStart, contentStart, at));
                }
                case 5 ->
                {
                    at += 4;
                    if (at > to)
                        return null;
                    fields.add(new Field(tag, tagStart, valueStart, -1, at));
                }
                default ->
                {
                    // A group or an invalid wire type: noted as a field of no content; the rest is still parsed.
                    fields.add(new Field(tag, tagStart, valueStart, -1, valueStart));
                }
            }
        }
        return fields;
    }

    /** Adds the fields {@code which} accepts, of the message in {@code from .. to} and of every message nested in it. */
    private static void collect(byte[] bytes, int from, int to, int depth, Predicate<Field> which, List<Field> into)
    {
        List<Field> fields = depth > 80 ? null : parse(bytes, from, to);
        if (fields == null)
            return;
        for (Field field : fields)
        {
            if (which.test(field))
                into.add(field);
            if (field.isDelimited())
                collect(bytes, field.contentStart, field.end, depth + 1, which, into);
        }
    }

    /** @return a length-delimited field {@code field} holding {@code content} */
    static byte[] message(int field, byte[] content)
    {
        return concat(varint((long)field << 3 | 2), varint(content.length), content);
    }

    /** @return {@code value} as an unsigned varint, as protobuf writes it (a negative number takes ten bytes) */
    static byte[] varint(long value)
    {
        byte[] out = new byte[10];
        int i = 0;
        while ((value & ~0x7FL) != 0)
        {
            out[i++] = (byte)(value & 0x7F | 0x80);
            value >>>= 7;
        }
        out[i++] = (byte)value;
        return Arrays.copyOf(out, i);
    }

    static byte[] concat(byte[]... parts)
    {
        int length = 0;
        for (byte[] part : parts)
            length += part.length;
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts)
        {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
