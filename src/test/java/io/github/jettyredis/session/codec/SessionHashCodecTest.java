package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.github.jettyredis.session.codec.proto.SessionMetadata;
import org.eclipse.jetty.session.SessionData;
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
    public void everyFieldOfJettysSessionDataSurvives() throws Exception
    {
        SessionData data = session();
        data.setAttribute("name", "value");
        SessionData decoded = codec.decode(codec.encode(data));
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
        assertNull(codec.decode(codec.encode(data)).getLastNode(), "no node is not the empty node name");
    }

    @Test
    public void attributeNamesNeverCollideWithTheStoresOwnFields() throws Exception
    {
        SessionData data = session();
        List<String> names = List.of("#meta", "#claim", "\\", "\\x", "#", "", "plain", "with:colon", "ünïcode");
        for (String name : names)
            data.setAttribute(name, "value of " + name);
        Map<byte[], byte[]> fields = codec.encode(data);
        assertEquals(names.size() + 1, fields.size());
        assertTrue(fields.keySet().stream().anyMatch(f -> Arrays.equals(f, SessionHashCodec.METADATA_FIELD)));
        assertEquals(List.of("#meta"), fields.keySet().stream().map(f -> new String(f, StandardCharsets.UTF_8))
            .filter(f -> f.startsWith("#")).collect(Collectors.toList()), "only the store's own fields start with #");

        SessionData decoded = codec.decode(fields);
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
        assertEquals(0, codec.decode(fields).getKeys().size());
    }

    @Test
    public void aHashWithoutMetadataOrOfAnUnknownFormatIsRefused()
    {
        Map<byte[], byte[]> noMeta = Map.of(SessionHashCodec.attributeField("x"), new byte[]{10, 1, 'x'});
        assertThrows(IOException.class, () -> codec.decode(noMeta));

        byte[] future = SessionMetadata.newBuilder().setFormat(SessionHashCodec.FORMAT + 1).setId("id1").build().toByteArray();
        assertThrows(IOException.class, () -> codec.decode(Map.of(SessionHashCodec.METADATA_FIELD, future)));
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
        StoredSessionData loaded = codec.decode(codec.encode(data));
        List<?> loadedCart = (List<?>)loaded.getAttribute("cart");

        // A touch: only the metadata.
        SessionDelta touch = codec.encodeDelta(loaded, false);
        assertFalse(touch.whole());
        assertEquals(Set.of("#meta"), names(touch.set().keySet()));
        assertTrue(touch.deleted().isEmpty());

        // One attribute set, one removed, one changed in place without setAttribute.
        loaded.setAttribute("changed", "after");
        loaded.setAttribute("removed", null);
        @SuppressWarnings("unchecked")
        List<String> inPlace = (List<String>)loadedCart;
        inPlace.add("pen");
        SessionDelta delta = codec.encodeDelta(loaded, false);
        assertEquals(Set.of("#meta", "changed", "cart"), names(delta.set().keySet()));
        assertEquals(Set.of("removed"), names(delta.deleted()));
        assertEquals(Set.of("same", "changed", "cart"), delta.digestsAfter().keySet());

        // After the save is recorded, nothing is left to send; a whole write sends everything.
        loaded.setStoredDigests(delta.digestsAfter());
        assertEquals(Set.of("#meta"), names(codec.encodeDelta(loaded, false).set().keySet()));
        SessionDelta whole = codec.encodeDelta(loaded, true);
        assertTrue(whole.whole());
        assertEquals(Set.of("#meta", "same", "changed", "cart"), names(whole.set().keySet()));
        assertArrayEquals(field(codec.encode(loaded), "same"), field(whole.set(), "same"));
    }

    @Test
    public void dataThatDoesNotKnowWhatRedisHoldsIsWrittenWhole() throws Exception
    {
        SessionData plain = new SessionData("id2", "_app", "0.0.0.0", 1, 1, 1, -1);
        plain.setAttribute("a", 1);
        SessionDelta delta = codec.encodeDelta(plain, false);
        assertTrue(delta.whole());
        assertInstanceOf(StoredSessionData.class, codec.decode(delta.set()));
    }
}
