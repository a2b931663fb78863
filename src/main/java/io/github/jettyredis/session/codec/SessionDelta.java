package io.github.jettyredis.session.codec;

import java.util.List;
import java.util.Map;

/**
 * What one save of a session writes to its hash: the metadata field always, the attribute fields whose
 * values changed, and the attribute fields to delete; plus what Redis will hold for each attribute once it is written.
 *
 * @param whole whether this is the whole session (a first save), to replace anything under the key
 * @param set hash fields to set, the metadata included
 * @param deleted hash fields to delete
 * @param storedAfter attribute name to what Redis holds for it, once the save succeeded
 */
public record SessionDelta(boolean whole, Map<byte[], byte[]> set, List<byte[]> deleted, Map<String, StoredAttribute> storedAfter)
{
    /** @return true if no attribute is set or deleted: only the metadata is written */
    public boolean isMetadataOnly()
    {
        return !whole && deleted.isEmpty() && set.size() == 1;
    }
}
