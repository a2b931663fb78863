// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.codec.CodecFixtures.Basket;
import io.github.jettyredis.session.codec.CodecFixtures.Colour;
import io.github.jettyredis.session.codec.CodecFixtures.Item;
import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.AttributeValue.KindCase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attribute values as earlier versions wrote them stay readable: the bytes below were written by the version
 * before issue 12 added typed records, enums, collections and more (until then Java-serialized). Never change
 * them; add the bytes of a later version next to them when its format changes (as for issue 13's decimals).
 */
class CodecCompatibilityTest
{
    /** Name, then the bytes in hex on the indented lines below it. */
    private static final String WRITTEN_BEFORE_ISSUE_12 = """
        string
            0a0668c3a96c6c6f
        long
            20e69786f811
        instant
            720b08808292c90610c0a9d33a
        uuid
            6a1209f0debc9a785634121121436587a9cbed0f
        bigDecimal
            5a063132392e3935
        enum
            9a0171aced00057e720037696f2e6769746875622e6a6574747972656469732e73657373696f6e2e636f6465632e436f6465
            63466978747572657324436f6c6f757200000000000000001200007872000e6a6176612e6c616e672e456e756d0000000000
            0000001200007870740005475245454e
        jdkEnum
            9a0159aced00057e72001d6a6176612e7574696c2e636f6e63757272656e742e54696d65556e697400000000000000001200
            007872000e6a6176612e6c616e672e456e756d000000000000000012000078707400075345434f4e4453
        record
            9a018903aced000573720035696f2e6769746875622e6a6574747972656469732e73657373696f6e2e636f6465632e436f64
            65634669787475726573244974656d00000000000000000200044900087175616e746974794c0006636f6c6f75727400394c
            696f2f6769746875622f6a6574747972656469732f73657373696f6e2f636f6465632f436f64656346697874757265732443
            6f6c6f75723b4c00046e616d657400124c6a6176612f6c616e672f537472696e673b4c0004746167737400104c6a6176612f
            7574696c2f4c6973743b7870000000037e720037696f2e6769746875622e6a6574747972656469732e73657373696f6e2e63
            6f6465632e436f646563466978747572657324436f6c6f757200000000000000001200007872000e6a6176612e6c616e672e
            456e756d00000000000000001200007870740004424c554574000370656e737200116a6176612e7574696c2e436f6c6c5365
            72578eabb63a1ba8110300014900037461677870000000017704000000027400066f6666696365740004626c756578
        nestedRecords
            9a01df07aced000573720037696f2e6769746875622e6a6574747972656469732e73657373696f6e2e636f6465632e436f64
            65634669787475726573244261736b657400000000000000000200044c0006636f756e747374000f4c6a6176612f7574696c
            2f4d61703b4c0007637265617465647400134c6a6176612f74696d652f496e7374616e743b4c000269647400104c6a617661
            2f7574696c2f555549443b4c00056974656d737400104c6a6176612f7574696c2f4c6973743b7870737200176a6176612e75
            74696c2e4c696e6b6564486173684d617034c04e5c106cc0fb0200015a000b6163636573734f72646572787200116a617661
            2e7574696c2e486173684d61700507dac1c31660d103000246000a6c6f6164466163746f724900097468726573686f6c6478
            703f4000000000000c7708000000100000000274000370656e737200116a6176612e6c616e672e496e746567657212e2a0a4
            f781873802000149000576616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b02000078700000
            0003740003696e6b7371007e000a0000000178007372000d6a6176612e74696d652e536572955d84ba1b2248b20c00007870
            770d02000000006924810000000000787372000e6a6176612e7574696c2e55554944bc9903f7986d852f0200024a000c6c65
            617374536967426974734a000b6d6f737453696742697473787000000000000000020000000000000001737200136a617661
            2e7574696c2e41727261794c6973747881d21d99c7619d03000149000473697a657870000000027704000000027372003569
            6f2e6769746875622e6a6574747972656469732e73657373696f6e2e636f6465632e436f6465634669787475726573244974
            656d00000000000000000200044900087175616e746974794c0006636f6c6f75727400394c696f2f6769746875622f6a6574
            747972656469732f73657373696f6e2f636f6465632f436f646563466978747572657324436f6c6f75723b4c00046e616d65
            7400124c6a6176612f6c616e672f537472696e673b4c00047461677371007e00047870000000037e720037696f2e67697468
            75622e6a6574747972656469732e73657373696f6e2e636f6465632e436f646563466978747572657324436f6c6f75720000
            0000000000001200007872000e6a6176612e6c616e672e456e756d00000000000000001200007870740004424c554571007e
            0009737200116a6176612e7574696c2e436f6c6c536572578eabb63a1ba81103000149000374616778700000000177040000
            0000787371007e0015000000017071007e000d7371007e001d00000001770400000001740005626c61636b7878
        arrayList
            9a01c101aced0005737200136a6176612e7574696c2e41727261794c6973747881d21d99c7619d03000149000473697a6578
            700000000477040000000474000161737200116a6176612e6c616e672e496e746567657212e2a0a4f7818738020001490005
            76616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b02000078700000000170737200106a6176
            612e6c616e672e446f75626c6580b3c24a296bfb0402000144000576616c75657871007e0004400400000000000078
        hashMap
            9a01a701aced0005737200116a6176612e7574696c2e486173684d61700507dac1c31660d103000246000a6c6f6164466163
            746f724900097468726573686f6c6478703f400000000000037708000000040000000274000475736572740005616c696365
            740005726f6c6573737200136a6176612e7574696c2e41727261794c6973747881d21d99c7619d03000149000473697a6578
            700000000177040000000174000561646d696e7878
        treeSet
            9a013aaced0005737200116a6176612e7574696c2e54726565536574dd98509395ed875b0300007870707704000000037400
            0161740001627400016378
        localTime
            9a012daced00057372000d6a6176612e74696d652e536572955d84ba1b2248b20c00007870770804091e0f000001f478
        zonedDateTime
            9a013daced00057372000d6a6176612e74696d652e536572955d84ba1b2248b20c00007870771806000007e8021df3040700
            0c4575726f70652f506172697378
        locale
            9a01aa01aced0005737200106a6176612e7574696c2e4c6f63616c657ef811609c30f9ec03000649000868617368636f6465
            4c0007636f756e7472797400124c6a6176612f6c616e672f537472696e673b4c000a657874656e73696f6e7371007e00014c
            00086c616e677561676571007e00014c000673637269707471007e00014c000776617269616e7471007e00017870ffffffff
            7400024742740000740002656e71007e000471007e000478
        uri
            9a015eaced00057372000c6a6176612e6e65742e555249ac01782e439e49ab0300014c0006737472696e677400124c6a6176
            612f6c616e672f537472696e673b787074001b68747470733a2f2f6578616d706c652e636f6d2f613f623d63236478
        """;

    /**
     * Decimals as the version before issue 13 wrote them: every one as its toString(), the long ones too, which
     * this version writes as big_decimal_parts_value.
     */
    private static final String WRITTEN_BEFORE_ISSUE_13 = """
        ordinaryDecimal
            5a092d302e303030313233
        longDecimal
            5ae9073939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            3939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939393939
            2e393939
        decimalsInList
            b201ce07080112065a0431452b3512c1075abe072d312e303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030
            3030303030303030303030303030303030303030303030452b393537
        """;

    private final ProtobufAttributeSerializer serializer = new ProtobufAttributeSerializer();

    /** @return what each named value of {@link #WRITTEN_BEFORE_ISSUE_12} was */
    static Map<String, Object> expectedValues()
    {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("string", "h\u00e9llo");
        values.put("long", 4_815_162_342L);
        values.put("instant", Instant.ofEpochSecond(1_764_000_000L, 123_000_000));
        values.put("uuid", new UUID(0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L));
        values.put("bigDecimal", new BigDecimal("129.95"));
        values.put("enum", Colour.GREEN);
        values.put("jdkEnum", TimeUnit.SECONDS);
        values.put("record", new Item("pen", 3, Colour.BLUE, List.of("office", "blue")));
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("pen", 3);
        counts.put("ink", 1);
        values.put("nestedRecords", new Basket(new UUID(1, 2), new ArrayList<>(List.of(new Item("pen", 3, Colour.BLUE, List.of()),
            new Item("ink", 1, null, List.of("black")))), counts, Instant.ofEpochSecond(1_764_000_000L)));
        values.put("arrayList", new ArrayList<>(Arrays.asList("a", 1, null, 2.5)));
        values.put("hashMap", new HashMap<>(Map.of("user", "alice", "roles", new ArrayList<>(List.of("admin")))));
        values.put("treeSet", new TreeSet<>(Set.of("b", "a", "c")));
        values.put("localTime", LocalTime.of(9, 30, 15, 500));
        values.put("zonedDateTime", ZonedDateTime.of(2024, 2, 29, 12, 0, 0, 0, ZoneId.of("Europe/Paris")));
        values.put("locale", Locale.UK);
        values.put("uri", URI.create("https://example.com/a?b=c#d"));
        return values;
    }

    /** @return name to bytes, parsed from a block of {@link #WRITTEN_BEFORE_ISSUE_12}'s form */
    static Map<String, byte[]> parse(String block)
    {
        Map<String, StringBuilder> hex = new LinkedHashMap<>();
        StringBuilder current = null;
        for (String line : block.lines().toList())
        {
            if (line.isBlank())
                continue;
            if (line.startsWith(" "))
                current.append(line.strip());
            else
                hex.put(line.strip(), current = new StringBuilder());
        }
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        hex.forEach((name, digits) -> bytes.put(name, HexFormat.of().parseHex(digits)));
        return bytes;
    }

    /** @return the bytes of each value as the version before issue 12 wrote them */
    static Map<String, byte[]> writtenBeforeIssue12()
    {
        return parse(WRITTEN_BEFORE_ISSUE_12);
    }

    /** Issue 12: what was Java-serialized then is written with typed members now, and reads back the same. */
    @Test
    void valuesThatWereJavaSerializedAreTypedNow() throws Exception
    {
        Map<String, byte[]> written = writtenBeforeIssue12();
        Map<String, Object> expected = expectedValues();
        int javaSerializedBefore = 0;
        for (Map.Entry<String, byte[]> value : written.entrySet())
        {
            if (AttributeValue.parseFrom(value.getValue()).getKindCase() != KindCase.JAVA_SERIALIZED)
                continue;
            javaSerializedBefore++;
            Object original = expected.get(value.getKey());
            byte[] now = serializer.serialize(original);
            assertNotEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(now).getKindCase(), value.getKey());
            assertEquals(original, serializer.deserialize(now), value.getKey());
            assertTrue(now.length < value.getValue().length, () -> value.getKey() + ": typed is smaller");
        }
        assertEquals(11, javaSerializedBefore);
    }

    /** @return what each named value of {@link #WRITTEN_BEFORE_ISSUE_13} was */
    static Map<String, Object> expectedDecimals()
    {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("ordinaryDecimal", new BigDecimal("-0.000123"));
        values.put("longDecimal", new BigDecimal(BigInteger.TEN.pow(1_000).subtract(BigInteger.ONE), 3));
        values.put("decimalsInList", new ArrayList<>(List.of(new BigDecimal("1E+5"), new BigDecimal(BigInteger.TEN.pow(950).negate(), -7))));
        return values;
    }

    /**
     * Issue 13: decimals written before it read as they were; ordinary ones are written with the same bytes, long ones
     * (over 3,000 bits) as their parts, which are smaller.
     */
    @Test
    void decimalsWrittenBeforeIssue13ReadAsTheyWere() throws Exception
    {
        Map<String, byte[]> written = parse(WRITTEN_BEFORE_ISSUE_13);
        Map<String, Object> expected = expectedDecimals();
        assertEquals(expected.keySet(), written.keySet());
        for (Map.Entry<String, byte[]> value : written.entrySet())
            assertEquals(expected.get(value.getKey()), serializer.deserialize(value.getValue()), value.getKey());
        assertArrayEquals(written.get("ordinaryDecimal"), serializer.serialize(expected.get("ordinaryDecimal")));
        byte[] longNow = serializer.serialize(expected.get("longDecimal"));
        assertEquals(KindCase.BIG_DECIMAL_PARTS_VALUE, AttributeValue.parseFrom(longNow).getKindCase());
        assertTrue(longNow.length < written.get("longDecimal").length, "parts are smaller than the digits");
        AttributeValue listNow = AttributeValue.parseFrom(serializer.serialize(expected.get("decimalsInList")));
        assertEquals(List.of(KindCase.BIG_DECIMAL_VALUE, KindCase.BIG_DECIMAL_PARTS_VALUE),
            listNow.getCollectionValue().getElementsList().stream().map(AttributeValue::getKindCase).toList());
    }

    @Test
    void everyValueWrittenBeforeIssue12ReadsAsItWas() throws Exception
    {
        Map<String, byte[]> written = writtenBeforeIssue12();
        Map<String, Object> expected = expectedValues();
        assertEquals(expected.keySet(), written.keySet());
        for (Map.Entry<String, byte[]> value : written.entrySet())
        {
            Object read = serializer.deserialize(value.getValue());
            assertEquals(expected.get(value.getKey()), read, value.getKey());
            assertEquals(expected.get(value.getKey()).getClass(), read.getClass(), value.getKey());
        }
    }
}
