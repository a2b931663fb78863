// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.jettyredis.session.testing.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EncryptingAttributeSerializerTest
{
    private static final byte[] K1 = keyBytes(1);
    private static final byte[] K2 = keyBytes(2);
    private static final String K1_B64 = Base64.getEncoder().encodeToString(K1);
    private static final String K2_B64 = Base64.getEncoder().encodeToString(K2);

    private static byte[] keyBytes(long seed)
    {
        byte[] key = new byte[32];
        new Random(seed).nextBytes(key);
        return key;
    }

    /** A value of an application class, which goes through Java serialization inside the envelope. */
    record Cart(String owner, List<String> items) implements Serializable
    {
    }

    static Stream<Object> values()
    {
        byte[] mebibyte = new byte[1 << 20];
        new Random(7).nextBytes(mebibyte);
        Map<String, Integer> map = new HashMap<>(Map.of("a", 1, "b", 2));
        return Stream.of("", "plain", "naïve 日本語 \uD83D\uDE00", 42, Long.MIN_VALUE, true, 3.25d,
            new BigDecimal("12345.6789"), UUID.fromString("1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
            Instant.ofEpochSecond(1_700_000_000L, 123), LocalDate.of(2024, 2, 29), new byte[0], mebibyte,
            new ArrayList<>(List.of("x", "y")), map, new Cart("alice", List.of("book", "pen")));
    }

    @ParameterizedTest
    @MethodSource("values")
    void roundTripsAndHidesThePlaintext(Object value) throws Exception
    {
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k1:" + K1_B64);
        byte[] envelope = serializer.serialize(value);
        Object back = serializer.deserialize(envelope);
        if (value instanceof byte[] bytes)
            assertArrayEquals(bytes, (byte[])back);
        else
            assertEquals(value, back);
        assertEquals(value.getClass(), back.getClass());

        byte[] plain = new ProtobufAttributeSerializer().serialize(value);
        assertEquals(1 + 1 + 2 + 12 + plain.length + 16, envelope.length, "envelope size");
        if (plain.length >= 4)
            assertFalse(Bytes.contains(envelope, plain), "the delegate's bytes must not appear in the envelope");
    }

    @Test
    void envelopeHasTheDocumentedLayoutAndAFreshNonceEachTime() throws Exception
    {
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("key-7:" + K1_B64);
        byte[] first = serializer.serialize("same value");
        byte[] second = serializer.serialize("same value");

        assertEquals(EncryptingAttributeSerializer.FORMAT, first[0]);
        assertEquals(5, first[1]);
        assertEquals("key-7", new String(first, 2, 5, StandardCharsets.US_ASCII));
        assertFalse(Arrays.equals(Arrays.copyOfRange(first, 7, 19), Arrays.copyOfRange(second, 7, 19)),
            "each value must get its own nonce");
        assertFalse(Arrays.equals(first, second));
        assertEquals("same value", serializer.deserialize(second));
    }

    @Test
    void rotationWritesWithTheNewKeyAndStillReadsTheOld() throws Exception
    {
        EncryptingAttributeSerializer before = new EncryptingAttributeSerializer("k1:" + K1_B64);
        byte[] oldValue = before.serialize("written under k1");
        assertEquals("k1", keyIdOf(oldValue));

        EncryptingAttributeSerializer after = new EncryptingAttributeSerializer("k2:" + K2_B64 + ", k1:" + K1_B64);
        assertEquals("k2", after.getCurrentKeyId());
        assertEquals(List.of("k2", "k1"), after.getKeyIds());
        assertEquals("written under k1", after.deserialize(oldValue));
        byte[] newValue = after.serialize("written under k2");
        assertEquals("k2", keyIdOf(newValue));
        assertEquals("written under k2", after.deserialize(newValue));

        // A node still on the old keyring cannot read the new value: it is refused, not misread.
        IOException refused = assertThrows(IOException.class, () -> before.deserialize(newValue));
        assertTrue(refused.getMessage().contains("'k2'"), refused.getMessage());

        // Rotating in place on a running instance, then retiring k1.
        before.setKeys("k2:" + K2_B64 + ",k1:" + K1_B64);
        assertEquals("k2", keyIdOf(before.serialize("x")));
        assertEquals("written under k1", before.deserialize(oldValue));
        before.setKeys("k2:" + K2_B64);
        assertThrows(IOException.class, () -> before.deserialize(oldValue));
        assertEquals("written under k2", before.deserialize(newValue));
    }

    @Test
    void everyFlippedBitPositionOfTheEnvelopeIsRefused() throws Exception
    {
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k1:" + K1_B64);
        byte[] envelope = serializer.serialize("secret");
        assertEquals("secret", serializer.deserialize(envelope.clone()));
        // Covers format (0), key id length (1), key id (2-3), nonce (4-15), ciphertext, tag (last 16).
        for (int i = 0; i < envelope.length; i++)
        {
            for (int mask : new int[]{0x01, 0x80})
            {
                byte[] tampered = envelope.clone();
                tampered[i] ^= (byte)mask;
                int index = i;
                assertThrows(IOException.class, () -> serializer.deserialize(tampered),
                    "byte " + index + " flipped with " + mask);
            }
        }
    }

    @Test
    void truncatedOrExtendedEnvelopesAreRefused() throws Exception
    {
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k1:" + K1_B64);
        byte[] envelope = serializer.serialize("secret");
        for (int length = 0; length < envelope.length; length++)
        {
            byte[] truncated = Arrays.copyOf(envelope, length);
            assertThrows(IOException.class, () -> serializer.deserialize(truncated), length + " bytes");
        }
        assertThrows(IOException.class, () -> serializer.deserialize(Arrays.copyOf(envelope, envelope.length + 1)));
    }

    @Test
    void theKeyIdIsAuthenticatedEvenWhenTwoIdsShareAKey() throws Exception
    {
        // Same key material under both ids: only the associated data tells them apart.
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("ka:" + K1_B64 + ",kb:" + K1_B64);
        byte[] envelope = serializer.serialize("bound to ka");
        assertEquals("ka", keyIdOf(envelope));
        byte[] relabelled = envelope.clone();
        relabelled[3] = 'b';
        assertEquals("kb", keyIdOf(relabelled));
        assertThrows(IOException.class, () -> serializer.deserialize(relabelled));
    }

    @Test
    void aValueUnderAnUnknownKeyIdIsRefusedNamingTheId() throws Exception
    {
        byte[] envelope = new EncryptingAttributeSerializer("k9:" + K2_B64).serialize("elsewhere");
        IOException e = assertThrows(IOException.class,
            () -> new EncryptingAttributeSerializer("k1:" + K1_B64).deserialize(envelope));
        assertTrue(e.getMessage().contains("'k9'"), e.getMessage());
    }

    @Test
    void theSameIdWithAnotherKeyIsRefused() throws Exception
    {
        byte[] envelope = new EncryptingAttributeSerializer("k1:" + K2_B64).serialize("other key");
        assertThrows(IOException.class, () -> new EncryptingAttributeSerializer("k1:" + K1_B64).deserialize(envelope));
    }

    @Test
    void unencryptedValuesAreRefused() throws Exception
    {
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k1:" + K1_B64);
        for (Object value : new Object[]{"plaintext", 1, new Cart("bob", List.of())})
        {
            byte[] plain = new ProtobufAttributeSerializer().serialize(value);
            assertThrows(IOException.class, () -> serializer.deserialize(plain), String.valueOf(value));
        }
    }

    @Test
    void errorsOfTheWrappedSerializerPassThrough()
    {
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k1:" + K1_B64);
        assertThrows(NotSerializableException.class, () -> serializer.serialize(new Object()));
    }

    @Test
    void wrapsTheGivenSerializer() throws Exception
    {
        AttributeSerializer upperCase = new AttributeSerializer()
        {
            @Override
            public byte[] serialize(Object value)
            {
                return value.toString().toUpperCase().getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public Object deserialize(byte[] bytes)
            {
                return new String(bytes, StandardCharsets.UTF_8);
            }
        };
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer(upperCase, "k1:" + K1_B64);
        assertEquals("HELLO", serializer.deserialize(serializer.serialize("hello")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "   ",
        "k1",                                // no ':'
        ":KEY",                              // empty id
        "bad id!:KEY",                       // id outside the alphabet
        "k1:KEY,",                           // empty entry
        "k1:KEY,k1:KEY2",                    // duplicate id
        "k1:",                               // empty key
        "k1:%%%%not*base64%%%%KEY",          // not Base64
        "k1:SHORT",                          // 16 bytes
        "k1:LONG",                           // 33 bytes
        "k1:KEY31",                          // 31 bytes
        "KEY:k1",                            // key and id swapped
        "k1=KEY",                            // wrong separator
    })
    void badSpecsAreRejectedWithoutLeakingKeyMaterial(String template)
    {
        String shortKey = Base64.getEncoder().encodeToString(Arrays.copyOf(K2, 16));
        String longKey = Base64.getEncoder().encodeToString(Arrays.copyOf(K2, 33));
        String key31 = Base64.getEncoder().encodeToString(Arrays.copyOf(K2, 31));
        String spec = template.replace("SHORT", shortKey).replace("LONG", longKey).replace("KEY31", key31)
            .replace("KEY2", K2_B64).replace("KEY", K1_B64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EncryptingAttributeSerializer(spec));
        assertNoKeyMaterial(e, K1, K2, shortKey, longKey, key31);
        // The setter validates the same way and keeps the previous keyring.
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k0:" + K2_B64);
        assertThrows(IllegalArgumentException.class, () -> serializer.setKeys(spec));
        assertEquals("k0", serializer.getCurrentKeyId());
    }

    @Test
    void badSpecMessagesSayWhatIsWrong()
    {
        assertMessage("is 16 bytes after Base64 decoding; AES-256 needs 32",
            "k1:" + Base64.getEncoder().encodeToString(new byte[16]));
        assertMessage("'k1' is not valid Base64", "k1:***");
        assertMessage("Entry 2 of the key spec repeats key id 'k1'", "k1:" + K1_B64 + ",k1:" + K2_B64);
        assertMessage("Entry 1 of the key spec has no ':'", "k1");
        assertMessage("Entry 1 of the key spec has an invalid key id", "a b:" + K1_B64);
        assertMessage("invalid key id", "x".repeat(33) + ":" + K1_B64);
    }

    private static void assertMessage(String expected, String spec)
    {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EncryptingAttributeSerializer(spec));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void keysInUrlSafeBase64AreAccepted() throws Exception
    {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte)0xfb); // encodes to '+' and '/' in the standard alphabet, '-' and '_' in the URL one
        String urlSafe = Base64.getUrlEncoder().encodeToString(key);
        assertTrue(urlSafe.contains("-") || urlSafe.contains("_"), urlSafe);
        EncryptingAttributeSerializer standard = new EncryptingAttributeSerializer("k:" + Base64.getEncoder().encodeToString(key));
        EncryptingAttributeSerializer url = new EncryptingAttributeSerializer("k:" + urlSafe);
        assertEquals("same key", url.deserialize(standard.serialize("same key")));
    }

    @Test
    void toStringShowsKeyIdsButNoKeyMaterial()
    {
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k2:" + K2_B64 + ",k1:" + K1_B64);
        String text = serializer.toString();
        assertTrue(text.contains("k2") && text.contains("k1"), text);
        assertNoKeyMaterial(text, K1, K2);
    }

    @Test
    void aMissingEnvironmentVariableIsRejectedByName()
    {
        String name = "JETTY_SESSION_REDIS_TEST_UNSET_" + UUID.randomUUID().toString().replace("-", "");
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k1:" + K1_B64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serializer.setKeysEnv(name));
        assertTrue(e.getMessage().contains(name), e.getMessage());
        assertEquals("k1", serializer.getCurrentKeyId());
    }

    @Test
    void anEnvironmentVariableWithABadSpecIsNamedButNotEchoed()
    {
        String path = System.getenv("PATH");
        assumeTrue(path != null && path.length() > 3, "needs a PATH variable, which is no key spec");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new EncryptingAttributeSerializer("k1:" + K1_B64).setKeysEnv("PATH"));
        assertTrue(e.getMessage().contains("environment variable PATH"), e.getMessage());
        for (String part : path.split("[:,]"))
            if (part.length() > 3)
                assertFalse(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void theNoArgumentConstructorReadsTheSystemPropertyWhenTheEnvironmentVariableIsUnset() throws Exception
    {
        assumeTrue(System.getenv(EncryptingAttributeSerializer.KEYS_ENV) == null,
            EncryptingAttributeSerializer.KEYS_ENV + " is set in this environment and takes precedence");
        String previous = System.getProperty(EncryptingAttributeSerializer.KEYS_PROPERTY);
        try
        {
            System.clearProperty(EncryptingAttributeSerializer.KEYS_PROPERTY);
            EncryptingAttributeSerializer unconfigured = new EncryptingAttributeSerializer();
            assertNull(unconfigured.getCurrentKeyId());
            IOException e = assertThrows(IOException.class, () -> unconfigured.serialize("x"));
            assertTrue(e.getMessage().contains(EncryptingAttributeSerializer.KEYS_ENV), e.getMessage());
            assertTrue(e.getMessage().contains(EncryptingAttributeSerializer.KEYS_PROPERTY), e.getMessage());
            assertThrows(IOException.class, () -> unconfigured.deserialize(new byte[]{1, 1, 'k'}));
            // Jetty XML style: construct, then set the keys.
            unconfigured.setKeys("late:" + K1_B64);
            assertEquals("x", unconfigured.deserialize(unconfigured.serialize("x")));

            System.setProperty(EncryptingAttributeSerializer.KEYS_PROPERTY, "p2:" + K2_B64 + ",p1:" + K1_B64);
            EncryptingAttributeSerializer configured = new EncryptingAttributeSerializer();
            assertEquals("p2", configured.getCurrentKeyId());
            assertEquals(List.of("p2", "p1"), configured.getKeyIds());

            System.setProperty(EncryptingAttributeSerializer.KEYS_PROPERTY, "p1:" + Base64.getEncoder().encodeToString(new byte[8]));
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, EncryptingAttributeSerializer::new);
            assertTrue(bad.getMessage().contains("system property " + EncryptingAttributeSerializer.KEYS_PROPERTY), bad.getMessage());
        }
        finally
        {
            if (previous == null)
                System.clearProperty(EncryptingAttributeSerializer.KEYS_PROPERTY);
            else
                System.setProperty(EncryptingAttributeSerializer.KEYS_PROPERTY, previous);
        }
    }

    @Test
    void oneInstanceServesManyThreadsAtOnce() throws Exception
    {
        EncryptingAttributeSerializer serializer = new EncryptingAttributeSerializer("k2:" + K2_B64 + ",k1:" + K1_B64);
        byte[] underK1 = new EncryptingAttributeSerializer("k1:" + K1_B64).serialize("old");
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                int thread = t;
                results.add(pool.submit(() ->
                {
                    int checked = 0;
                    for (int i = 0; i < 500; i++)
                    {
                        String value = "thread " + thread + " value " + i;
                        assertEquals(value, serializer.deserialize(serializer.serialize(value)));
                        assertEquals("old", serializer.deserialize(underK1));
                        checked++;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> result : results)
                assertEquals(500, result.get(60, TimeUnit.SECONDS));
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    private static String keyIdOf(byte[] envelope)
    {
        return new String(envelope, 2, envelope[1], StandardCharsets.US_ASCII);
    }

    private static void assertNoKeyMaterial(Throwable e, byte[] k1, byte[] k2, String... moreSecrets)
    {
        for (Throwable t = e; t != null; t = t.getCause())
        {
            assertNoKeyMaterial(String.valueOf(t.getMessage()), k1, k2, moreSecrets);
            assertNoKeyMaterial(t.toString(), k1, k2, moreSecrets);
        }
    }

    private static void assertNoKeyMaterial(String text, byte[] k1, byte[] k2, String... moreSecrets)
    {
        List<String> secrets = new ArrayList<>(List.of(moreSecrets));
        for (byte[] key : new byte[][]{k1, k2})
        {
            secrets.add(Base64.getEncoder().encodeToString(key));
            secrets.add(Base64.getUrlEncoder().encodeToString(key));
            secrets.add(HexFormat.of().formatHex(key));
        }
        for (String secret : secrets)
        {
            // Any 8 consecutive characters of the material would be a leak, not only the whole of it.
            for (int i = 0; i + 8 <= secret.length(); i++)
                assertFalse(text.contains(secret.substring(i, i + 8)), "key material in: " + text);
        }
    }

    @Test
    void theContainsHelperFindsWhatIsThere()
    {
        assertTrue(Bytes.contains("a plaintext-marker b".getBytes(StandardCharsets.UTF_8), "marker".getBytes(StandardCharsets.UTF_8)));
        assertFalse(Bytes.contains("a plaintext b".getBytes(StandardCharsets.UTF_8), "marker".getBytes(StandardCharsets.UTF_8)));
    }
}
