// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

/**
 * Carries what the deletion of a session under its old id found to the write of the session under its new id
 * (changeSessionId, a form login). Jetty gives a session a new id by deleting it under the old id, then writing
 * it whole under the new one, one after the other on the request's thread and under the session's lock
 * ({@code AbstractSessionCache.renewSessionId}), and nothing hands the old id to the write: each deletion tells
 * this class, on its thread, what it found, and the first write that follows asks whether the copy it writes
 * is that session's. The write then knows:
 * <ul>
 *   <li>whether the session was already deleted (a logout everywhere on another node, an expiry): then it is
 *   never written under the new id;</li>
 *   <li>the session's user and that user's logout mark as the deletion found it ({@link UserIndex}): a logout
 *   everywhere that read the user's sessions between the two steps found the session under neither id, and the
 *   write, which finds another mark, has the session invalidated.</li>
 * </ul>
 */
public final class Renewals
{
    /**
     * What the deletion of a session under its old id found.
     *
     * @param oldId the id the session was deleted under
     * @param deletedBefore whether it was already deleted (a tombstone and no hash)
     * @param userToken the token of its user, from its hash; null for none
     * @param logoutMark that user's logout mark when the deletion took the session out of the user's index; null
     * for none
     */
    public record Renewal(String oldId, boolean deletedBefore, String userToken, String logoutMark)
    {
    }

    // The last deletion on this thread, until a first write asks.
    private final ThreadLocal<Renewal> lastDeletion = new ThreadLocal<>();

    /**
     * @param deletion what a deletion of this thread found; null if it does not know (Redis did not answer)
     */
    public void deleted(Renewal deletion)
    {
        if (deletion == null)
            lastDeletion.remove();
        else
            lastDeletion.set(deletion);
    }

    /**
     * Asked before a session is first written under an id; forgets the deletion.
     *
     * @param id the id it is about to be written under
     * @param data the copy to write
     * @return what this thread's deletion just before found, if it was of the same session under another id, as
     * Jetty deletes a session to give it a new id; otherwise null
     */
    public Renewal renewalOf(String id, StoredSessionData data)
    {
        Renewal deletion = lastDeletion.get();
        if (deletion == null)
            return null;
        lastDeletion.remove();
        return !deletion.oldId().equals(id) && deletion.oldId().equals(data.getStoredUnder()) ? deletion : null;
    }
}
