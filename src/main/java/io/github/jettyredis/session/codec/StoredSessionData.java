package io.github.jettyredis.session.codec;

import java.util.HashMap;
import java.util.Map;

import org.eclipse.jetty.session.SessionData;

/**
 * A Jetty {@link SessionData} that remembers what Redis holds for each of its attributes
 * ({@link StoredAttribute}: a digest of the encoded bytes this node last read or wrote). A save compares the
 * digests of the current values with these, so it sends only the attributes that changed, including
 * objects changed in place without a {@code setAttribute} call, and deletes only the attributes removed here.
 */
public class StoredSessionData extends SessionData
{
    private static final long serialVersionUID = 1L;

    private Map<String, StoredAttribute> storedAttributes = Map.of();

    /**
     * @see SessionData#SessionData(String, String, String, long, long, long, long)
     */
    public StoredSessionData(String id, String contextPath, String vhost, long created, long accessed, long lastAccessed, long maxInactiveMs)
    {
        super(id, contextPath, vhost, created, accessed, lastAccessed, maxInactiveMs);
    }

    /** @return attribute name to what Redis holds, as this node last saw it; empty if never stored */
    public Map<String, StoredAttribute> getStoredAttributes()
    {
        return storedAttributes;
    }

    /**
     * Records what Redis holds now, after a load or a successful save.
     *
     * @param attributes attribute name to what Redis holds for it
     */
    public void setStoredAttributes(Map<String, StoredAttribute> attributes)
    {
        this.storedAttributes = new HashMap<>(attributes);
    }
}
