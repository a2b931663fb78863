// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.Objects;
import java.util.function.Supplier;

import org.eclipse.jetty.session.SessionData;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;

/**
 * What the store's saves, loads and deletions do for the index of sessions by user ({@code userSessions},
 * README "A user's sessions"): who a session's user is, what a save must write for it (the session's
 * {@code #user} field, its entry in its user's {@link UserIndex} and out of its previous user's), what a
 * deletion must take out, and which saves gave a user one more session, for the per-user limit.
 *
 * <p>With {@code userSessions} off, a save writes nothing for users; a deletion still takes out the entry the
 * session's hash names, since the session may have been saved while it was on.</p>
 */
public final class SessionUserIndex
{
    /**
     * Told of each save that gave a user one more session (a login), so that the per-user limit is enforced, and
     * of each session given a new id while its user was logged out everywhere, so that it is invalidated.
     */
    public interface Events
    {
        /**
         * @param userToken the user's token
         * @param id the session that was added
         * @param entries how many entries the user's index holds now (some may be of sessions that just ended)
         */
        void loggedIn(String userToken, String id, long entries);

        /**
         * @param userToken the user's token
         * @param id the new id of a session of the user, written while the user was logged out everywhere
         * (see {@link UserIndex}): indexed under it, and to be invalidated
         */
        void loggedOutDuringRenewal(String userToken, String id);
    }

    private final UserIndex index;
    private final UserNames names;
    private final boolean enabled;
    private final Events events;

    /**
     * @param index the context's sessions by user in Redis
     * @param names finds the user a session's attribute names
     * @param enabled whether sessions are indexed by user ({@code userSessions})
     * @param events told of each save that gave a user one more session, or a new id to a logged-out user's session
     */
    public SessionUserIndex(UserIndex index, UserNames names, boolean enabled, Events events)
    {
        this.index = index;
        this.names = names;
        this.enabled = enabled;
        this.events = events;
    }

    /** @return the context's sessions by user in Redis */
    public UserIndex index()
    {
        return index;
    }

    /**
     * The attribute that names the session's user decides (a form login, or the application); without one, the
     * user the container authenticated for the session's requests, if any. An attribute that names a user
     * replaces the authenticated one for good, so that a form logout (the attribute removed) logs the session out.
     *
     * @param data a session
     * @return the token of the session's user, or null if it has none
     */
    String userOf(SessionData data)
    {
        String name = names.userOf(data);
        if (data instanceof StoredSessionData stored)
        {
            if (name == null)
                return stored.getAuthenticatedUser();
            stored.setAuthenticatedUser(null, null);
        }
        return name == null ? null : SessionKeys.userToken(name);
    }

    /**
     * A user recorded in a loaded session's hash without an attribute naming one was authenticated by the
     * container (see {@link #userOf}): its requests keep it the session's user until another is seen.
     *
     * @param data a session just read from Redis
     */
    public void loaded(StoredSessionData data)
    {
        if (enabled && names.userOf(data) == null)
            data.setAuthenticatedUser(data.getStoredUser(), null);
    }

    /**
     * @param data a session about to be saved
     * @return whether its user is the one Redis records (always, with {@code userSessions} off): a save that
     * changes nothing else may then be skipped
     */
    public boolean isUserUnchanged(SessionData data)
    {
        return !enabled || (data instanceof StoredSessionData stored && Objects.equals(stored.getStoredUser(), userOf(data)));
    }

    /**
     * Records the user the container authenticated for a request of a session (BASIC, DIGEST, CLIENT-CERT,
     * ...: an authentication that keeps nothing in the session). Marks the session dirty, so that its save
     * indexes it under that user, only when its user changes: the same user again compares a name and writes
     * nothing.
     *
     * @param data the session's data
     * @param name the name of the user the request was authenticated as
     */
    public void authenticatedAs(SessionData data, String name)
    {
        if (!enabled || !(data instanceof StoredSessionData stored) || stored.isAuthenticatedAs(name))
            return;
        // An attribute that names a user (a form login, the application's) decides.
        if (names.userOf(data) != null)
            return;
        String token = SessionKeys.userToken(name);
        if (!token.equals(stored.getAuthenticatedUser()))
            data.setDirty(true);
        stored.setAuthenticatedUser(token, name);
    }

    /**
     * What a save does for the session's user. A whole write replaces the hash, so it records the user again;
     * any write records a change of user; the user's entry moves with the expiry index entry, to the same expiry.
     *
     * @param id the session's id
     * @param data the session
     * @param save what the save writes to the session's keys (whole or not, and its expiry index entry)
     * @return the user's part of that save
     */
    public Save save(String id, SessionData data, SessionDelta save)
    {
        if (!enabled)
            return new Save(id, data, null, null, false, false, false, null);
        String now = userOf(data);
        StoredSessionData stored = data instanceof StoredSessionData copy ? copy : null;
        String before = stored != null ? stored.getStoredUser() : null;
        boolean changed = !Objects.equals(before, now);
        boolean recorded = changed || (save.whole() && now != null);
        boolean added = now != null && (changed || save.indexed() != null || save.whole());
        // A new id of a session of the same user: its addition is checked against the logout mark its removal found.
        Renewals.Renewal renewal = stored != null && stored.getRenewal() != null && Objects.equals(stored.getRenewal().userToken(), now) ?
            stored.getRenewal() : null;
        return new Save(id, data, before, now, recorded, added, changed && before != null, renewal);
    }

    /**
     * Queues taking a deleted session out of the index of the user its hash named, if any.
     *
     * @param pipeline a pipeline run after the delete script
     * @param deletion what the delete script replied
     * @param id the session's id
     * @return the queued change, whose reply holds the user's logout mark; null if the session had no user
     */
    public UserIndex.Change queueDeletion(AbstractPipeline pipeline, SessionScripts.Deletion deletion, String id)
    {
        return deletion.userToken() != null ? index.queueRemove(pipeline, deletion.userToken(), id) : null;
    }

    /**
     * The user's part of one save of one session: the {@code #user} field it records, and the entries it
     * changes in the users' indexes, queued in the save's pipeline after the write script (another hash slot
     * than the session's, in the same round trip). One per save, used by one thread; a call run again
     * (see {@link RedisCalls}) queues its changes again.
     */
    public final class Save
    {
        private final String id;
        private final SessionData data;
        private final String before;
        private final String now;
        private final boolean recorded;
        private final boolean added;
        private final boolean removed;
        private final Renewals.Renewal renewal;
        private UserIndex.Change addition;
        private UserIndex.Change removal;
        private long entries;
        private boolean loggedOutDuringRenewal;

        /**
         * @param before the token of the user Redis recorded for the session, or null
         * @param now the token of its user now, or null
         * @param recorded whether the save writes (or deletes) the session's {@code #user} field
         * @param added whether it writes the entry in the user's index
         * @param removed whether it takes the entry out of the previous user's index
         * @param renewal what the deletion under the session's old id found, if this is its first write under a new
         * id and its user is the same; otherwise null
         */
        private Save(String id, SessionData data, String before, String now, boolean recorded, boolean added, boolean removed,
                     Renewals.Renewal renewal)
        {
            this.id = id;
            this.data = data;
            this.before = before;
            this.now = now;
            this.recorded = recorded;
            this.added = added;
            this.removed = removed;
            this.renewal = renewal;
        }

        /**
         * @param save what the save writes to the session's hash
         * @return that, recording the session's user in its {@code #user} field when it must
         */
        public SessionDelta recording(SessionDelta save)
        {
            return recorded ? save.withUser(now) : save;
        }

        /**
         * Queues the entry in the user's index, at the session's expiry, and out of the previous user's.
         *
         * @param pipeline the save's pipeline, after its write script
         */
        public void queue(AbstractPipeline pipeline)
        {
            addition = added ? index.queueAdd(pipeline, now, id, data.getExpiry()) : null;
            removal = removed ? index.queueRemove(pipeline, before, id) : null;
        }

        /**
         * Reads the replies of what {@link #queue} queued, once the pipeline is synced.
         *
         * @param redis the client of the call, to run a change again if Redis lacked the script
         */
        public void readReplies(UnifiedJedis redis)
        {
            if (removal != null)
                removal.entries(redis);
            if (addition != null)
            {
                entries = addition.entries(redis);
                // A logout everywhere came between the removal under the old id and this addition (a mark that
                // expired meanwhile, a day later, tells nothing).
                String mark = renewal != null ? addition.logoutMark(redis) : null;
                loggedOutDuringRenewal = mark != null && !mark.equals(renewal.logoutMark());
            }
        }

        /**
         * Puts the users' indexes back as Redis records the session, after a save that wrote nothing: without the
         * session there (deleted, lost, another's), the entry this save added goes again; with it still there
         * (refused for another node's lease, or another node's later copy written back first), as another node
         * may have left it, the entries this save changed follow the user its hash records now, so that a logout
         * everywhere finds the session under that user. (A change of user by another node between that read and
         * these entries' changes, microseconds apart, can still leave the session under the previous one.)
         *
         * @param redis the client of the call
         * @param sessionThere whether Redis still holds the session, as another write left it
         * @param recordedUser reads the token of the user the session's hash records now (null for none); asked
         * only when the session is there and this save changed an entry
         */
        public void undo(UnifiedJedis redis, boolean sessionThere, Supplier<String> recordedUser)
        {
            if (addition == null && removal == null)
                return;
            String recorded = sessionThere ? recordedUser.get() : null;
            if (addition != null && !(sessionThere && Objects.equals(recorded, now)))
                index.remove(redis, now, id);
            if (removal != null && sessionThere && Objects.equals(recorded, before))
                index.add(redis, before, id, data.getExpiry());
        }

        /**
         * After the save was written: the session's copy knows the user Redis records now, a login is told
         * to the per-user limit, and a new id written while its user was logged out everywhere is told too.
         */
        public void written()
        {
            if (data instanceof StoredSessionData stored)
            {
                stored.setStoredUser(now);
                stored.setRenewal(null);
            }
            if (added && !Objects.equals(before, now))
                events.loggedIn(now, id, entries);
            if (loggedOutDuringRenewal)
                events.loggedOutDuringRenewal(now, id);
        }
    }
}
