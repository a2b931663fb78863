// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.github.jettyredis.session.codec.AttributeSerializer;
import io.github.jettyredis.session.codec.EncryptingAttributeSerializer;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.StoredSessionData;
import io.github.jettyredis.session.testing.Bytes;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnwriteableSessionDataException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The store with an {@link EncryptingAttributeSerializer} on a real Redis: what lands in Redis, what comes
 * back, and what happens to values that were altered in Redis or written under a key the node lacks.
 */
public class EncryptedSessionStoreTest
{
    private static final String MARKER = "plaintext-marker-XYZ";
    private static final String CART_MARKER = "cart-marker-QRS";
    private static final String K1 = key(1);
    private static final String K2 = key(2);

    private final UnifiedJedis redis = RedisTestServer.shared().newClient();
    private final String prefix = RedisTestServer.uniquePrefix();

    /** An application value: Java-serialized inside the envelope, its class name would show in plaintext. */
    public record Cart(String owner, List<String> items) implements Serializable
    {
    }

    private static String key(long seed)
    {
        byte[] key = new byte[32];
        new Random(seed).nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @AfterEach
    public void closeClient()
    {
        redis.close();
    }

    private RedisSessionDataStoreFactory factory(AttributeSerializer serializer)
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(RedisTestServer.shared().uri());
        factory.setPrefix(prefix);
        factory.setSerializer(serializer);
        return factory;
    }

    private static SessionData newSession(RedisSessionDataStore store, String id)
    {
        long now = System.currentTimeMillis();
        SessionData data = store.newSessionData(id, now, now, now, 60_000);
        data.calcAndSetExpiry(now);
        data.setLastNode("node0");
        return data;
    }

    private static SessionData storeSecrets(RedisSessionDataStore store, String id) throws Exception
    {
        SessionData data = newSession(store, id);
        data.setAttribute("note", MARKER);
        data.setAttribute("cart", new Cart(CART_MARKER, List.of("book", "pen")));
        store.store(id, data);
        return data;
    }

    private Map<byte[], byte[]> hash(RedisSessionDataStore store, String id)
    {
        Map<byte[], byte[]> fields = redis.hgetAll(store.getKeys().session(id));
        assertNotNull(fields.get(SessionHashCodec.attributeField("note")));
        assertNotNull(fields.get(SessionHashCodec.attributeField("cart")));
        return fields;
    }

    /** @return the texts found anywhere in the raw bytes of any field name or value */
    private static List<String> plaintextIn(Map<byte[], byte[]> fields)
    {
        List<String> found = new ArrayList<>();
        for (String text : new String[]{MARKER, CART_MARKER, Cart.class.getName()})
        {
            byte[] needle = text.getBytes(StandardCharsets.UTF_8);
            for (Map.Entry<byte[], byte[]> field : fields.entrySet())
                if (Bytes.contains(field.getKey(), needle) || Bytes.contains(field.getValue(), needle))
                    found.add(text + " in field " + new String(field.getKey(), StandardCharsets.UTF_8));
        }
        return found;
    }

    private static String keyIdOf(byte[] envelope)
    {
        assertEquals(EncryptingAttributeSerializer.FORMAT, envelope[0]);
        return new String(envelope, 2, envelope[1], StandardCharsets.US_ASCII);
    }

    private static void assertLoadsBack(RedisSessionDataStore store, String id) throws Exception
    {
        SessionData loaded = store.load(id);
        assertNotNull(loaded);
        assertEquals(MARKER, loaded.getAttribute("note"));
        assertEquals(new Cart(CART_MARKER, List.of("book", "pen")), loaded.getAttribute("cart"));
    }

    @Test
    public void redisHoldsNoPlaintextAttributeBytesAndTheSessionLoadsBack() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(new EncryptingAttributeSerializer("k1:" + K1)), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            storeSecrets(store, "secret-session");
            Map<byte[], byte[]> fields = hash(store, "secret-session");
            assertEquals(List.of(), plaintextIn(fields));
            assertEquals("k1", keyIdOf(fields.get(SessionHashCodec.attributeField("note"))));
            assertEquals("k1", keyIdOf(fields.get(SessionHashCodec.attributeField("cart"))));
            assertLoadsBack(store, "secret-session");
        }
    }

    @Test
    public void withoutEncryptionTheSameScanFindsThePlaintext() throws Exception
    {
        // The control for the test above: the scan does find the values when they are not encrypted.
        try (StoreHarness harness = new StoreHarness(factory(null), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            storeSecrets(store, "plain-session");
            assertEquals(3, plaintextIn(hash(store, "plain-session")).size(), plaintextIn(hash(store, "plain-session")).toString());
        }
    }

    @Test
    public void aTamperedAttributeInRedisCostsOnlyItself() throws Exception
    {
        try (StoreHarness harness = new StoreHarness(factory(new EncryptingAttributeSerializer("k1:" + K1)), "/app"))
        {
            RedisSessionDataStore store = harness.store();
            storeSecrets(store, "tampered");
            byte[] field = SessionHashCodec.attributeField("note");
            byte[] envelope = hash(store, "tampered").get(field);

            // One bit of the ciphertext (the byte after format, id and nonce), then one of the tag.
            for (int index : new int[]{2 + 2 + 12, envelope.length - 1})
            {
                byte[] tampered = envelope.clone();
                tampered[index] ^= 0x01;
                redis.hset(store.getKeys().session("tampered"), Map.of(field, tampered));
                long unreadableBefore = store.getUnreadableAttributes();
                StoredSessionData loaded = (StoredSessionData)store.load("tampered");
                assertNull(loaded.getAttribute("note"), "the tampered value is left out");
                assertEquals(new Cart(CART_MARKER, List.of("book", "pen")), loaded.getAttribute("cart"), "the rest is kept");
                assertTrue(loaded.getUnreadableAttributeReasons().get("note").contains("failed authentication"),
                    loaded.getUnreadableAttributeReasons().toString());
                assertEquals(unreadableBefore + 1, store.getUnreadableAttributes());
            }

            // Restoring the original bytes makes it readable again: it was the tampering, nothing else.
            redis.hset(store.getKeys().session("tampered"), Map.of(field, envelope));
            assertLoadsBack(store, "tampered");
        }
    }

    @Test
    public void rotationThroughTheStoreAndANodeWithoutTheKey() throws Exception
    {
        try (StoreHarness oldNode = new StoreHarness(factory(new EncryptingAttributeSerializer("k1:" + K1)), "/app");
             StoreHarness newNode = new StoreHarness(factory(new EncryptingAttributeSerializer("k2:" + K2 + ",k1:" + K1)), "/app");
             StoreHarness strangerNode = new StoreHarness(factory(new EncryptingAttributeSerializer("k3:" + key(3))), "/app"))
        {
            storeSecrets(oldNode.store(), "rotating");
            assertEquals("k1", keyIdOf(hash(newNode.store(), "rotating").get(SessionHashCodec.attributeField("note"))));

            // The node with the new current key reads the old values. A save sends only what changed, so
            // the changed value is written under k2 and the unchanged one stays under k1, still readable.
            SessionData data = newNode.store().load("rotating");
            assertEquals(MARKER, data.getAttribute("note"));
            data.setAttribute("note", MARKER + " (edited)");
            newNode.store().store("rotating", data);
            Map<byte[], byte[]> fields = hash(newNode.store(), "rotating");
            assertEquals("k2", keyIdOf(fields.get(SessionHashCodec.attributeField("note"))));
            assertEquals("k1", keyIdOf(fields.get(SessionHashCodec.attributeField("cart"))));
            assertEquals(List.of(), plaintextIn(fields));
            SessionData reloaded = newNode.store().load("rotating");
            assertEquals(MARKER + " (edited)", reloaded.getAttribute("note"));
            assertEquals(new Cart(CART_MARKER, List.of("book", "pen")), reloaded.getAttribute("cart"));

            // A node that lacks a key gets the session without the values it cannot read, never garbage;
            // its saves leave those values alone, and it never replaces the hash with a new session.
            SessionData stranger = strangerNode.store().load("rotating");
            assertEquals(Set.of(), stranger.getKeys());
            stranger.setAttribute("seen", "by the stranger");
            strangerNode.store().store("rotating", stranger);
            SessionData old = oldNode.store().load("rotating");
            assertNull(old.getAttribute("note"), "under k2, which the old node lacks");
            assertEquals(new Cart(CART_MARKER, List.of("book", "pen")), old.getAttribute("cart"));
            assertEquals(MARKER + " (edited)", newNode.store().load("rotating").getAttribute("note"), "kept through the others' saves");

            SessionData sameId = newSession(strangerNode.store(), "rotating");
            assertThrows(UnwriteableSessionDataException.class, () -> strangerNode.store().store("rotating", sameId));
            assertEquals(MARKER + " (edited)", newNode.store().load("rotating").getAttribute("note"), "not wiped by a new session");
        }
    }

    @Test
    public void aNodeConfiguredToEncryptWithoutKeysRefusesToStart() throws Exception
    {
        assumeTrue(System.getenv(EncryptingAttributeSerializer.KEYS_ENV) == null,
            EncryptingAttributeSerializer.KEYS_ENV + " is set in this environment and takes precedence");
        assumeTrue(System.getProperty(EncryptingAttributeSerializer.KEYS_PROPERTY) == null);
        RedisSessionDataStoreFactory factory = factory(null);
        factory.setSerializerClass(EncryptingAttributeSerializer.class.getName());
        IllegalArgumentException invalid = assertThrows(IllegalArgumentException.class, factory::validate);
        assertTrue(invalid.getMessage().contains("jetty.session.redis.serializerClass") &&
            invalid.getMessage().contains(EncryptingAttributeSerializer.KEYS_ENV), invalid.getMessage());
        Exception failed = assertThrows(Exception.class, () -> new StoreHarness(factory, "/app").close());
        assertTrue(causes(failed).stream().anyMatch(t -> String.valueOf(t.getMessage()).contains(EncryptingAttributeSerializer.KEYS_ENV)),
            causes(failed).toString());
    }

    @Test
    public void configuredByClassNameWithTheKeysInASystemProperty() throws Exception
    {
        assumeTrue(System.getenv(EncryptingAttributeSerializer.KEYS_ENV) == null,
            EncryptingAttributeSerializer.KEYS_ENV + " is set in this environment and takes precedence");
        String previous = System.getProperty(EncryptingAttributeSerializer.KEYS_PROPERTY);
        System.setProperty(EncryptingAttributeSerializer.KEYS_PROPERTY, "prop1:" + K2);
        try
        {
            RedisSessionDataStoreFactory factory = factory(null);
            factory.setSerializerClass(EncryptingAttributeSerializer.class.getName());
            try (StoreHarness harness = new StoreHarness(factory, "/app"))
            {
                RedisSessionDataStore store = harness.store();
                storeSecrets(store, "by-class-name");
                Map<byte[], byte[]> fields = hash(store, "by-class-name");
                assertEquals(List.of(), plaintextIn(fields));
                byte[] note = fields.get(SessionHashCodec.attributeField("note"));
                assertEquals("prop1", keyIdOf(note));
                // Encrypted with the property's key: an independent instance holding only that key reads it.
                assertEquals(MARKER, new EncryptingAttributeSerializer("prop1:" + K2).deserialize(note));
                assertLoadsBack(store, "by-class-name");
            }
        }
        finally
        {
            if (previous == null)
                System.clearProperty(EncryptingAttributeSerializer.KEYS_PROPERTY);
            else
                System.setProperty(EncryptingAttributeSerializer.KEYS_PROPERTY, previous);
        }
    }

    private static List<Throwable> causes(Throwable e)
    {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause())
            chain.add(t);
        return chain;
    }
}
