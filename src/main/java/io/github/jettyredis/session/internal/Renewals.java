// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

/**
 * Keeps a session that was deleted (a logout everywhere on another node, an expiry) from living on under a new
 * id that a request of this node gives it meanwhile (changeSessionId). Jetty gives a session a new id by deleting
 * it under the old id, then writing it whole under the new one, one after the other on the request's thread and
 * under the session's lock ({@code AbstractSessionCache.renewSessionId}), and nothing hands the old id to the
 * write: each deletion tells this class, on its thread, whether the session was already deleted, and the first
 * write that follows asks whether the copy it writes is that session's.
 */
public final class Renewals
{
    // The id whose deletion on this thread found the session deleted before, until a first write asks.
    private final ThreadLocal<String> deletedBefore = new ThreadLocal<>();

    /**
     * @param id a session this thread just deleted
     * @param before whether the session was already deleted (a tombstone and no hash)
     */
    public void deleted(String id, boolean before)
    {
        if (before)
            deletedBefore.set(id);
        else
            deletedBefore.remove();
    }

    /**
     * Asked before a session is first written under an id.
     *
     * @param id the id it is about to be written under
     * @param data the copy to write
     * @return whether it is a copy of a session that was already deleted under another id, which this thread
     * deleted just before, as Jetty does to give the session a new id: never to be written
     */
    public boolean isRenewalOfDeleted(String id, StoredSessionData data)
    {
        String old = deletedBefore.get();
        if (old == null)
            return false;
        deletedBefore.remove();
        return !old.equals(id) && old.equals(data.getStoredUnder());
    }
}
