// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
    /** The {@link #getIndexedExpiry()} of a session whose index entry is not known. */
    public static final long UNKNOWN_INDEX_ENTRY = Long.MIN_VALUE;

    // What this node knows of Redis: not part of the session, so not serialized with it (a copy read back
    // knows nothing, and its next save is written whole).
    private transient Map<String, StoredAttribute> storedAttributes = Map.of();
    private transient Metadata storedMetadata;
    private transient Map<String, byte[]> unreadableAttributes = Map.of();
    private transient Map<String, String> unreadableReasons = Map.of();
    private transient String storedVersion;
    private transient String storedUnder;
    private transient Renewals.Renewal renewal;
    private transient volatile boolean renewalRefused;
    private transient boolean changedElsewhereAtLastCheck;
    /** Whether a write or check of this copy asks for a lease (see {@link SessionLeases}). */
    private transient volatile boolean leaseWanted;
    /** The {@link SessionLeases} epoch of this copy's lease, -1 for none; and when ({@link System#nanoTime()}) its use ends. */
    private transient volatile long leaseEpoch = -1;
    private transient volatile long leaseEnd;
    /** When ({@link System#nanoTime()}) another node last asked for this copy's lease, 0 if never. */
    private transient volatile long leaseRevokedAt;
    private transient long indexedExpiry = UNKNOWN_INDEX_ENTRY;
    private transient String storedUser;
    // The user the container authenticated for the session's requests, when no attribute names one: read
    // from the stored #user of a session loaded without such an attribute, set by AuthenticatedUserHandler.
    private transient volatile String authenticatedUser;
    private transient volatile String authenticatedName;

    /**
     * @see SessionData#SessionData(String, String, String, long, long, long, long)
     */
    public StoredSessionData(String id, String contextPath, String vhost, long created, long accessed, long lastAccessed, long maxInactiveMs)
    {
        super(id, contextPath, vhost, created, accessed, lastAccessed, maxInactiveMs);
    }

    /**
     * Sizes the attribute map for the attributes a load is about to put, so that it does not grow while they go
     * in (Jetty's map starts at the default size).
     *
     * @param count the number of attributes expected
     */
    public void expectAttributes(int count)
    {
        if (_attributes.isEmpty() && count > 12)
            _attributes = new ConcurrentHashMap<>(count);
    }

    /** @return attribute name to what Redis holds, as this node last saw it; empty if never stored, null if unknown */
    public Map<String, StoredAttribute> getStoredAttributes()
    {
        return storedAttributes;
    }

    /**
     * Records what Redis holds now, after a load or a successful save.
     *
     * @param attributes attribute name to what Redis holds for it; kept, not copied: the caller hands it over
     */
    public void setStoredAttributes(Map<String, StoredAttribute> attributes)
    {
        this.storedAttributes = attributes;
        if (unreadableAttributes != null && !unreadableAttributes.isEmpty())
        {
            // A value this node wrote under the name of one it could not read replaced it in Redis.
            unreadableAttributes = new HashMap<>(unreadableAttributes);
            unreadableAttributes.keySet().removeAll(attributes.keySet());
        }
    }

    /**
     * @return attribute name to the bytes Redis held for it when this node loaded the session but could not
     * read; they are left out of the session, never deleted by a save, and copied by a whole write
     */
    public Map<String, byte[]> getUnreadableAttributes()
    {
        return unreadableAttributes == null ? Map.of() : unreadableAttributes;
    }

    /** @return attribute name to why it could not be read, for the attributes left out when loading */
    public Map<String, String> getUnreadableAttributeReasons()
    {
        return unreadableReasons == null ? Map.of() : unreadableReasons;
    }

    /**
     * Records the attributes that could not be read when the session was loaded.
     *
     * @param bytes attribute name to the bytes Redis holds for it
     * @param reasons attribute name to why it could not be read
     */
    public void setUnreadableAttributes(Map<String, byte[]> bytes, Map<String, String> reasons)
    {
        this.unreadableAttributes = bytes;
        this.unreadableReasons = reasons;
    }

    /**
     * Records that Redis now holds this session's metadata as it is, after a load or a successful save.
     */
    public void markMetadataStored()
    {
        storedMetadata = Metadata.of(this);
    }

    /**
     * @param toleranceMs the largest drift to accept
     * @return true if, since Redis last got this session's metadata from or to this node, nothing of it
     * changed but the expiry, which moved later by less than {@code toleranceMs}, or not at all (an immortal
     * session's, whose tolerance is 0): what Jetty's second save of a request (when it ends, after the save on
     * response commit) looks like
     */
    public boolean isOnlyExpiryDriftSinceStored(long toleranceMs)
    {
        if (storedMetadata == null)
            return false;
        long drift = getExpiry() - storedMetadata.expiry();
        return (drift == 0 || drift > 0 && drift < toleranceMs) &&
            Metadata.of(this).withExpiry(storedMetadata.expiry()).equals(storedMetadata);
    }

    /**
     * @return the version of the session's content (attributes, interval, creation) that Redis holds, as this
     * node last read or wrote it; null if unknown
     */
    public String getStoredVersion()
    {
        return storedVersion;
    }

    /** @param version the version of the content Redis holds now, after a load or a save that changed it */
    public void setStoredVersion(String version)
    {
        this.storedVersion = version;
    }

    /**
     * @return whether the last check of this copy against Redis found content another node wrote: a session
     * whose requests alternate between nodes, which the next check is likely to find changed again
     */
    public boolean isChangedElsewhereAtLastCheck()
    {
        return changedElsewhereAtLastCheck;
    }

    /** @param changed whether the check of this copy against Redis just found content another node wrote */
    public void setChangedElsewhereAtLastCheck(boolean changed)
    {
        this.changedElsewhereAtLastCheck = changed;
    }

    /**
     * @return whether this copy's writes and checks ask for a lease: it was made on this node, or a check found
     * it current (requests come to this node), and it was not read again since for another node's change
     */
    public boolean isLeaseWanted()
    {
        return leaseWanted;
    }

    /** @param wanted whether this copy's writes and checks ask for a lease from now on */
    public void setLeaseWanted(boolean wanted)
    {
        this.leaseWanted = wanted;
    }

    /** @return the {@link SessionLeases} epoch of this copy's lease, -1 for none */
    public long getLeaseEpoch()
    {
        return leaseEpoch;
    }

    /** @return when ({@link System#nanoTime()}) this copy's lease stops being used; meaningless without one */
    public long getLeaseEnd()
    {
        return leaseEnd;
    }

    /**
     * @param now {@link System#nanoTime()}
     * @return whether this copy has a lease that is used after {@code now}
     */
    public boolean hasLeaseAfter(long now)
    {
        return leaseEpoch >= 0 && leaseEnd - now > 0;
    }

    /**
     * Holds the lease just granted, and asks for it again from now on, unless another node asked for it since the
     * request that got it was sent. One step against {@link #revokeLease}, which the deletion listener's thread
     * runs: a revocation between the check and the hold would leave this node using a lease that Redis no
     * longer has, while the other node changes the session.
     *
     * @param askedAt when ({@link System#nanoTime()}) the write or check that got the lease was sent
     * @param end when ({@link System#nanoTime()}) the lease stops being used
     * @param epoch the {@link SessionLeases} epoch it was granted in
     * @return true if held; false if it was asked for meanwhile, and must be given up in Redis
     */
    public synchronized boolean holdLeaseUnlessRevokedSince(long askedAt, long end, long epoch)
    {
        if (leaseRevokedAt != 0 && leaseRevokedAt - askedAt > 0)
            return false;
        leaseEnd = end;
        leaseEpoch = epoch;
        leaseWanted = true;
        return true;
    }

    /** The lease, if any, is no longer used. */
    public void endLease()
    {
        leaseEpoch = -1;
    }

    /**
     * Another node asked for this copy's lease: no longer used, and not asked for again for a while.
     *
     * @param now {@link System#nanoTime()}
     */
    public synchronized void revokeLease(long now)
    {
        leaseEpoch = -1;
        leaseWanted = false;
        leaseRevokedAt = now;
    }

    /** @return when ({@link System#nanoTime()}) another node last asked for this copy's lease, 0 if never */
    public long getLeaseRevokedAt()
    {
        return leaseRevokedAt;
    }

    /**
     * @param id a session id
     * @return whether Redis holds this copy's session under that id, as far as this node knows: it read the copy
     * from there or wrote it there last (a new id, from changeSessionId, is another key)
     */
    public boolean isStoredUnder(String id)
    {
        return id.equals(storedUnder);
    }

    /** @param id the id under which this node just read this copy from Redis, or wrote it there */
    public void setStoredUnder(String id)
    {
        this.storedUnder = id;
    }

    /**
     * @return the id under which this node last read this copy from Redis or wrote it there (its id before a
     * changeSessionId, say); null if never
     */
    public String getStoredUnder()
    {
        return storedUnder;
    }

    /** Records that this copy was given a new id after its session was deleted: it is never to be written. */
    public void refuseRenewal()
    {
        renewalRefused = true;
    }

    /** @return whether this copy was given a new id after its session was deleted ({@link Renewals}) */
    public boolean isRenewalRefused()
    {
        return renewalRefused;
    }

    /**
     * @param renewal what the deletion under its old id found, when this copy was given a new id ({@link Renewals});
     * null once written under the new id
     */
    public void setRenewal(Renewals.Renewal renewal)
    {
        this.renewal = renewal;
    }

    /** @return what the deletion under its old id found, until this copy is written under its new id; or null */
    public Renewals.Renewal getRenewal()
    {
        return renewal;
    }

    /**
     * @return the expiry that the session's entry in the expiry index has, as the session's hash says (0: no
     * entry, the session never expires); {@link #UNKNOWN_INDEX_ENTRY} if not known
     */
    public long getIndexedExpiry()
    {
        return indexedExpiry;
    }

    /** @param expiry the expiry the session's index entry has now, after a load or a save that moved it */
    public void setIndexedExpiry(long expiry)
    {
        this.indexedExpiry = expiry;
    }

    /** @return the token of the user Redis records for the session ({@link SessionHashCodec#USER_FIELD}); null for none */
    public String getStoredUser()
    {
        return storedUser;
    }

    /** @param userToken the token of the user Redis records for the session now, after a load or a save; null for none */
    public void setStoredUser(String userToken)
    {
        this.storedUser = userToken;
    }

    /**
     * @return the token of the user the container authenticated for the session's requests (BASIC, DIGEST,
     * CLIENT-CERT, ...: an authentication that keeps nothing in the session); null if none is known
     */
    public String getAuthenticatedUser()
    {
        return authenticatedUser;
    }

    /**
     * @param name a user's name
     * @return whether this node already saw a request of the session authenticated as that user
     */
    public boolean isAuthenticatedAs(String name)
    {
        return name.equals(authenticatedName);
    }

    /**
     * @param userToken the token of the user the container authenticated for the session's requests; null for none
     * @param name that user's name, if this node knows it; null otherwise
     */
    public void setAuthenticatedUser(String userToken, String name)
    {
        this.authenticatedUser = userToken;
        this.authenticatedName = name;
    }

    /**
     * @return true if, since Redis last got this session's metadata from or to this node, nothing changed
     * but what serving a request changes: its access times, expiry, last node and when its cookie was last
     * set (Jetty sets it again whenever the session moves to another node, whose name the cookie carries);
     * so its content version stays
     */
    public boolean isOnlyAccessSinceStored()
    {
        return storedMetadata != null && storedMetadata.created() == getCreated() && storedMetadata.maxInactiveMs() == getMaxInactiveMs();
    }

    /**
     * Takes the access times, expiry and last node another node saved, when they are later than this copy's:
     * the content is the same (same version), only the other node served the session since.
     *
     * @param accessed the stored access time
     * @param lastAccessed the stored previous access time
     * @param expiry the stored expiry
     * @param lastNode the stored last node
     */
    public void takeAccessFrom(long accessed, long lastAccessed, long expiry, String lastNode)
    {
        if (accessed <= getAccessed())
            return;
        setAccessed(accessed);
        setLastAccessed(lastAccessed);
        setExpiry(expiry);
        setLastNode(lastNode);
        markMetadataStored();
    }

    /**
     * Becomes a copy of what Redis holds now, in place: the session object that holds this data (and the
     * requests that will share it) stays the same, only its content is that of the fresher copy.
     *
     * <p>Only the attributes whose bytes in Redis changed since this node last read or wrote them take the
     * fresher copy's values. The others keep the very objects this copy holds: a request of this node still in
     * the session may have taken one and be changing it in place (a cart it read first and adds to later, with
     * no {@code setAttribute}); with a new object in its place that change would be in no session, and its save
     * would find nothing to write. Values Redis never took (over a size limit, not serializable) stay too, as
     * they do in a copy no other node changed, and a later save that fits writes them.</p>
     *
     * @param fresher the session as just read from Redis
     */
    public void replaceWith(StoredSessionData fresher)
    {
        setAccessed(fresher.getAccessed());
        setLastAccessed(fresher.getLastAccessed());
        setCookieSet(fresher.getCookieSet());
        setMaxInactiveMs(fresher.getMaxInactiveMs());
        setExpiry(fresher.getExpiry());
        setLastNode(fresher.getLastNode());
        setLastSaved(fresher.getLastSaved());
        Map<String, Object> values = new HashMap<>(fresher.getAllAttributes());
        Map<String, StoredAttribute> stored = fresher.storedAttributes;
        if (storedAttributes != null && stored != null)
        {
            stored = new HashMap<>(stored);
            keepWhatRedisDidNotChange(fresher, values, stored);
        }
        clearAllAttributes();
        putAllAttributes(values);
        storedAttributes = stored;
        unreadableAttributes = fresher.unreadableAttributes;
        unreadableReasons = fresher.unreadableReasons;
        storedVersion = fresher.storedVersion;
        indexedExpiry = fresher.indexedExpiry;
        storedUser = fresher.storedUser;
        markMetadataStored();
        clean();
    }

    /**
     * Where Redis holds what it held when this node last read or wrote an attribute (the same digest, or
     * nothing then and now), this copy's side of it stays: its value object, or its absence (removed here and
     * not saved yet: the next save deletes it).
     *
     * @param fresher the session as just read from Redis
     * @param values the fresher copy's values, which this copy is about to take
     * @param stored the fresher copy's records of what Redis holds, which this copy is about to take
     */
    private void keepWhatRedisDidNotChange(StoredSessionData fresher, Map<String, Object> values, Map<String, StoredAttribute> stored)
    {
        Map<String, Object> held = getAllAttributes();
        for (Map.Entry<String, Object> value : held.entrySet())
        {
            String name = value.getKey();
            StoredAttribute mine = storedAttributes.get(name);
            StoredAttribute inRedis = stored.get(name);
            boolean unchangedInRedis = mine == null
                ? inRedis == null && !fresher.getUnreadableAttributes().containsKey(name)
                : inRedis != null && mine.digest() == inRedis.digest();
            if (unchangedInRedis)
            {
                values.put(name, value.getValue());
                // Its own record: an immutable value's is known unchanged by being this very instance.
                if (mine != null)
                    stored.put(name, mine);
            }
        }
        for (Map.Entry<String, StoredAttribute> mine : storedAttributes.entrySet())
        {
            StoredAttribute inRedis = stored.get(mine.getKey());
            if (!held.containsKey(mine.getKey()) && inRedis != null && mine.getValue().digest() == inRedis.digest())
                values.remove(mine.getKey());
        }
    }

    /** The metadata a save compares, all but the last save time (which only Jetty's save period reads). */
    private record Metadata(long created, long accessed, long lastAccessed, long cookieSet, long maxInactiveMs,
                            long expiry, String lastNode)
    {
        static Metadata of(SessionData data)
        {
            return new Metadata(data.getCreated(), data.getAccessed(), data.getLastAccessed(), data.getCookieSet(),
                data.getMaxInactiveMs(), data.getExpiry(), data.getLastNode());
        }

        Metadata withExpiry(long expiry)
        {
            return new Metadata(created, accessed, lastAccessed, cookieSet, maxInactiveMs, expiry, lastNode);
        }
    }
}
