// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.codec.proto.SessionMetadata;
import io.github.jettyredis.session.internal.LoggedId;
import io.github.jettyredis.session.internal.RedisCalls;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.internal.SessionThreads;
import io.github.jettyredis.session.internal.UserIndex;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

/**
 * The sessions of one context by user, across the cluster, for the application and for operators (a JMX
 * bean of its {@link RedisSessionDataStore}, {@link RedisSessionDataStore#getUserSessions()}; there only
 * with {@code userSessions} on). Invalidations go through this node's session cache, as a request's would:
 * {@code sessionDestroyed} fires once per session, here, and the other nodes drop their copies.
 *
 * <p>Also enforces {@code maxSessionsPerUser} after a save that gave a user one more session, and invalidates a
 * session that got a new id while its user was logged out everywhere: off the saving thread, which holds that
 * session's lock (a login on another node may be invalidating this one).</p>
 */
@ManagedObject("Sessions of one context by user")
public class UserSessions extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(UserSessions.class);
    /** A logout everywhere reads the user's sessions again while some it read were gone when it came to them; so many times at most. */
    private static final int MAX_LOGOUT_PASSES = 5;

    private final SessionOperations operations;
    private final SessionKeys keys;
    private final RedisCalls calls;
    private final UserIndex index;
    private final SessionHashCodec codec;
    private final int maxSessionsPerUser;
    private final MaxSessionsPolicy policy;
    private ExecutorService offThread;

    /**
     * @param context the context whose sessions these are
     * @param keys its key layout
     * @param calls how to reach Redis
     * @param index the sessions by user
     * @param codec reads the sessions' metadata
     * @param maxSessionsPerUser the most sessions a user may have; 0 for no limit
     * @param policy what happens when a user gets one more
     */
    UserSessions(SessionContext context, SessionKeys keys, RedisCalls calls, UserIndex index, SessionHashCodec codec,
                 int maxSessionsPerUser, MaxSessionsPolicy policy)
    {
        this.operations = new SessionOperations(context);
        this.keys = keys;
        this.calls = calls;
        this.index = index;
        this.codec = codec;
        this.maxSessionsPerUser = maxSessionsPerUser;
        this.policy = policy;
    }

    @Override
    protected void doStart() throws Exception
    {
        // Its thread starts with its first task: the first login over the limit, or the first session caught above.
        offThread = SessionThreads.scheduler("redis-user-sessions" + keys.context());
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        if (offThread != null)
        {
            offThread.shutdown();
            if (!offThread.awaitTermination(5, TimeUnit.SECONDS))
                offThread.shutdownNow();
            offThread = null;
        }
        super.doStop();
    }

    /**
     * The sessions Redis holds for a user: one read of the user's index, then the metadata of each, pipelined.
     * Sessions that ended but are still indexed (a node stopped before taking the entry out) are left out.
     *
     * @param user the user's name, as the container's authentication or the configured attribute gives it
     * @return the user's live sessions, least recently used first
     */
    public List<UserSession> list(String user)
    {
        return read(SessionKeys.userToken(user), false);
    }

    /**
     * @param user the user's name
     * @return how many live sessions the user has
     */
    @ManagedOperation(value = "Number of live sessions of a user", impact = "INFO")
    public int count(@Name("user") String user)
    {
        return list(user).size();
    }

    /**
     * @param user the user's name
     * @return one line per session of the user: id, created, last accessed, last node, max inactive (what
     * {@link #list(String)} gives, for a JMX console)
     */
    @ManagedOperation(value = "Sessions of a user: id, created, last accessed, last node, max inactive ms", impact = "INFO")
    public String[] sessionsOf(@Name("user") String user)
    {
        return list(user).stream()
            .map(session -> String.format("id=%s created=%s lastAccessed=%s lastNode=%s maxInactiveMs=%d", session.id(),
                Instant.ofEpochMilli(session.created()), Instant.ofEpochMilli(session.lastAccessed()), session.lastNode(), session.maxInactiveMs()))
            .toArray(String[]::new);
    }

    /**
     * Invalidates one session, on whichever node it lives: loaded through this node's cache and invalidated
     * as {@code HttpSession.invalidate} would.
     *
     * @param id the session id (without the node suffix of the cookie)
     * @return false if there is no such session
     * @throws Exception if the session cannot be loaded
     */
    @ManagedOperation(value = "Invalidate one session", impact = "ACTION")
    public boolean invalidate(@Name("id") String id) throws Exception
    {
        return operations.invalidateSession(id);
    }

    /**
     * Invalidates every session of a user across the cluster (a log-out everywhere). A session that gets a new id
     * (changeSessionId, a form login) meanwhile is invalidated under its new id too: read again under it when it
     * was gone under the old one by the time this came to it, or, when the new id came between two steps of this
     * node, invalidated by the node that gave it, as soon as it is written (not counted here).
     *
     * @param user the user's name
     * @return how many sessions were invalidated (one given a new id meanwhile may count twice; one still in Redis
     * afterwards, its deletion having failed, does not count)
     * @throws Exception if a session cannot be loaded
     */
    @ManagedOperation(value = "Invalidate every session of a user, on every node", impact = "ACTION")
    public int invalidateAll(@Name("user") String user) throws Exception
    {
        String userToken = SessionKeys.userToken(user);
        Set<String> tried = new HashSet<>();
        Set<String> invalidated = new HashSet<>();
        for (int pass = 0; pass < MAX_LOGOUT_PASSES; pass++)
        {
            // Done only once a read finds no session not tried yet: a session given a new id on another node after
            // a read, both steps of it, is not told apart from a login by the logout mark, and its invalidation
            // under the old id finds it gone without an error; the next read finds it under the new one. One whose
            // deletion failed (Jetty logs it, and leaves the session invalid in memory) is not tried again.
            List<UserSession> sessions = read(userToken, true);
            List<String> left = sessions.stream().map(UserSession::id).filter(tried::contains).toList();
            sessions.removeIf(session -> !tried.add(session.id()));
            if (sessions.isEmpty())
            {
                if (!left.isEmpty())
                {
                    LOG.warn("{} sessions of a user of {} are still in Redis after they were invalidated (see the warnings before " +
                        "this); call again", left.size(), keys.context());
                    left.forEach(invalidated::remove);
                }
                return invalidated.size();
            }
            for (UserSession session : sessions)
            {
                if (invalidate(session.id()))
                    invalidated.add(session.id());
            }
        }
        LOG.warn("The sessions of a user of {} kept changing ids while they were all being invalidated: {} passes made, " +
            "{} sessions invalidated; call again", keys.context(), MAX_LOGOUT_PASSES, invalidated.size());
        return invalidated.size();
    }

    /**
     * Invalidates, off this thread, a session given a new id while its user was logged out everywhere (see
     * {@link UserIndex}): the logout found it under neither id.
     *
     * @param id its new id
     */
    void loggedOutDuringRenewal(String id)
    {
        LOG.info("Session {} of {} got a new id while its user was being logged out everywhere: invalidated", LoggedId.of(id), keys.context());
        runOffThread(() -> invalidate(id), "Cannot invalidate session " + LoggedId.of(id) + " of " + keys.context() +
            ", which got a new id while its user was being logged out everywhere");
    }

    /** @return the most sessions a user may have, 0 for no limit */
    @ManagedAttribute(value = "most sessions per user (0: no limit)", readonly = true)
    public int getMaxSessionsPerUser()
    {
        return maxSessionsPerUser;
    }

    /** @return what happens when a user gets one more session than the maximum */
    @ManagedAttribute(value = "when a user exceeds the maximum: invalidate-oldest or refuse", readonly = true)
    public String getWhenMaxSessionsExceeded()
    {
        return policy.configName();
    }

    /**
     * @param user the user's name
     * @param exceptId a session not to count (the one logging in), or null
     * @return whether the user has as many sessions as allowed already (never with no limit)
     */
    boolean isAtMaximum(String user, String exceptId)
    {
        if (maxSessionsPerUser <= 0)
            return false;
        return list(user).stream().filter(session -> !session.id().equals(exceptId)).count() >= maxSessionsPerUser;
    }

    /** @return the policy configured */
    MaxSessionsPolicy policy()
    {
        return policy;
    }

    /**
     * Called after a save gave a user a session: when the user's index now holds more than the maximum, the
     * policy is applied off this thread.
     *
     * @param userToken the user's token
     * @param id the session that was added
     * @param entries how many entries the user's index holds now (some may be of sessions that just ended)
     */
    void added(String userToken, String id, long entries)
    {
        if (maxSessionsPerUser <= 0 || entries <= maxSessionsPerUser)
            return;
        runOffThread(() -> enforce(userToken, id), "Cannot enforce maxSessionsPerUser=" + maxSessionsPerUser + " after session " +
            LoggedId.of(id) + " of " + keys.context() + " was logged in");
    }

    /** A task that may fail, run off the saving thread. */
    @FunctionalInterface
    private interface Task
    {
        void run() throws Exception;
    }

    private void runOffThread(Task task, String failure)
    {
        ExecutorService offThread = this.offThread;
        if (offThread == null)
            return;
        offThread.execute(() ->
        {
            try
            {
                task.run();
            }
            catch (Exception e)
            {
                LOG.warn(failure, e);
            }
        });
    }

    private void enforce(String userToken, String id) throws Exception
    {
        List<UserSession> sessions = read(userToken, false);
        if (sessions.size() <= maxSessionsPerUser)
            return;
        if (policy == MaxSessionsPolicy.REFUSE)
        {
            LOG.info("Session {} of {} made its user's sessions more than maxSessionsPerUser={}: invalidated (refuse)", LoggedId.of(id),
                keys.context(), maxSessionsPerUser);
            invalidate(id);
            return;
        }
        UserSession added = sessions.stream().filter(session -> session.id().equals(id)).findFirst().orElse(null);
        if (added == null)
            return;
        // Not one whose last request began after this login's: when the user logs in on two nodes at once, each
        // node would otherwise invalidate the other's new session, leaving the user none. So the later login stays,
        // and the earlier goes (the later's node invalidates it). A device whose request began while this login's
        // ran stays too, and the user has one session over the maximum until the next login: the lesser harm.
        List<UserSession> others = new ArrayList<>(sessions);
        others.removeIf(session -> session.id().equals(id) || session.lastAccessed() >= added.lastAccessed());
        others.sort(Comparator.comparingLong(UserSession::lastAccessed));
        for (UserSession oldest : others.subList(0, Math.min(others.size(), sessions.size() - maxSessionsPerUser)))
        {
            LOG.info("Session {} of {} invalidated: its user logged in once more than maxSessionsPerUser={} (invalidate-oldest)",
                LoggedId.of(oldest.id()), keys.context(), maxSessionsPerUser);
            invalidate(oldest.id());
        }
    }

    /**
     * @param forLogout whether the read is a logout everywhere's, which leaves the user's logout mark
     * @return the user's live sessions, least recently used first
     */
    private List<UserSession> read(String userToken, boolean forLogout)
    {
        return calls.run(redis ->
        {
            Map<String, Double> entries = forLogout ? index.entriesForLogout(redis, userToken) : index.entries(redis, userToken);
            Map<String, Response<byte[]>> metadata = new LinkedHashMap<>();
            try (AbstractPipeline pipeline = redis.pipelined())
            {
                for (String id : entries.keySet())
                    metadata.put(id, pipeline.hget(keys.session(id), SessionHashCodec.METADATA_FIELD));
                pipeline.sync();
            }
            List<UserSession> sessions = new ArrayList<>();
            long now = System.currentTimeMillis();
            metadata.forEach((id, reply) ->
            {
                SessionMetadata meta = codec.decodeMetadataOrUnknown(reply.get());
                // Gone (deleted, or expired with its key), unreadable, or past its expiry (about to be scavenged).
                if (meta == null || meta.getFormat() == 0 || (meta.getExpiry() > 0 && meta.getExpiry() <= now))
                    return;
                sessions.add(new UserSession(id, meta.getCreated(), meta.getAccessed(), meta.hasLastNode() ? meta.getLastNode() : null,
                    meta.getMaxInactiveMs(), meta.getExpiry()));
            });
            sessions.sort(Comparator.comparingLong(UserSession::lastAccessed));
            return sessions;
        });
    }
}
