// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

import com.google.protobuf.InvalidProtocolBufferException;
import io.github.jettyredis.session.codec.AttributeSerializer;
import io.github.jettyredis.session.codec.proto.SessionMetadata;
import org.eclipse.jetty.session.SessionData;

/**
 * Turns a Jetty {@link SessionData} into the fields of its Redis hash and back. Each attribute is the field
 * of its own name, holding the bytes of the configured {@link AttributeSerializer}; fields whose names
 * begin with {@code #} are the store's own: {@code #meta} holds a {@link SessionMetadata} message and
 * {@code #expiry} the same expiry in decimal, for the store's scripts (which cannot read protobuf). An
 * attribute whose name begins with {@code #} or {@code \} is stored with a {@code \} in front, so names
 * never collide. Reserved fields it does not know are ignored, so a later version can add some.
 *
 * <p>One bad attribute costs only itself: an attribute that cannot be read (a class changed or missing on
 * redeploy, damaged bytes, a key rotated away) is left out of the loaded session and kept, bytes as they
 * are, so that a save never deletes it and a whole write copies it; an attribute that cannot be written
 * (not serializable, or refused by what reading it back would refuse) is left as Redis holds it. Only
 * damaged metadata makes the whole session unreadable.</p>
 */
public final class SessionHashCodec
{
    /** The layout version written in {@link SessionMetadata#getFormat()}. */
    public static final int FORMAT = 1;
    /** The name of the hash field that holds the metadata. */
    public static final byte[] METADATA_FIELD = "#meta".getBytes(StandardCharsets.UTF_8);
    /** The name of the hash field that holds the session's expiry (ms since the epoch, 0 for never) in decimal. */
    public static final byte[] EXPIRY_FIELD = "#expiry".getBytes(StandardCharsets.UTF_8);
    /**
     * The name of the hash field that holds the version of the session's content: a token, new with each save
     * that changes more than access times, so that a node holding the session can tell with one small read
     * whether its copy is still the one Redis holds.
     */
    public static final byte[] VERSION_FIELD = "#version".getBytes(StandardCharsets.UTF_8);
    /**
     * The name of the hash field that holds, in decimal, the expiry that the session's entry in the expiry
     * index was last given: saves move the entry only when the expiry moved away from it by more than a
     * tolerance, and every node must know where it is.
     */
    public static final byte[] INDEXED_FIELD = "#indexed".getBytes(StandardCharsets.UTF_8);
    /**
     * The name of the hash field that holds the {@link SessionKeys#userToken(String) token} of the session's
     * user, when sessions are indexed by user: a deletion reads it to take the session out of its user's index.
     */
    public static final byte[] USER_FIELD = "#user".getBytes(StandardCharsets.UTF_8);
    /**
     * The name of the hash field that holds a node's lease on the session ({@code <token>@<end>}, the end in ms
     * of Redis's clock): while it lives, only that node changes the session, and it uses its copy without
     * asking Redis first (see {@link SessionLeases}).
     */
    public static final byte[] LEASE_FIELD = "#lease".getBytes(StandardCharsets.UTF_8);
    /** The first character of the store's own fields. */
    public static final char RESERVED = '#';

    private static final char ESCAPE = '\\';
    /** The longest value whose {@link #digest} is {@link #keyedHash}. */
    private static final int SMALL_VALUE = 64;
    private static final long DIGEST_KEY = new SecureRandom().nextLong();
    private static final VarHandle LITTLE_ENDIAN_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final AttributeSerializer serializer;
    private volatile SessionSizeLimits limits = SessionSizeLimits.NONE;
    private final AttributeNames names = new AttributeNames();

    /**
     * @param serializer how attribute values become bytes
     */
    public SessionHashCodec(AttributeSerializer serializer)
    {
        this.serializer = serializer;
    }

    /** @param limits the most bytes an attribute value and a session's values may take; default none */
    public void setSizeLimits(SessionSizeLimits limits)
    {
        this.limits = limits;
    }

    /** @return the most bytes an attribute value and a session's values may take */
    public SessionSizeLimits getSizeLimits()
    {
        return limits;
    }

    /** @return the attribute serializer in use */
    public AttributeSerializer getSerializer()
    {
        return serializer;
    }

    /**
     * @param data the session
     * @return every field of its hash: the metadata and one field per attribute
     * @throws IOException if an attribute value cannot be serialized
     */
    public Map<byte[], byte[]> encode(SessionData data) throws IOException
    {
        SessionDelta delta = encodeDelta(data, true);
        if (!delta.unwritable().isEmpty())
            throw new IOException("Attributes that cannot be written: " + delta.unwritable());
        return delta.set();
    }

    /**
     * Works out what a save must write. Every attribute is encoded, so that one changed in place is
     * noticed, except one that still holds the immutable instance Redis holds ({@link StoredAttribute});
     * only those whose bytes differ from what Redis holds (see {@link StoredSessionData}) are sent, after a
     * check that they can be read back ({@link AttributeSerializer#checkReadable}). A value over the size
     * limit of one attribute is not written; when the session's values together would be over the limit of a
     * session, none of the changes that grow it is written ({@link SessionSizeLimits}): such attributes are
     * reported unwritable, and Redis keeps what it had for them.
     *
     * @param data the session
     * @param whole true to write every attribute (a session never saved under its id, or data that does not
     * know what Redis holds); attributes that could not be read when the session was loaded are copied as
     * they were
     * @return the fields to set and delete, and the attributes that cannot be written
     */
    public SessionDelta encodeDelta(SessionData data, boolean whole)
    {
        StoredSessionData known = data instanceof StoredSessionData stored ? stored : null;
        Map<String, StoredAttribute> previous = known != null ? known.getStoredAttributes() : null;
        Map<String, StoredAttribute> stored = whole ? null : previous;
        boolean sendAll = stored == null;
        SessionSizeLimits limits = this.limits;
        int count = data.getKeys().size();
        // The changed attributes' names and bytes, by index: a map would hash each name once more.
        List<String> changedNames = new ArrayList<>(count);
        List<byte[]> changedBytes = new ArrayList<>(count);
        Map<String, StoredAttribute> after = new HashMap<>(capacity(count));
        Map<String, String> unwritable = new LinkedHashMap<>();
        boolean fingerprintIsOutput = serializer.isFingerprintTheOutput();
        for (String name : data.getKeys())
        {
            Object value = data.getAttribute(name);
            StoredAttribute before = sendAll ? null : stored.get(name);
            if (before != null && before.isStill(value))
            {
                // The very instance Redis holds, of a class that cannot change in place: nothing to encode.
                after.put(name, before);
                continue;
            }
            try
            {
                byte[] fingerprint = serializer.fingerprint(value);
                long digest = digest(fingerprint);
                if (before == null || before.digest() != digest)
                {
                    byte[] bytes = fingerprintIsOutput ? fingerprint : serializer.serialize(value);
                    String tooBig = limits.attributeRefusal(bytes.length);
                    if (tooBig != null)
                    {
                        keepStored(name, before, after);
                        unwritable.put(name, tooBig);
                        continue;
                    }
                    serializer.checkReadable(bytes);
                    changedNames.add(name);
                    changedBytes.add(bytes);
                    after.put(name, StoredAttribute.of(digest, bytes.length, value));
                }
                else
                {
                    after.put(name, StoredAttribute.of(digest, before.size(), value));
                }
            }
            catch (IOException | RuntimeException e)
            {
                keepStored(name, before, after);
                unwritable.put(name, e.toString());
            }
        }
        refuseGrowthOverLimit(known, previous, sendAll, changedNames, changedBytes, after, unwritable, limits);
        HashFields set = new HashFields(changedNames.size());
        for (int i = 0; i < changedNames.size(); i++)
            if (changedBytes.get(i) != null)
                set.add(attributeField(changedNames.get(i)), changedBytes.get(i));
        List<byte[]> deleted = new ArrayList<>();
        if (!sendAll)
        {
            for (String name : stored.keySet())
                if (!after.containsKey(name) && !unwritable.containsKey(name))
                    deleted.add(attributeField(name));
        }
        else if (known != null)
        {
            // Bytes this node could not read are not this node's to lose.
            for (Map.Entry<String, byte[]> unreadable : known.getUnreadableAttributes().entrySet())
                if (!data.getKeys().contains(unreadable.getKey()))
                    set.add(attributeField(unreadable.getKey()), unreadable.getValue());
        }
        return new SessionDelta(sendAll, encodeMetadata(data), data.getExpiry(), set, deleted, after, unwritable);
    }

    /**
     * When the session's values, were every change written, would take more than a session may, takes back
     * the changes that make a value bigger than Redis holds it (a new attribute included): Redis keeps what it
     * had for those, and the session does not grow. Changes that keep or shrink a value still go, so a
     * session over a limit lowered since it was written can still be saved. A change taken back has its bytes
     * set to null in {@code changedBytes}.
     */
    private static void refuseGrowthOverLimit(StoredSessionData known, Map<String, StoredAttribute> previous, boolean whole,
                                              List<String> changedNames, List<byte[]> changedBytes,
                                              Map<String, StoredAttribute> after, Map<String, String> unwritable,
                                              SessionSizeLimits limits)
    {
        long total = 0;
        for (StoredAttribute attribute : after.values())
            total += attribute.size();
        if (known != null)
        {
            // Values this node could not read stay in Redis, under names the session no longer uses.
            for (Map.Entry<String, byte[]> unreadable : known.getUnreadableAttributes().entrySet())
                if (!after.containsKey(unreadable.getKey()))
                    total += unreadable.getValue().length;
        }
        String refusal = limits.sessionRefusal(total);
        if (refusal == null)
            return;
        for (int i = 0; i < changedNames.size(); i++)
        {
            String name = changedNames.get(i);
            StoredAttribute before = previous == null ? null : previous.get(name);
            if (before != null && changedBytes.get(i).length <= before.size())
                continue;
            changedBytes.set(i, null);
            // A whole write replaces the hash: Redis then holds nothing for it.
            keepStored(name, whole ? null : before, after);
            unwritable.put(name, refusal);
        }
    }

    /** An attribute not written: Redis keeps what it has (if anything), and a later save tries again. */
    private static void keepStored(String name, StoredAttribute before, Map<String, StoredAttribute> after)
    {
        if (before != null)
            after.put(name, before);
        else
            after.remove(name);
    }

    /**
     * @param data the session, which Redis holds as it is but for its metadata
     * @return a save of its metadata alone
     */
    public SessionDelta encodeMetadataOnly(SessionData data)
    {
        Map<String, StoredAttribute> stored = data instanceof StoredSessionData known && known.getStoredAttributes() != null
            ? known.getStoredAttributes() : Map.of();
        return new SessionDelta(false, encodeMetadata(data), data.getExpiry(), Map.of(), List.of(), stored, Map.of());
    }

    /** @return the expiry an {@link #INDEXED_FIELD} value says, or {@link StoredSessionData#UNKNOWN_INDEX_ENTRY} */
    private static long indexedExpiry(byte[] value)
    {
        try
        {
            return value == null ? StoredSessionData.UNKNOWN_INDEX_ENTRY : Long.parseLong(new String(value, StandardCharsets.US_ASCII));
        }
        catch (NumberFormatException e)
        {
            return StoredSessionData.UNKNOWN_INDEX_ENTRY;
        }
    }

    /** @return the initial capacity of a hash map that takes {@code count} entries without growing */
    private static int capacity(int count)
    {
        return count + count / 3 + 1;
    }

    /**
     * @param expiry a session's expiry
     * @return the {@link #EXPIRY_FIELD} value for it
     */
    static byte[] expiryValue(long expiry)
    {
        return Long.toString(expiry).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A 64-bit digest of encoded bytes, which this node compares with the digest of what Redis holds to tell a
     * changed value (it never leaves the JVM). Values up to {@value #SMALL_VALUE} bytes, most of a session's,
     * get a keyed hash computed here, about twice as fast on them as two CRC calls; its key is random per JVM, so
     * values cannot be made to collide without it. Longer ones get two different CRCs side by side (CRC32C and
     * CRC32, both computed by CPU intrinsics, several times faster on long arrays). Either way a changed value
     * goes unnoticed with a chance of about 2^-64.
     *
     * @param bytes encoded bytes
     * @return their digest
     */
    static long digest(byte[] bytes)
    {
        if (bytes.length <= SMALL_VALUE)
            return keyedHash(bytes);
        CRC32C crc32c = new CRC32C();
        crc32c.update(bytes);
        CRC32 crc32 = new CRC32();
        crc32.update(bytes);
        return crc32c.getValue() << 32 | crc32.getValue();
    }

    /** MurmurHash3's 64-bit mixing over little-endian words, keyed by {@link #DIGEST_KEY}. */
    private static long keyedHash(byte[] bytes)
    {
        int length = bytes.length;
        long hash = DIGEST_KEY ^ length;
        int at = 0;
        for (; at + 8 <= length; at += 8)
        {
            hash ^= mixWord((long)LITTLE_ENDIAN_LONGS.get(bytes, at));
            hash = Long.rotateLeft(hash, 27) * 5 + 0x52DCE729;
        }
        long tail = 0;
        for (int shift = 0; at < length; at++, shift += 8)
            tail |= (bytes[at] & 0xFFL) << shift;
        hash ^= mixWord(tail);
        hash ^= hash >>> 33;
        hash *= 0xFF51AFD7ED558CCDL;
        hash ^= hash >>> 33;
        hash *= 0xC4CEB9FE1A85EC53L;
        return hash ^ hash >>> 33;
    }

    private static long mixWord(long word)
    {
        return Long.rotateLeft(word * 0x87C37B91114253D5L, 31) * 0x4CF5AD432745937FL;
    }

    /**
     * @param data the session
     * @return its metadata message, encoded; without the id, context and virtual host, which the key holds
     */
    public byte[] encodeMetadata(SessionData data)
    {
        SessionMetadata.Builder metadata = SessionMetadata.newBuilder()
            .setFormat(FORMAT)
            .setCreated(data.getCreated())
            .setAccessed(data.getAccessed())
            .setLastAccessed(data.getLastAccessed())
            .setCookieSet(data.getCookieSet())
            .setExpiry(data.getExpiry())
            .setMaxInactiveMs(data.getMaxInactiveMs())
            .setLastSaved(data.getLastSaved());
        if (data.getLastNode() != null)
            metadata.setLastNode(data.getLastNode());
        return metadata.build().toByteArray();
    }

    /**
     * @param bytes the {@code meta} field
     * @return the decoded metadata
     * @throws IOException if the bytes are not metadata of a known format
     */
    public SessionMetadata decodeMetadata(byte[] bytes) throws IOException
    {
        SessionMetadata metadata = SessionMetadata.parseFrom(bytes);
        if (metadata.getFormat() != FORMAT)
            throw new InvalidProtocolBufferException("Unknown session format " + metadata.getFormat());
        return metadata;
    }

    /**
     * @param bytes the {@code meta} field, or null when the session has none (is gone)
     * @return the decoded metadata; a metadata of format 0 (and no expiry) if the bytes cannot be decoded,
     * so that an unreadable session still counts as existing; null for null
     */
    public SessionMetadata decodeMetadataOrUnknown(byte[] bytes)
    {
        if (bytes == null)
            return null;
        try
        {
            return decodeMetadata(bytes);
        }
        catch (IOException e)
        {
            return SessionMetadata.getDefaultInstance();
        }
    }

    /**
     * @param id the session's id
     * @param contextPath Jetty's canonical context path of its context
     * @param vhost the virtual host of its context
     * @param fields every field of its hash, as HGETALL returns them
     * @return the session, without the attributes that cannot be read (see
     * {@link StoredSessionData#getUnreadableAttributeReasons()})
     * @throws IOException if the metadata is missing or undecodable
     */
    public StoredSessionData decode(String id, String contextPath, String vhost, Map<byte[], byte[]> fields)
        throws IOException
    {
        byte[] metadataBytes = null;
        byte[] version = null;
        byte[] indexed = null;
        byte[] user = null;
        for (Map.Entry<byte[], byte[]> field : fields.entrySet())
        {
            if (isAttributeField(field.getKey()))
                continue;
            if (Arrays.equals(field.getKey(), METADATA_FIELD))
                metadataBytes = field.getValue();
            else if (Arrays.equals(field.getKey(), VERSION_FIELD))
                version = field.getValue();
            else if (Arrays.equals(field.getKey(), INDEXED_FIELD))
                indexed = field.getValue();
            else if (Arrays.equals(field.getKey(), USER_FIELD))
                user = field.getValue();
        }
        if (metadataBytes == null)
            throw new IOException("Session hash has no '" + new String(METADATA_FIELD, StandardCharsets.UTF_8) + "' field");
        SessionMetadata metadata = decodeMetadata(metadataBytes);
        // The key names the session; early version-1 hashes also carry id, context and vhost, unused.
        StoredSessionData data = new StoredSessionData(id, contextPath, vhost, metadata.getCreated(),
            metadata.getAccessed(), metadata.getLastAccessed(), metadata.getMaxInactiveMs());
        data.setLastNode(metadata.hasLastNode() ? metadata.getLastNode() : null);
        data.setCookieSet(metadata.getCookieSet());
        data.setExpiry(metadata.getExpiry());
        data.setLastSaved(metadata.getLastSaved());
        data.setStoredUnder(id);
        boolean fingerprintIsOutput = serializer.isFingerprintTheOutput();
        data.expectAttributes(fields.size());
        Map<String, StoredAttribute> stored = new HashMap<>(capacity(fields.size()));
        // Most loads read every attribute: these are made for the first that cannot be read.
        Map<String, byte[]> unreadable = null;
        Map<String, String> unreadableReasons = null;
        for (Map.Entry<byte[], byte[]> field : fields.entrySet())
        {
            if (isAttributeField(field.getKey()))
            {
                String name = names.of(field.getKey());
                try
                {
                    Object value = serializer.deserialize(field.getValue());
                    long digest = digest(fingerprintIsOutput ? field.getValue() : serializer.fingerprint(value));
                    data.setAttribute(name, value);
                    stored.put(name, StoredAttribute.of(digest, field.getValue().length, value));
                }
                catch (IOException | ClassNotFoundException | RuntimeException | LinkageError e)
                {
                    if (unreadable == null)
                    {
                        unreadable = new HashMap<>();
                        unreadableReasons = new LinkedHashMap<>();
                    }
                    unreadable.put(name, field.getValue());
                    unreadableReasons.put(name, e.toString());
                }
            }
        }
        data.setStoredAttributes(stored);
        if (unreadable != null)
            data.setUnreadableAttributes(unreadable, unreadableReasons);
        data.setStoredVersion(version == null ? null : new String(version, StandardCharsets.US_ASCII));
        data.setIndexedExpiry(indexedExpiry(indexed));
        data.setStoredUser(user == null ? null : new String(user, StandardCharsets.US_ASCII));
        data.markMetadataStored();
        // Loading is not a change: nothing needs writing back until the request changes something.
        data.clean();
        return data;
    }

    /**
     * @param name an attribute name
     * @return the name of the hash field that holds it: the name itself, escaped if it could be taken for
     * one of the store's own fields
     */
    public static byte[] attributeField(String name)
    {
        boolean escape = !name.isEmpty() && (name.charAt(0) == RESERVED || name.charAt(0) == ESCAPE);
        return (escape ? ESCAPE + name : name).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param field the name of a hash field
     * @return true if it holds an attribute, false for the store's own fields
     */
    public static boolean isAttributeField(byte[] field)
    {
        return field.length == 0 || field[0] != RESERVED;
    }

    /**
     * @param field the name of a hash field that holds an attribute ({@link #isAttributeField})
     * @return the attribute's name, unescaped
     */
    public static String attributeName(byte[] field)
    {
        int start = field.length > 0 && field[0] == ESCAPE ? 1 : 0;
        return new String(field, start, field.length - start, StandardCharsets.UTF_8);
    }
}
