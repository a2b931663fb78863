package io.github.jettyredis.session.codec;

import java.util.HashMap;
import java.util.Map;

import org.eclipse.jetty.session.SessionData;

/**
 * A Jetty {@link SessionData} that remembers what Redis holds for each of its attributes, as a digest of
 * the encoded bytes this node last read or wrote. A save compares the digests of the current values with
 * these, so it sends only the attributes that changed, including objects changed in place without a
 * {@code setAttribute} call, and deletes only the attributes removed here.
 */
public class StoredSessionData extends SessionData
{
    private static final long serialVersionUID = 1L;

    private Map<String, Long> storedDigests = Map.of();

    /**
     * @see SessionData#SessionData(String, String, String, long, long, long, long)
     */
    public StoredSessionData(String id, String contextPath, String vhost, long created, long accessed, long lastAccessed, long maxInactiveMs)
    {
        super(id, contextPath, vhost, created, accessed, lastAccessed, maxInactiveMs);
    }

    /** @return attribute name to digest of what Redis holds, as this node last saw it; empty if never stored */
    public Map<String, Long> getStoredDigests()
    {
        return storedDigests;
    }

    /**
     * Records what Redis holds now, after a load or a successful save.
     *
     * @param digests attribute name to digest of its encoded bytes
     */
    public void setStoredDigests(Map<String, Long> digests)
    {
        this.storedDigests = new HashMap<>(digests);
    }
}
