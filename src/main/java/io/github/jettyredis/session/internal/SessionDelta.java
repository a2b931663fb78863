// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one save of a session writes to its hash: the metadata fields always, the attribute fields whose
 * values changed, and the attribute fields to delete; plus what Redis will hold for each attribute once it
 * is written, and the attributes that could not be written at all.
 *
 * @param whole whether this is the whole session, to replace anything under the key
 * @param metadata the {@link SessionHashCodec#METADATA_FIELD} value
 * @param expiry the session's expiry, written in {@link SessionHashCodec#EXPIRY_FIELD} for the store's scripts
 * @param attributes attribute fields to set
 * @param deleted attribute fields to delete
 * @param storedAfter attribute name to what Redis holds for it, once the save succeeded
 * @param unwritable attribute name to why its value cannot be written: it is left as Redis holds it
 * @param version the new version of the session's content, written in {@link SessionHashCodec#VERSION_FIELD}
 * when the save changes more than access times; null when it does not
 * @param indexed the expiry this save gives the session's expiry index entry, written in
 * {@link SessionHashCodec#INDEXED_FIELD}; null when the entry is left as it is
 */
public record SessionDelta(boolean whole, byte[] metadata, long expiry, Map<byte[], byte[]> attributes, List<byte[]> deleted,
                           Map<String, StoredAttribute> storedAfter, Map<String, String> unwritable, String version, Long indexed)
{
    /**
     * A save that writes no new version and leaves the index entry alone.
     */
    public SessionDelta(boolean whole, byte[] metadata, long expiry, Map<byte[], byte[]> attributes, List<byte[]> deleted,
                        Map<String, StoredAttribute> storedAfter, Map<String, String> unwritable)
    {
        this(whole, metadata, expiry, attributes, deleted, storedAfter, unwritable, null, null);
    }

    /**
     * @param version a new version of the session's content
     * @return this save, writing that version too
     */
    public SessionDelta withVersion(String version)
    {
        return new SessionDelta(whole, metadata, expiry, attributes, deleted, storedAfter, unwritable, version, indexed);
    }

    /**
     * @return this save, writing the session's expiry index entry too
     */
    public SessionDelta withIndexEntry()
    {
        return new SessionDelta(whole, metadata, expiry, attributes, deleted, storedAfter, unwritable, version, expiry);
    }

    /**
     * @param userToken the token of the session's user, or null when it has none (logged out)
     * @return this save, recording that user in {@link SessionHashCodec#USER_FIELD} too (a field of the
     * store's own, set or deleted with the attribute fields)
     */
    public SessionDelta withUser(String userToken)
    {
        HashFields withUser = HashFields.copyOf(attributes, 1);
        List<byte[]> deletedWithUser = new ArrayList<>(deleted);
        if (userToken != null)
            withUser.add(SessionHashCodec.USER_FIELD, userToken.getBytes(StandardCharsets.US_ASCII));
        else
            deletedWithUser.add(SessionHashCodec.USER_FIELD);
        return new SessionDelta(whole, metadata, expiry, withUser, deletedWithUser, storedAfter, unwritable, version, indexed);
    }

    /** @return whether it changes the session's attributes, or writes it whole */
    public boolean changesAttributes()
    {
        return whole || !attributes.isEmpty() || !deleted.isEmpty();
    }

    /** @return true if no attribute is set or deleted: only the metadata is written */
    public boolean isMetadataOnly()
    {
        return !whole && deleted.isEmpty() && attributes.isEmpty();
    }

    /** @return the bytes of the metadata and of the attribute fields set (names and values) */
    public long bytes()
    {
        long bytes = SessionHashCodec.METADATA_FIELD.length + metadata.length;
        for (Map.Entry<byte[], byte[]> field : attributes.entrySet())
            bytes += field.getKey().length + field.getValue().length;
        return bytes;
    }

    /** @return every field to set, the metadata fields first */
    public Map<byte[], byte[]> set()
    {
        HashFields fields = new HashFields(4 + attributes.size());
        fields.add(SessionHashCodec.METADATA_FIELD, metadata);
        fields.add(SessionHashCodec.EXPIRY_FIELD, SessionHashCodec.expiryValue(expiry));
        if (version != null)
            fields.add(SessionHashCodec.VERSION_FIELD, version.getBytes(StandardCharsets.US_ASCII));
        if (indexed != null)
            fields.add(SessionHashCodec.INDEXED_FIELD, SessionHashCodec.expiryValue(indexed));
        for (Map.Entry<byte[], byte[]> attribute : attributes.entrySet())
            fields.add(attribute.getKey(), attribute.getValue());
        return fields;
    }
}
