// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.Serializable;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Currency;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.Vector;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import com.google.protobuf.ByteString;
import io.github.jettyredis.session.codec.CodecFixtures.Basket;
import io.github.jettyredis.session.codec.CodecFixtures.Colour;
import io.github.jettyredis.session.codec.CodecFixtures.Item;
import io.github.jettyredis.session.codec.CodecFixtures.Shape;
import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.AttributeValue.KindCase;
import io.github.jettyredis.session.codec.proto.BigDecimalParts;
import io.github.jettyredis.session.codec.proto.Timestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.BIG_DECIMAL_PARTS_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.BIG_DECIMAL_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.BIG_INTEGER_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.BOOL_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.BYTES_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.BYTE_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.CHAR_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.COLLECTION_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.CURRENCY_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.DATE_MILLIS_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.DOUBLE_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.DURATION_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.ENUM_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.FLOAT_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.INSTANT_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.INT_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.JAVA_SERIALIZED;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.LOCALE_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.LOCAL_DATE_TIME_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.LOCAL_DATE_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.LOCAL_TIME_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.LONG_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.MAP_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.NULL_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.OFFSET_DATE_TIME_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.OPTIONAL_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.OBJECT_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.PERIOD_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.RECORD_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.SHORT_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.STRING_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.URI_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.UUID_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.ZONED_DATE_TIME_VALUE;
import static io.github.jettyredis.session.codec.proto.AttributeValue.KindCase.ZONE_ID_VALUE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ProtobufAttributeSerializerTest
{
    private static final long SEED = 20251126L;

    private final ProtobufAttributeSerializer serializer = new ProtobufAttributeSerializer();

    static Stream<Arguments> typedValues()
    {
        byte[] mebibyte = new byte[1 << 20];
        new Random(SEED).nextBytes(mebibyte);
        return Stream.of(
            arguments("", STRING_VALUE),
            arguments("plain ASCII", STRING_VALUE),
            arguments("naïve 日本語 \uD83D\uDE00 \uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", STRING_VALUE),
            arguments(true, BOOL_VALUE),
            arguments(false, BOOL_VALUE),
            arguments(0, INT_VALUE),
            arguments(Integer.MIN_VALUE, INT_VALUE),
            arguments(Integer.MAX_VALUE, INT_VALUE),
            arguments(0L, LONG_VALUE),
            arguments(Long.MIN_VALUE, LONG_VALUE),
            arguments(Long.MAX_VALUE, LONG_VALUE),
            arguments(Float.NaN, FLOAT_VALUE),
            arguments(-0.0f, FLOAT_VALUE),
            arguments(Float.MIN_VALUE, FLOAT_VALUE),
            arguments(Float.NEGATIVE_INFINITY, FLOAT_VALUE),
            arguments(Double.NaN, DOUBLE_VALUE),
            arguments(-0.0d, DOUBLE_VALUE),
            arguments(Double.MAX_VALUE, DOUBLE_VALUE),
            arguments(Double.POSITIVE_INFINITY, DOUBLE_VALUE),
            arguments('\u0000', CHAR_VALUE),
            arguments('é', CHAR_VALUE),
            arguments('\uffff', CHAR_VALUE),
            arguments(Byte.MIN_VALUE, BYTE_VALUE),
            arguments(Byte.MAX_VALUE, BYTE_VALUE),
            arguments(Short.MIN_VALUE, SHORT_VALUE),
            arguments(Short.MAX_VALUE, SHORT_VALUE),
            arguments(new byte[0], BYTES_VALUE),
            arguments(named("1 MiB of random bytes", mebibyte), BYTES_VALUE),
            arguments(new BigDecimal("1.2300E+5"), BIG_DECIMAL_VALUE),
            arguments(new BigDecimal("-0.000"), BIG_DECIMAL_VALUE),
            arguments(named("a decimal of a million digits", millionDigits()), BIG_DECIMAL_PARTS_VALUE),
            arguments(named("a decimal of 3,001 bits, scale -2147483648",
                new BigDecimal(BigInteger.ONE.shiftLeft(3_000).negate().subtract(BigInteger.ONE), Integer.MIN_VALUE)), BIG_DECIMAL_PARTS_VALUE),
            arguments(named("a decimal of 3,000 bits", new BigDecimal(BigInteger.ONE.shiftLeft(2_999), 7)), BIG_DECIMAL_VALUE),
            arguments(new BigInteger("-123456789012345678901234567890"), BIG_INTEGER_VALUE),
            arguments(BigInteger.ZERO, BIG_INTEGER_VALUE),
            arguments(UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), UUID_VALUE),
            arguments(new UUID(-1L, Long.MIN_VALUE), UUID_VALUE),
            arguments(Instant.ofEpochSecond(1_764_115_200L, 123_456_789), INSTANT_VALUE),
            arguments(Instant.ofEpochSecond(-1L, 999_999_999), INSTANT_VALUE),
            arguments(Instant.MIN, INSTANT_VALUE),
            arguments(Instant.MAX, INSTANT_VALUE),
            arguments(new Date(1_764_115_200_123L), DATE_MILLIS_VALUE),
            arguments(new Date(-1L), DATE_MILLIS_VALUE),
            arguments(LocalDate.MIN, LOCAL_DATE_VALUE),
            arguments(LocalDate.MAX, LOCAL_DATE_VALUE),
            arguments(LocalDate.of(2024, 2, 29), LOCAL_DATE_VALUE),
            arguments(LocalDateTime.of(2024, 2, 29, 23, 59, 59, 999_999_999), LOCAL_DATE_TIME_VALUE),
            arguments(LocalDateTime.MIN, LOCAL_DATE_TIME_VALUE),
            arguments(LocalDateTime.MAX, LOCAL_DATE_TIME_VALUE),
            arguments(Duration.ofSeconds(-5, 250_000_000), DURATION_VALUE),
            arguments(Duration.ofNanos(-1), DURATION_VALUE),
            arguments(Duration.ZERO, DURATION_VALUE),
            // Added by issue 12.
            arguments(Colour.RED, ENUM_VALUE),
            arguments(named("an enum constant with a body of its own", Shape.CIRCLE), ENUM_VALUE),
            arguments(TimeUnit.SECONDS, ENUM_VALUE),
            arguments(new Item("pen", 3, Colour.BLUE, List.of("office", "blue")), RECORD_VALUE),
            arguments(new Item("", 0, null, List.of()), RECORD_VALUE),
            arguments(basket(), RECORD_VALUE),
            arguments(new Primitives(true, (byte)-1, (short)-300, 'x', -5, Long.MIN_VALUE, -0.0f, Double.NaN), RECORD_VALUE),
            arguments(new NoComponents(), RECORD_VALUE),
            arguments(new Pair<>(Optional.of(Colour.GREEN), new Pair<>(null, Locale.UK)), RECORD_VALUE),
            arguments(named("one of each first-version value, null, a long string", everyScalar()), COLLECTION_VALUE),
            arguments(new ArrayList<>(), COLLECTION_VALUE),
            arguments(new LinkedList<>(List.of(1, 2, 3)), COLLECTION_VALUE),
            arguments(List.of(), COLLECTION_VALUE),
            arguments(List.of("one"), COLLECTION_VALUE),
            arguments(List.of("one", "two", "three"), COLLECTION_VALUE),
            arguments(new HashSet<>(List.of("b", "a", "c", "a long one")), COLLECTION_VALUE),
            arguments(new HashSet<>(Arrays.asList(Colour.values())), COLLECTION_VALUE),
            arguments(new LinkedHashSet<>(List.of(3, 1, 2)), COLLECTION_VALUE),
            arguments(new TreeSet<>(List.of("b", "a", "c")), COLLECTION_VALUE),
            arguments(Set.of(), COLLECTION_VALUE),
            arguments(Set.of(1L), COLLECTION_VALUE),
            arguments(Set.of(1L, 2L, 3L), COLLECTION_VALUE),
            arguments(named("lists of records of enums, in a list", nestedLists()), COLLECTION_VALUE),
            arguments(hashMapWithNulls(), MAP_VALUE),
            arguments(new LinkedHashMap<>(Map.of("k", List.of(new Item("x", 1, Colour.RED, List.of())))), MAP_VALUE),
            arguments(new TreeMap<>(Map.of(LocalDate.of(2024, 1, 1), 1, LocalDate.of(2023, 1, 1), 2)), MAP_VALUE),
            arguments(Map.of(), MAP_VALUE),
            arguments(Map.of(Colour.RED, "red"), MAP_VALUE),
            arguments(Map.of(1, "a", 2, "b", 3, "c"), MAP_VALUE),
            arguments(Optional.empty(), OPTIONAL_VALUE),
            arguments(Optional.of("x"), OPTIONAL_VALUE),
            arguments(Optional.of(new HashMap<>(Map.of(1, Optional.empty()))), OPTIONAL_VALUE),
            arguments(Locale.UK, LOCALE_VALUE),
            arguments(Locale.ROOT, LOCALE_VALUE),
            arguments(Locale.forLanguageTag("zh-Hant-TW"), LOCALE_VALUE),
            arguments(Locale.forLanguageTag("de-DE-u-co-phonebk-x-private"), LOCALE_VALUE),
            arguments(new Locale("ja", "JP", "JP"), LOCALE_VALUE),
            arguments(Currency.getInstance("EUR"), CURRENCY_VALUE),
            arguments(Currency.getInstance("JPY"), CURRENCY_VALUE),
            arguments(URI.create("https://user@example.com:8443/a%20b/\u00e4?q=1&r#frag"), URI_VALUE),
            arguments(URI.create("relative/path"), URI_VALUE),
            arguments(URI.create("urn:isbn:096139210x"), URI_VALUE),
            arguments(LocalTime.MIDNIGHT, LOCAL_TIME_VALUE),
            arguments(LocalTime.MAX, LOCAL_TIME_VALUE),
            arguments(LocalTime.of(9, 30, 15, 500), LOCAL_TIME_VALUE),
            arguments(ZonedDateTime.of(2024, 2, 29, 12, 0, 0, 0, ZoneId.of("Europe/Paris")), ZONED_DATE_TIME_VALUE),
            arguments(named("the later of two overlapping times", ZonedDateTime.of(2024, 10, 27, 2, 30, 0, 0,
                ZoneId.of("Europe/Paris")).withLaterOffsetAtOverlap()), ZONED_DATE_TIME_VALUE),
            arguments(ZonedDateTime.of(1969, 12, 31, 23, 59, 59, 1, ZoneOffset.ofHoursMinutes(-3, -30)), ZONED_DATE_TIME_VALUE),
            arguments(ZonedDateTime.of(LocalDateTime.MIN, ZoneId.of("UTC")), ZONED_DATE_TIME_VALUE),
            arguments(OffsetDateTime.MIN, OFFSET_DATE_TIME_VALUE),
            arguments(OffsetDateTime.MAX, OFFSET_DATE_TIME_VALUE),
            arguments(OffsetDateTime.of(2024, 2, 29, 12, 0, 0, 0, ZoneOffset.UTC), OFFSET_DATE_TIME_VALUE),
            arguments(ZoneId.of("Europe/Paris"), ZONE_ID_VALUE),
            arguments(ZoneId.of("UTC"), ZONE_ID_VALUE),
            arguments(ZoneId.of("GMT+2"), ZONE_ID_VALUE),
            arguments(ZoneOffset.UTC, ZONE_ID_VALUE),
            arguments(ZoneOffset.ofHoursMinutes(-3, -30), ZONE_ID_VALUE),
            arguments(Period.ZERO, PERIOD_VALUE),
            arguments(Period.of(1, -2, 3), PERIOD_VALUE),
            arguments(Period.ofDays(Integer.MIN_VALUE), PERIOD_VALUE),
            arguments(new PlainObjects.Account("alice", List.of("customer"), 3, 4L), OBJECT_VALUE));
    }

    // A decimal of a million digits: read from its unscaled value's bytes, in time linear in them. As a string, as
    // versions before issue 13 wrote it, its digits took seconds to convert, growing faster than their number.
    static BigDecimal millionDigits()
    {
        return new BigDecimal(BigInteger.TEN.pow(1_000_000).subtract(BigInteger.ONE), 5);
    }

    // The longest unscaled value written as a string, with a sign and the longest exponent: read by
    // BigDecimal(String) itself, whose time is quadratic, only up to 1,000 characters.
    @Test
    void everyDecimalWrittenAsAStringIsShort() throws Exception
    {
        BigInteger longest = BigInteger.ONE.shiftLeft(AttributeValueWire.MAX_DECIMAL_STRING_BITS).subtract(BigInteger.ONE).negate();
        for (int scale : new int[]{Integer.MAX_VALUE, Integer.MIN_VALUE + 1_000, 0, 5})
        {
            BigDecimal decimal = new BigDecimal(longest, scale);
            AttributeValue written = AttributeValue.parseFrom(serializer.serialize(decimal));
            assertEquals(BIG_DECIMAL_VALUE, written.getKindCase());
            assertTrue(written.getBigDecimalValue().length() <= 1_000, () -> written.getBigDecimalValue().length() + " characters");
            assertEquals(decimal, serializer.deserialize(written.toByteArray()));
        }
        assertEquals(BIG_DECIMAL_PARTS_VALUE, AttributeValue.parseFrom(serializer.serialize(
            new BigDecimal(longest.subtract(BigInteger.TWO), 0))).getKindCase());
    }

    // The exponent of a decimal's toString() form may not be an int, which BigDecimal(String) refuses: such a decimal,
    // however short, was written as a string that no version could read.
    @Test
    void decimalWhoseStringFormCannotBeReadBackIsWrittenAsItsParts() throws Exception
    {
        BigInteger longest = BigInteger.ONE.shiftLeft(AttributeValueWire.MAX_DECIMAL_STRING_BITS).subtract(BigInteger.ONE);
        for (BigDecimal decimal : List.of(new BigDecimal(BigInteger.valueOf(12), -Integer.MAX_VALUE),
            new BigDecimal(longest, Integer.MIN_VALUE), new BigDecimal(BigInteger.ONE, Integer.MIN_VALUE), new BigDecimal(BigInteger.valueOf(-7), Integer.MIN_VALUE)))
        {
            byte[] bytes = serializer.serialize(decimal);
            assertEquals(decimal, serializer.deserialize(bytes), decimal::toString);
            assertEquals(List.of(decimal), serializer.deserialize(serializer.serialize(new ArrayList<>(List.of(decimal)))));
        }
        BigDecimal readable = new BigDecimal(BigInteger.ONE, -Integer.MAX_VALUE);
        assertEquals(BIG_DECIMAL_VALUE, AttributeValue.parseFrom(serializer.serialize(readable)).getKindCase());
    }

    // Versions before issue 13 wrote decimals of any length as strings: up to MAX_DECIMAL_CHARACTERS they are read,
    // a longer one is refused as unreadable, whether the attribute or nested in it.
    @Test
    void decimalStringsOfEarlierVersionsAreReadUpToTheirLimit() throws Exception
    {
        String longest = "9".repeat(TypedDecoder.MAX_DECIMAL_CHARACTERS - 2) + "E5";
        assertEquals(new BigDecimal(BigInteger.TEN.pow(TypedDecoder.MAX_DECIMAL_CHARACTERS - 2).subtract(BigInteger.ONE), -5),
            serializer.deserialize(earlierDecimal(longest)));
        String tooLong = "9".repeat(TypedDecoder.MAX_DECIMAL_CHARACTERS - 1) + "E5";
        IOException refused = assertThrows(IOException.class, () -> serializer.deserialize(earlierDecimal(tooLong)));
        assertTrue(refused.getMessage().contains("big_decimal_value of 100001 characters, over the 100000 this version reads"),
            refused::getMessage);
        byte[] inList = WireMutator.message(AttributeValueWire.COLLECTION, WireMutator.concat(
            AttributeValueWire.varint(1, AttributeValueWire.ARRAY_LIST), WireMutator.message(2, earlierDecimal(tooLong))));
        refused = assertThrows(IOException.class, () -> serializer.deserialize(inList));
        assertTrue(refused.getMessage().contains("over the 100000 this version reads"), refused::getMessage);
    }

    private static byte[] earlierDecimal(String text) throws IOException
    {
        return AttributeValueWire.bytes(AttributeValueWire.BIG_DECIMAL, text.getBytes(StandardCharsets.US_ASCII));
    }

    // Long decimals nested in other values are written and read as the attribute itself is.
    @Test
    void longDecimalsNestedInOtherValuesRoundTrip() throws Exception
    {
        BigDecimal huge = millionDigits();
        BigDecimal negative = new BigDecimal(BigInteger.ONE.shiftLeft(5_000).negate(), Integer.MIN_VALUE);
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put(negative, new ArrayList<>(Arrays.asList(huge, null, BigDecimal.ONE)));
        Object copy = serializer.deserialize(serializer.serialize(map));
        assertEquals(map, copy);
        assertEquals(Optional.of(negative), serializer.deserialize(serializer.serialize(Optional.of(negative))));
    }

    // Another writer may write BigDecimalParts for any value, however short; its unscaled value is never empty.
    @Test
    void bigDecimalPartsAreReadWhateverTheirSize() throws Exception
    {
        byte[] small = AttributeValue.newBuilder().setBigDecimalPartsValue(BigDecimalParts.newBuilder()
            .setUnscaledValue(ByteString.copyFrom(BigInteger.valueOf(-150).toByteArray())).setScale(2)).build().toByteArray();
        assertEquals(new BigDecimal("-1.50"), serializer.deserialize(small));
        byte[] noScale = AttributeValue.newBuilder().setBigDecimalPartsValue(BigDecimalParts.newBuilder()
            .setUnscaledValue(ByteString.copyFrom(new byte[]{7}))).build().toByteArray();
        assertEquals(new BigDecimal(7), serializer.deserialize(noScale));
    }

    // Long decimal strings are converted by halves: the same values as BigDecimal(String), and its refusals; in them,
    // digits other than ASCII (which no version writes) are refused too.
    @Test
    void longBigDecimalStringsReadAsBigDecimalReadsThem() throws IOException
    {
        Random random = new Random(SEED);
        for (int i = 0; i < 200; i++)
        {
            StringBuilder text = new StringBuilder(random.nextInt(3) == 0 ? "-" : random.nextInt(4) == 0 ? "+" : "");
            int digits = 900 + random.nextInt(4000);
            int point = random.nextInt(3) == 0 ? -1 : random.nextInt(digits + 1);
            for (int d = 0; d < digits; d++)
            {
                if (d == point)
                    text.append('.');
                text.append((char)('0' + (d < 3 && random.nextBoolean() ? 0 : random.nextInt(10))));
            }
            if (random.nextBoolean())
                text.append(random.nextBoolean() ? 'E' : 'e').append(random.nextBoolean() ? "-" : "+")
                    .append(random.nextInt(4) == 0 ? Integer.MAX_VALUE : random.nextInt(5000));
            assertReadAsBigDecimalReadsIt(text.toString());
        }
        String digits = "12345".repeat(300);
        for (String exponent : List.of("E-2147483648", "E-2147483649", "E+2147483647", "E2147483648", "E+0000000000002", "e-00",
            "E0000000000000000000000000001", "E99999999999"))
            assertReadAsBigDecimalReadsIt(digits + exponent);
        assertReadAsBigDecimalReadsIt("." + digits);
        assertReadAsBigDecimalReadsIt(digits + ".");
        for (String invalid : List.of("1".repeat(2000) + "x", "1".repeat(2000) + "E", "1".repeat(2000) + ".5.5", "-" + "\u0661".repeat(2000),
            "1".repeat(2000) + "E99999999999999999999"))
            assertThrows(NumberFormatException.class, () -> TypedDecoder.bigDecimal(invalid), () -> invalid.substring(invalid.length() - 30));
    }

    private static void assertReadAsBigDecimalReadsIt(String decimal) throws IOException
    {
        Object expected;
        try
        {
            expected = new BigDecimal(decimal);
        }
        catch (NumberFormatException e)
        {
            expected = NumberFormatException.class;
        }
        Object actual;
        try
        {
            actual = TypedDecoder.bigDecimal(decimal);
        }
        catch (NumberFormatException e)
        {
            actual = NumberFormatException.class;
        }
        assertEquals(expected, actual, () -> decimal.substring(Math.max(0, decimal.length() - 40)));
    }

    static Basket basket()
    {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("pen", 3);
        counts.put("ink", 1);
        return new Basket(new UUID(1, 2), new ArrayList<>(List.of(new Item("pen", 3, Colour.BLUE, List.of()),
            new Item("ink", 1, null, List.of("black")))), counts, Instant.ofEpochSecond(1_764_000_000L));
    }

    // byte[] has no equals of its own, so it is not in a list that a test compares.
    private static List<Object> everyScalar()
    {
        return new ArrayList<>(Arrays.asList("s", true, -1, -1L, 1.5f, -2.5d, 'c', (byte)-7, (short)300, null,
            new BigDecimal("-1.50"), BigInteger.TEN.negate(), new UUID(0, -1), Instant.ofEpochSecond(-1, 1), new Date(0),
            LocalDate.of(1, 1, 1), LocalDateTime.of(2024, 2, 29, 0, 0), Duration.ofNanos(1), "x".repeat(300)));
    }

    private static List<Object> nestedLists()
    {
        List<Object> outer = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            List<Item> items = new ArrayList<>();
            for (Colour colour : Colour.values())
                items.add(new Item("item " + i + " " + colour, i, colour, List.of(colour.name())));
            outer.add(items);
        }
        outer.add(List.of(List.of(List.of(Set.of(Colour.RED)))));
        return outer;
    }

    private static Map<Object, Object> hashMapWithNulls()
    {
        Map<Object, Object> map = new HashMap<>();
        map.put(null, "the null key");
        map.put("null value", null);
        map.put(1, new TreeSet<>(List.of(3, 1, 2)));
        return map;
    }

    @ParameterizedTest
    @MethodSource("typedValues")
    void typedValueRoundTrips(Object value, KindCase kind) throws Exception
    {
        assertRoundTrip(value);
    }

    @ParameterizedTest
    @MethodSource("typedValues")
    void typedValueIsWrittenToItsField(Object value, KindCase kind) throws Exception
    {
        assertEquals(kind, AttributeValue.parseFrom(serializer.serialize(value)).getKindCase());
    }

    @ParameterizedTest
    @MethodSource("typedValues")
    void typedValueBytesAreThoseOfTheGeneratedCode(Object value, KindCase kind) throws Exception
    {
        byte[] bytes = serializer.serialize(value);
        AttributeValue generated = AttributeValue.parseFrom(bytes);
        assertTrue(Arrays.equals(generated.toByteArray(), bytes), () -> "not protobuf's canonical bytes for " + kind);
        Object readBack = serializer.deserialize(generated.toByteArray());
        assertTrue(Arrays.equals(bytes, serializer.serialize(readBack)), () -> "generated bytes read back differently: " + kind);
    }

    @Test
    void everyMemberOfTheOneofHasATypedValue()
    {
        // null is never an attribute value: it is only ever nested, as in the lists and maps above.
        EnumSet<KindCase> covered = EnumSet.of(JAVA_SERIALIZED, KindCase.KIND_NOT_SET, NULL_VALUE);
        typedValues().forEach(arguments -> covered.add((KindCase)arguments.get()[1]));
        assertEquals(EnumSet.allOf(KindCase.class), covered, "a field added to AttributeValue needs a writer and a reader");
    }

    @Test
    void theCommonestValuesReadInPlaceAreWhatProtobufReads() throws Exception
    {
        // Strings around the in-place limit (127 bytes, ASCII only), numbers of every varint length, both signs.
        List<AttributeValue> messages = new ArrayList<>();
        for (int length : new int[]{0, 1, 126, 127, 128, 300})
        {
            messages.add(AttributeValue.newBuilder().setStringValue("a".repeat(length)).build());
            messages.add(AttributeValue.newBuilder().setStringValue("é".repeat(length / 2)).build());
        }
        for (long number : new long[]{0, 1, -1, 127, 128, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE})
        {
            messages.add(AttributeValue.newBuilder().setIntValue((int)number).build());
            messages.add(AttributeValue.newBuilder().setLongValue(number).build());
        }
        messages.add(AttributeValue.newBuilder().setBoolValue(true).build());
        messages.add(AttributeValue.newBuilder().setBoolValue(false).build());
        for (AttributeValue message : messages)
        {
            Object expected = switch (message.getKindCase())
            {
                case STRING_VALUE -> message.getStringValue();
                case INT_VALUE -> message.getIntValue();
                case LONG_VALUE -> message.getLongValue();
                default -> message.getBoolValue();
            };
            assertEquals(expected, serializer.deserialize(message.toByteArray()), message::toString);
            assertArrayEquals(message.toByteArray(), serializer.serialize(expected), message::toString);
        }
        // A member followed by another: the last one wins, in place or not.
        byte[] twoMembers = Arrays.copyOf(messages.get(0).toByteArray(), 4);
        twoMembers[2] = 3 << 3;
        twoMembers[3] = 5;
        assertEquals(5, serializer.deserialize(twoMembers));
        // A varint that does not end: unreadable, as protobuf has it.
        assertThrows(IOException.class, () -> serializer.deserialize(new byte[]{4 << 3, (byte)0x80}));
    }

    @Test
    void lastMemberPresentWinsAndUnknownFieldsAreSkipped() throws Exception
    {
        byte[] first = AttributeValue.newBuilder().setStringValue("first").build().toByteArray();
        byte[] unknown = {(byte)0xF8, 0x06, 0x01};
        byte[] last = AttributeValue.newBuilder().setLongValue(7L).build().toByteArray();
        byte[] all = new byte[first.length + unknown.length + last.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(unknown, 0, all, first.length, unknown.length);
        System.arraycopy(last, 0, all, first.length + unknown.length, last.length);
        assertEquals(7L, serializer.deserialize(all));
        assertEquals(AttributeValue.parseFrom(all).getLongValue(), serializer.deserialize(all));
    }

    static Stream<Arguments> randomGenerators()
    {
        return Stream.of(
            generator("String", ProtobufAttributeSerializerTest::randomString),
            generator("Boolean", Random::nextBoolean),
            generator("Integer", Random::nextInt),
            generator("Long", Random::nextLong),
            generator("Float (any bits)", r -> Float.intBitsToFloat(r.nextInt())),
            generator("Double (any bits)", r -> Double.longBitsToDouble(r.nextLong())),
            generator("Character", r -> (char)r.nextInt(Character.MAX_VALUE + 1)),
            generator("Byte", r -> (byte)r.nextInt()),
            generator("Short", r -> (short)r.nextInt()),
            generator("byte[]", r -> randomBytes(r, r.nextInt(100))),
            generator("BigDecimal", r -> new BigDecimal(randomBigInteger(r), r.nextInt(-100, 100))),
            generator("BigInteger", ProtobufAttributeSerializerTest::randomBigInteger),
            generator("UUID", r -> new UUID(r.nextLong(), r.nextLong())),
            generator("Instant", r -> Instant.ofEpochSecond(
                r.nextLong(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()), r.nextInt(1_000_000_000))),
            generator("Date", r -> new Date(r.nextLong())),
            generator("LocalDate", ProtobufAttributeSerializerTest::randomLocalDate),
            generator("LocalDateTime", r -> LocalDateTime.of(randomLocalDate(r),
                LocalTime.ofNanoOfDay(r.nextLong(LocalTime.MAX.toNanoOfDay() + 1)))),
            generator("Duration", r -> Duration.ofSeconds(r.nextLong(), r.nextInt(1_000_000_000))),
            generator("java.sql.Timestamp", ProtobufAttributeSerializerTest::randomSqlTimestamp),
            generator("ArrayList", r -> new ArrayList<>(List.of(randomString(r), r.nextLong(), r.nextDouble()))),
            generator("record", r -> new Item(randomString(r), r.nextInt(), r.nextBoolean() ? null : Colour.values()[r.nextInt(3)],
                List.of(randomString(r)))),
            generator("HashMap of HashSets", ProtobufAttributeSerializerTest::randomMapOfSets),
            generator("LocalTime", r -> LocalTime.ofNanoOfDay(r.nextLong(LocalTime.MAX.toNanoOfDay() + 1))),
            generator("ZonedDateTime", ProtobufAttributeSerializerTest::randomZonedDateTime),
            generator("OffsetDateTime", r -> OffsetDateTime.of(LocalDateTime.of(randomLocalDate(r),
                LocalTime.ofNanoOfDay(r.nextLong(LocalTime.MAX.toNanoOfDay() + 1))), randomOffset(r))),
            generator("Period", r -> Period.of(r.nextInt(), r.nextInt(), r.nextInt())),
            generator("Locale", r -> randomElement(r, Locale.getAvailableLocales())),
            generator("Currency", r -> randomElement(r, Currency.getAvailableCurrencies().toArray(new Currency[0]))),
            generator("ZoneId", r -> ZoneId.of(randomElement(r, ZoneId.getAvailableZoneIds().toArray(new String[0])))));
    }

    @ParameterizedTest
    @MethodSource("randomGenerators")
    void randomValuesRoundTrip(Function<Random, Object> generator) throws Exception
    {
        Random random = new Random(SEED);
        for (int i = 0; i < 100; i++)
            assertRoundTrip(generator.apply(random));
    }

    static Stream<Arguments> javaSerializedValues()
    {
        java.sql.Timestamp timestamp = new java.sql.Timestamp(1_764_115_200_123L);
        timestamp.setNanos(123_456_789);
        Map<String, Object> withTimestamp = new HashMap<>(Map.of("user", "alice", "since", timestamp));
        TreeSet<String> reversed = new TreeSet<>(Comparator.reverseOrder());
        reversed.addAll(List.of("a", "b"));
        return Stream.of(
            arguments(named("a subclass of a typed class", timestamp)),
            arguments(named("a class with a serialized form of its own", new PlainObjects.CustomForm("x"))),
            arguments(named("a record holding one", new Pair<>("a", new PlainObjects.CustomForm("x")))),
            arguments(named("a map holding a subclass of a typed class", withTimestamp)),
            arguments(named("a list holding a record holding a Vector", new ArrayList<>(List.of(new Pair<>(1, new Vector<>()))))),
            arguments(named("Collections.unmodifiableList", Collections.unmodifiableList(new ArrayList<>(List.of(1))))),
            arguments(named("Arrays.asList", Arrays.asList(1, 2))),
            arguments(named("EnumSet", EnumSet.of(Colour.RED))),
            arguments(named("a TreeSet with a comparator", reversed)),
            arguments(named("Stream.toList() holding null", Stream.of("a", null).toList())),
            arguments(named("a Locale that no language tag gives back", new Locale("not a language"))));
    }

    @ParameterizedTest
    @MethodSource("javaSerializedValues")
    void otherValuesFallBackToJavaSerialization(Object value) throws Exception
    {
        assertEquals(JAVA_SERIALIZED, AttributeValue.parseFrom(serializer.serialize(value)).getKindCase());
        assertRoundTrip(value);
    }

    @Test
    void javaSerializedValuesAreFiltered() throws Exception
    {
        ProtobufAttributeSerializer filtered = new ProtobufAttributeSerializer(
            new JavaSerialization(SessionSerialFilter.create("!java.util.ArrayList")));
        byte[] bytes = filtered.serialize(new ArrayList<>(List.of(1)));
        assertThrows(InvalidClassException.class, () -> filtered.deserialize(bytes));
    }

    @Test
    void unpairedSurrogateIsStoredAsQuestionMark() throws Exception
    {
        assertEquals("a?b", serializer.deserialize(serializer.serialize("a\uD800b")));
    }

    static Stream<Arguments> notSerializableValues()
    {
        return Stream.of(
            arguments(new Object()),
            arguments(new ArrayList<>(List.of("fine", new Object()))),
            // Only records that are Serializable are written component by component, as Java serialization would.
            arguments(new NotSerializable("x")),
            arguments(new ArrayList<>(List.of(new NotSerializable("x")))));
    }

    @ParameterizedTest
    @MethodSource("notSerializableValues")
    void notSerializableValueIsRefused(Object value)
    {
        assertThrows(NotSerializableException.class, () -> serializer.serialize(value));
    }

    static Stream<Arguments> unreadableBytes() throws IOException
    {
        byte[] hello = new ProtobufAttributeSerializer().serialize("hello");
        return Stream.of(
            unreadable("empty (no kind set)", new byte[0]),
            // Field 111, varint 1: what a newer writer's new kind looks like to this reader.
            unreadable("unknown field only", new byte[]{(byte)0xF8, 0x06, 0x01}),
            unreadable("truncated message", Arrays.copyOf(hello, hello.length - 1)),
            unreadable("random bytes", randomBytes(new Random(SEED), 256)),
            unreadable("char out of range", AttributeValue.newBuilder().setCharValue(0x10000)),
            unreadable("byte out of range", AttributeValue.newBuilder().setByteValue(128)),
            unreadable("short out of range", AttributeValue.newBuilder().setShortValue(Short.MIN_VALUE - 1)),
            unreadable("BigDecimal not a number", AttributeValue.newBuilder().setBigDecimalValue("1,5")),
            unreadable("BigInteger empty", AttributeValue.newBuilder().setBigIntegerValue(ByteString.EMPTY)),
            unreadable("BigDecimalParts without its unscaled value", AttributeValue.newBuilder().setBigDecimalPartsValue(
                BigDecimalParts.newBuilder().setScale(3))),
            unreadable("BigDecimalParts truncated", Arrays.copyOf(AttributeValueWire.bigDecimal(
                new BigDecimal(BigInteger.ONE.shiftLeft(4_000))), 100)),
            unreadable("Instant out of range", AttributeValue.newBuilder().setInstantValue(
                Timestamp.newBuilder().setSeconds(Long.MAX_VALUE))),
            unreadable("LocalDate out of range", AttributeValue.newBuilder().setLocalDateValue(Long.MAX_VALUE)),
            unreadable("LocalDateTime nano of day out of range", AttributeValue.newBuilder().setLocalDateTimeValue(
                io.github.jettyredis.session.codec.proto.LocalDateTime.newBuilder().setNanoOfDay(-1))),
            unreadable("Duration overflow", AttributeValue.newBuilder().setDurationValue(
                Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).setNanos(Integer.MAX_VALUE))),
            unreadable("Java serialization corrupt",
                AttributeValue.newBuilder().setJavaSerialized(ByteString.copyFromUtf8("not Java serialization"))));
    }

    @ParameterizedTest
    @MethodSource("unreadableBytes")
    void unreadableBytesThrowIOException(byte[] bytes)
    {
        assertThrows(IOException.class, () -> serializer.deserialize(bytes));
    }

    private void assertRoundTrip(Object value) throws Exception
    {
        Object copy = serializer.deserialize(serializer.serialize(value));
        assertEquals(value.getClass(), copy.getClass(), () -> "class of " + value);
        if (value instanceof byte[])
            assertArrayEquals((byte[])value, (byte[])copy);
        else
            assertEquals(value, copy);
    }

    private static Arguments generator(String type, Function<Random, Object> generator)
    {
        return arguments(named(type, generator));
    }

    private static Arguments unreadable(String name, byte[] bytes)
    {
        return arguments(named(name, bytes));
    }

    private static Arguments unreadable(String name, AttributeValue.Builder message)
    {
        return unreadable(name, message.build().toByteArray());
    }

    // Well-formed UTF-16 only: unpaired surrogates do not survive UTF-8, see unpairedSurrogateIsStoredAsQuestionMark.
    private static String randomString(Random random)
    {
        StringBuilder string = new StringBuilder();
        for (int i = random.nextInt(30); i > 0; i--)
        {
            int codePoint = switch (random.nextInt(3))
            {
                case 0 -> random.nextInt(0x20, 0x7F);
                case 1 -> random.nextInt(0x80, Character.MIN_SURROGATE);
                default -> random.nextInt(Character.MIN_SUPPLEMENTARY_CODE_POINT, Character.MAX_CODE_POINT + 1);
            };
            string.appendCodePoint(codePoint);
        }
        return string.toString();
    }

    private static byte[] randomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static BigInteger randomBigInteger(Random random)
    {
        BigInteger value = new BigInteger(random.nextInt(300), random);
        return random.nextBoolean() ? value.negate() : value;
    }

    private static LocalDate randomLocalDate(Random random)
    {
        return LocalDate.ofEpochDay(random.nextLong(LocalDate.MIN.toEpochDay(), LocalDate.MAX.toEpochDay() + 1));
    }

    private static java.sql.Timestamp randomSqlTimestamp(Random random)
    {
        java.sql.Timestamp timestamp = new java.sql.Timestamp(random.nextLong());
        timestamp.setNanos(random.nextInt(1_000_000_000));
        return timestamp;
    }

    private static Map<String, Set<Integer>> randomMapOfSets(Random random)
    {
        Map<String, Set<Integer>> map = new HashMap<>();
        for (int i = random.nextInt(10); i > 0; i--)
        {
            Set<Integer> set = new HashSet<>();
            for (int j = random.nextInt(10); j > 0; j--)
                set.add(random.nextInt());
            map.put(randomString(random), set);
        }
        return map;
    }

    private static ZonedDateTime randomZonedDateTime(Random random)
    {
        LocalDateTime dateTime = LocalDateTime.of(LocalDate.ofEpochDay(random.nextLong(-1_000_000, 1_000_000)),
            LocalTime.ofNanoOfDay(random.nextLong(LocalTime.MAX.toNanoOfDay() + 1)));
        ZoneId zone = random.nextBoolean() ? randomOffset(random)
            : ZoneId.of(randomElement(random, ZoneId.getAvailableZoneIds().toArray(new String[0])));
        ZonedDateTime time = ZonedDateTime.of(dateTime, zone);
        return random.nextBoolean() ? time.withEarlierOffsetAtOverlap() : time.withLaterOffsetAtOverlap();
    }

    private static ZoneOffset randomOffset(Random random)
    {
        return ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 3600, 18 * 3600 + 1));
    }

    private static <T> T randomElement(Random random, T[] elements)
    {
        Arrays.sort(elements, Comparator.comparing(Object::toString));
        return elements[random.nextInt(elements.length)];
    }

    record Point(int x, String label) implements Serializable
    {
    }

    /**
     * Every primitive type, as a record component.
     */
    private record Primitives(boolean b, byte by, short s, char c, int i, long l, float f, double d) implements Serializable
    {
    }

    /**
     * A record without components.
     */
    private record NoComponents() implements Serializable
    {
    }

    /**
     * A generic record: its components are Objects to the codec.
     */
    record Pair<A, B>(A first, B second) implements Serializable
    {
    }

    /**
     * A record that is not Serializable.
     */
    record NotSerializable(String value)
    {
    }
}
