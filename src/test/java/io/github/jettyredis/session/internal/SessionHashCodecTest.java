// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.github.jettyredis.session.codec.AttributeSerializer;
import io.github.jettyredis.session.codec.CodecFixtures.Colour;
import io.github.jettyredis.session.codec.CodecFixtures.Item;
import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.codec.WebappClassesTest;
import io.github.jettyredis.session.codec.proto.SessionMetadata;
import io.github.jettyredis.session.testing.WebappClasses;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.util.ClassLoadingObjectInputStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hash layout of a session: every field of Jetty's SessionData survives, attribute names never collide
 * with the store's own fields, and a save's delta holds exactly what changed.
 */
public class SessionHashCodecTest
{
    private final SessionHashCodec codec = new SessionHashCodec(new ProtobufAttributeSerializer());

    private static SessionData session()
    {
        SessionData data = new StoredSessionData("id1", "_app", "example.com", 100, 300, 200, 60_000);
        data.setLastNode("node7");
        data.setCookieSet(150);
        data.setExpiry(360_000);
        data.setLastSaved(310);
        return data;
    }

    /** Decodes as the store does for the session of {@link #session()}: identity from its key. */
    private StoredSessionData decode(Map<byte[], byte[]> fields) throws Exception
    {
        return codec.decode("id1", "_app", "example.com", fields);
    }

    private static Set<String> names(Iterable<byte[]> fields)
    {
        Set<String> names = new TreeSet<>();
        for (byte[] field : fields)
            names.add(new String(field, StandardCharsets.UTF_8));
        return names;
    }

    /** Hash fields are byte[] keys, compared by identity in a map: look one up by its name. */
    private static byte[] field(Map<byte[], byte[]> fields, String name)
    {
        return fields.entrySet().stream().filter(e -> Arrays.equals(e.getKey(), SessionHashCodec.attributeField(name)))
            .findFirst().orElseThrow().getValue();
    }

    @Test
    void theDigestTellsApartEveryOneBitChangeAndEveryLengthOnBothSidesOfItsSmallValueLimit()
    {
        java.util.Random random = new java.util.Random(7);
        Set<String> values = new HashSet<>();
        Set<Long> digests = new HashSet<>();
        for (int length = 0; length <= 80; length++)
        {
            byte[] value = new byte[length];
            random.nextBytes(value);
            assertEquals(SessionHashCodec.digest(value), SessionHashCodec.digest(value.clone()), "equal bytes, equal digests");
            List<byte[]> variants = new ArrayList<>();
            variants.add(value);
            // The same with a zero after it: only the length tells them apart.
            variants.add(Arrays.copyOf(value, length + 1));
            for (int bit = 0; bit < length * 8; bit++)
            {
                byte[] flipped = value.clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                variants.add(flipped);
            }
            for (byte[] variant : variants)
            {
                values.add(java.util.HexFormat.of().formatHex(variant));
                digests.add(SessionHashCodec.digest(variant));
            }
        }
        assertEquals(values.size(), digests.size(), "every distinct value has a digest of its own");
    }

    @Test
    public void everyFieldOfJettysSessionDataSurvives() throws Exception
    {
        SessionData data = session();
        data.setAttribute("name", "value");
        SessionData decoded = decode(codec.encode(data));
        assertEquals("id1", decoded.getId());
        assertEquals("_app", decoded.getContextPath());
        assertEquals("example.com", decoded.getVhost());
        assertEquals("node7", decoded.getLastNode());
        assertEquals(100, decoded.getCreated());
        assertEquals(300, decoded.getAccessed());
        assertEquals(200, decoded.getLastAccessed());
        assertEquals(150, decoded.getCookieSet());
        assertEquals(360_000, decoded.getExpiry());
        assertEquals(60_000, decoded.getMaxInactiveMs());
        assertEquals(310, decoded.getLastSaved());
        assertEquals(Map.of("name", "value"), decoded.getAllAttributes());
        assertFalse(decoded.isDirty() || decoded.isMetaDataDirty(), "loading is not a change");

        data.setLastNode(null);
        assertNull(decode(codec.encode(data)).getLastNode(), "no node is not the empty node name");
    }

    @Test
    public void attributeNamesNeverCollideWithTheStoresOwnFields() throws Exception
    {
        SessionData data = session();
        List<String> names = List.of("#meta", "#claim", "\\", "\\x", "#", "", "plain", "with:colon", "ünïcode");
        for (String name : names)
            data.setAttribute(name, "value of " + name);
        Map<byte[], byte[]> fields = codec.encode(data);
        assertEquals(names.size() + 2, fields.size());
        assertTrue(fields.keySet().stream().anyMatch(f -> Arrays.equals(f, SessionHashCodec.METADATA_FIELD)));
        assertEquals(Set.of("#meta", "#expiry"), fields.keySet().stream().map(f -> new String(f, StandardCharsets.UTF_8))
            .filter(f -> f.startsWith("#")).collect(Collectors.toSet()), "only the store's own fields start with #");

        SessionData decoded = decode(fields);
        for (String name : names)
            assertEquals("value of " + name, decoded.getAttribute(name), name);
        assertEquals(names.size(), decoded.getKeys().size());
    }

    @Test
    public void reservedFieldsThisVersionDoesNotKnowAreIgnored() throws Exception
    {
        Map<byte[], byte[]> fields = new HashMap<>(codec.encode(session()));
        fields.put("#claim".getBytes(StandardCharsets.UTF_8), "node@123".getBytes(StandardCharsets.UTF_8));
        fields.put("#future".getBytes(StandardCharsets.UTF_8), new byte[]{1, 2, 3});
        assertEquals(0, decode(fields).getKeys().size());
    }

    @Test
    public void theUserFieldIsReadAsTheStoredUserNotAsAnAttribute() throws Exception
    {
        SessionData data = session();
        data.setAttribute("#user", "an attribute of that name");
        SessionDelta login = codec.encodeDelta(data, true).withUser(SessionKeys.userToken("alice"));
        StoredSessionData decoded = decode(login.set());
        assertEquals(SessionKeys.userToken("alice"), decoded.getStoredUser());
        assertEquals("an attribute of that name", decoded.getAttribute("#user"));
        assertNull(decode(codec.encode(data)).getStoredUser(), "a hash without #user (an earlier version's) has no user");

        SessionDelta logout = codec.encodeDelta(decoded, false).withUser(null);
        assertTrue(logout.deleted().stream().anyMatch(field -> Arrays.equals(field, SessionHashCodec.USER_FIELD)));
    }

    @Test
    public void aHashWithoutMetadataOrOfAnUnknownFormatIsRefused()
    {
        Map<byte[], byte[]> noMeta = Map.of(SessionHashCodec.attributeField("x"), new byte[]{10, 1, 'x'});
        assertThrows(IOException.class, () -> decode(noMeta));

        byte[] future = SessionMetadata.newBuilder().setFormat(SessionHashCodec.FORMAT + 1).setId("id1").build().toByteArray();
        assertThrows(IOException.class, () -> decode(Map.of(SessionHashCodec.METADATA_FIELD, future)));
    }

    @Test
    public void sizeLimitsRefuseTheValuesOverThemNamingTheLimitAndKeepWhatRedisHolds() throws Exception
    {
        SessionData data = session();
        data.setAttribute("small", "x");
        data.setAttribute("photo", new byte[500]);
        StoredSessionData loaded = decode(codec.encode(data));
        codec.setSizeLimits(new SessionSizeLimits(1000, 1600));

        // One value over the attribute limit: it alone is refused, and Redis keeps its old bytes.
        loaded.setAttribute("photo", new byte[2000]);
        loaded.setAttribute("small", "y");
        SessionDelta delta = codec.encodeDelta(loaded, false);
        assertEquals(Set.of("#meta", "#expiry", "small"), names(delta.set().keySet()));
        assertTrue(delta.deleted().isEmpty(), "a refused value is not deleted either");
        assertEquals(loaded.getStoredAttributes().get("photo"), delta.storedAfter().get("photo"));
        assertEquals("its value is 2,003 bytes encoded, over jetty.session.redis.maxAttributeBytes (1,000)", delta.unwritable().get("photo"));

        // Values that fit one by one but would grow the session past its limit: the growing ones are refused,
        // a shrinking one goes.
        loaded.setAttribute("photo", new byte[400]);
        loaded.setAttribute("a", new byte[900]);
        loaded.setAttribute("b", new byte[900]);
        delta = codec.encodeDelta(loaded, false);
        assertEquals(Set.of("#meta", "#expiry", "small", "photo"), names(delta.set().keySet()));
        assertEquals(Set.of("a", "b"), delta.unwritable().keySet());
        assertTrue(delta.unwritable().get("a").startsWith("the session's values would be 2,"), delta.unwritable().get("a"));
        assertTrue(delta.unwritable().get("a").endsWith("over jetty.session.redis.maxSessionBytes (1,600)"), delta.unwritable().get("a"));
        assertFalse(delta.storedAfter().containsKey("a"), "Redis holds nothing for a refused new attribute");

        // Without limits, everything goes.
        codec.setSizeLimits(SessionSizeLimits.NONE);
        assertEquals(Set.of("#meta", "#expiry", "small", "photo", "a", "b"), names(codec.encodeDelta(loaded, false).set().keySet()));
    }

    @Test
    public void aDeltaHoldsExactlyWhatChangedSinceRedisLastSawTheSession() throws Exception
    {
        SessionData data = session();
        List<String> cart = new ArrayList<>(List.of("book"));
        data.setAttribute("same", "unchanged");
        data.setAttribute("changed", "before");
        data.setAttribute("removed", "soon gone");
        data.setAttribute("cart", cart);
        StoredSessionData loaded = decode(codec.encode(data));
        List<?> loadedCart = (List<?>)loaded.getAttribute("cart");

        // A touch: only the metadata.
        SessionDelta touch = codec.encodeDelta(loaded, false);
        assertFalse(touch.whole());
        assertEquals(Set.of("#meta", "#expiry"), names(touch.set().keySet()));
        assertTrue(touch.deleted().isEmpty());

        // One attribute set, one removed, one changed in place without setAttribute.
        loaded.setAttribute("changed", "after");
        loaded.setAttribute("removed", null);
        @SuppressWarnings("unchecked")
        List<String> inPlace = (List<String>)loadedCart;
        inPlace.add("pen");
        SessionDelta delta = codec.encodeDelta(loaded, false);
        assertEquals(Set.of("#meta", "#expiry", "changed", "cart"), names(delta.set().keySet()));
        assertEquals(Set.of("removed"), names(delta.deleted()));
        assertEquals(Set.of("same", "changed", "cart"), delta.storedAfter().keySet());

        // After the save is recorded, nothing is left to send; a whole write sends everything.
        loaded.setStoredAttributes(delta.storedAfter());
        assertEquals(Set.of("#meta", "#expiry"), names(codec.encodeDelta(loaded, false).set().keySet()));
        SessionDelta whole = codec.encodeDelta(loaded, true);
        assertTrue(whole.whole());
        assertEquals(Set.of("#meta", "#expiry", "same", "changed", "cart"), names(whole.set().keySet()));
        assertArrayEquals(field(codec.encode(loaded), "same"), field(whole.set(), "same"));
    }

    @Test
    public void theMetadataLeavesOutWhatTheKeyHolds() throws Exception
    {
        SessionMetadata metadata = SessionMetadata.parseFrom(codec.encodeMetadata(session()));
        assertEquals("", metadata.getId());
        assertEquals("", metadata.getContextPath());
        assertEquals("", metadata.getVhost());
        assertEquals(360_000, metadata.getExpiry());

        // A hash written with them (the first version-1 writers) reads the same; the key's identity wins.
        Map<byte[], byte[]> fields = new HashMap<>(codec.encode(session()));
        fields.put(SessionHashCodec.METADATA_FIELD, metadata.toBuilder().setId("old").setContextPath("_old")
            .setVhost("old.example.com").build().toByteArray());
        StoredSessionData decoded = decode(fields);
        assertEquals(List.of("id1", "_app", "example.com", 360_000L),
            List.of(decoded.getId(), decoded.getContextPath(), decoded.getVhost(), decoded.getExpiry()));
    }

    @Test
    public void anUnchangedImmutableInstanceIsNotEncodedAgain() throws Exception
    {
        SessionData data = session();
        data.setAttribute("name", "alice");
        data.setAttribute("flags", new byte[]{1, 2});
        StoredSessionData loaded = decode(codec.encode(data));
        CountingSerializer counting = new CountingSerializer();
        SessionHashCodec countingCodec = new SessionHashCodec(counting);

        SessionDelta touch = countingCodec.encodeDelta(loaded, false);
        assertEquals(1, counting.serialized, "only the byte[], which can change in place, is encoded");
        assertEquals(Set.of("#meta", "#expiry"), names(touch.set().keySet()));

        // An equal value in a new instance is encoded, and not sent: its bytes did not change.
        loaded.setAttribute("name", new String("alice"));
        counting.serialized = 0;
        assertEquals(Set.of("#meta", "#expiry"), names(countingCodec.encodeDelta(loaded, false).set().keySet()));
        assertEquals(2, counting.serialized);

        ((byte[])loaded.getAttribute("flags"))[0] = 9;
        assertEquals(Set.of("#meta", "#expiry", "flags"), names(countingCodec.encodeDelta(loaded, false).set().keySet()));
    }

    /**
     * A record whose components are all of immutable types.
     *
     * @param user a name
     * @param at a time
     * @param colour an enum
     */
    public record Login(String user, Instant at, Colour colour) implements Serializable
    {
    }

    @Test
    public void anUnchangedEnumOrImmutableRecordIsNotEncodedAgain() throws Exception
    {
        SessionData data = session();
        data.setAttribute("colour", Colour.GREEN);
        data.setAttribute("login", new Login("alice", Instant.ofEpochSecond(1), Colour.RED));
        // A record holding a List: the list may change in place.
        data.setAttribute("item", new Item("pen", 1, Colour.BLUE, new ArrayList<>(List.of("office"))));
        StoredSessionData loaded = decode(codec.encode(data));
        CountingSerializer counting = new CountingSerializer();
        SessionHashCodec countingCodec = new SessionHashCodec(counting);

        assertEquals(Set.of("#meta", "#expiry"), names(countingCodec.encodeDelta(loaded, false).set().keySet()));
        assertEquals(1, counting.serialized, "only the record holding a List is encoded");

        @SuppressWarnings("unchecked")
        List<String> tags = (List<String>)((Item)loaded.getAttribute("item")).tags();
        tags.add("blue");
        loaded.setAttribute("login", new Login("bob", Instant.ofEpochSecond(1), Colour.RED));
        assertEquals(Set.of("#meta", "#expiry", "item", "login"), names(countingCodec.encodeDelta(loaded, false).set().keySet()));
    }

    @Test
    public void aTypedValueChangedInPlaceIsSavedAndAnEqualOneIsNot() throws Exception
    {
        SessionData data = session();
        List<Item> cart = new ArrayList<>(List.of(new Item("pen", 1, Colour.BLUE, List.of())));
        Set<String> roles = new HashSet<>(List.of("admin", "user", "auditor"));
        data.setAttribute("cart", cart);
        data.setAttribute("roles", roles);
        StoredSessionData loaded = decode(codec.encode(data));

        @SuppressWarnings("unchecked")
        List<Item> loadedCart = (List<Item>)loaded.getAttribute("cart");
        loadedCart.add(new Item("ink", 2, null, List.of()));
        // An equal set whose iteration order differs (a larger table): equal bytes, so not sent again.
        Set<String> sameRoles = new HashSet<>(1024);
        sameRoles.addAll(roles);
        loaded.setAttribute("roles", sameRoles);
        SessionDelta delta = codec.encodeDelta(loaded, false);
        assertEquals(Set.of("#meta", "#expiry", "cart"), names(delta.set().keySet()));
        loaded.setStoredAttributes(delta.storedAfter());
        assertEquals(loadedCart, decode(codec.encode(loaded)).getAttribute("cart"));
    }

    @Test
    public void anAttributeWhoseClassChangedShapeOnRedeployIsLeftOutAndKept() throws Exception
    {
        Map<String, Map<String, String>> sources = new HashMap<>(WebappClassesTest.sources());
        sources.keySet().retainAll(Set.of("v1", "removed", "constantRemoved"));
        try (WebappClasses versions = WebappClasses.compile(sources))
        {
            WebappClasses.Loader v1 = versions.load("v1");
            Map<byte[], byte[]> fields = v1.inContext(() ->
            {
                SessionData data = session();
                data.setAttribute("user", "alice");
                data.setAttribute("order", WebappClassesTest.newOrder(v1, "A-1", 2));
                data.setAttribute("orders", new ArrayList<>(List.of(WebappClassesTest.newOrder(v1, "A-2", 1))));
                data.setAttribute("status", WebappClassesTest.constant(v1, "SHIPPED"));
                return codec.encode(data);
            });

            // The redeployed webapp's Order lost a component.
            WebappClasses.Loader removed = versions.load("removed");
            StoredSessionData loaded = removed.inContext(() -> decode(fields));
            assertEquals(Set.of("user", "status"), loaded.getKeys());
            assertEquals("alice", loaded.getAttribute("user"));
            assertEquals(Set.of("order", "orders"), loaded.getUnreadableAttributeReasons().keySet());
            assertTrue(loaded.getUnreadableAttributeReasons().get("order").contains("shop.Order changed"),
                loaded.getUnreadableAttributeReasons().get("order"));
            assertArrayEquals(field(fields, "order"), loaded.getUnreadableAttributes().get("order"));

            // A save of that node leaves them as they are; a whole write copies them.
            loaded.setAttribute("user", "bob");
            SessionDelta delta = removed.inContext(() -> codec.encodeDelta(loaded, false));
            assertEquals(Set.of("#meta", "#expiry", "user"), names(delta.set().keySet()));
            assertTrue(delta.deleted().isEmpty());
            SessionDelta whole = removed.inContext(() -> codec.encodeDelta(loaded, true));
            assertArrayEquals(field(fields, "orders"), field(whole.set(), "orders"));

            // The one whose Status lost the constant: only that attribute is lost.
            WebappClasses.Loader constantRemoved = versions.load("constantRemoved");
            StoredSessionData withoutStatus = constantRemoved.inContext(() -> decode(fields));
            assertEquals(Set.of("user", "order", "orders"), withoutStatus.getKeys());
            assertTrue(withoutStatus.getUnreadableAttributeReasons().get("status").contains("no constant SHIPPED"),
                withoutStatus.getUnreadableAttributeReasons().get("status"));
        }
    }

    /** The default serializer, counting its calls. */
    private static final class CountingSerializer implements AttributeSerializer
    {
        private final ProtobufAttributeSerializer delegate = new ProtobufAttributeSerializer();
        private int serialized;

        @Override
        public byte[] serialize(Object value) throws IOException
        {
            serialized++;
            return delegate.serialize(value);
        }

        @Override
        public Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException
        {
            return delegate.deserialize(bytes);
        }
    }

    @Test
    public void aJavaSerializedCopyKnowsNothingOfRedisAndIsWrittenWhole() throws Exception
    {
        SessionData data = session();
        data.setAttribute("name", "value");
        StoredSessionData loaded = decode(codec.encode(data));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes))
        {
            out.writeObject(loaded);
        }
        StoredSessionData copy;
        try (ObjectInputStream in = new ClassLoadingObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())))
        {
            copy = (StoredSessionData)in.readObject();
        }
        assertEquals("value", copy.getAttribute("name"));
        assertTrue(codec.encodeDelta(copy, false).whole());
        assertFalse(copy.isOnlyExpiryDriftSinceStored(1000));
    }

    @Test
    public void dataThatDoesNotKnowWhatRedisHoldsIsWrittenWhole() throws Exception
    {
        SessionData plain = new SessionData("id2", "_app", "0.0.0.0", 1, 1, 1, -1);
        plain.setAttribute("a", 1);
        SessionDelta delta = codec.encodeDelta(plain, false);
        assertTrue(delta.whole());
        assertInstanceOf(StoredSessionData.class, decode(delta.set()));
    }
}
