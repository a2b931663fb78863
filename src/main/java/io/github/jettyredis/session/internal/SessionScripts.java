// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import redis.clients.jedis.util.SafeEncoder;

/**
 * The Lua scripts the store runs on one session: its hash and its tombstone (see {@link SessionKeys}), two
 * keys of one hash slot, so each script is atomic on Redis Cluster too. Their arguments and replies.
 *
 * <p>The tombstone is what lets a node tell "another node deleted this session" (never write it again)
 * from "Redis lost it" (write it back whole): every deletion writes one, for as long as the session's key
 * would have lived, and only a session created anew under the same id removes it.</p>
 */
public final class SessionScripts
{
    /** {@link #WRITE}'s modes (see there). */
    public static final String CREATE = "create";
    public static final String UPDATE = "update";
    public static final String REPLACE = "replace";
    public static final String RESTORE = "restore";
    /** The hash field where a node records that it is expiring the session. */
    public static final String EXPIRY_CLAIM_FIELD = SessionHashCodec.RESERVED + "claim";
    /** The hash field of the session's expiry, which the scripts read (see {@link SessionHashCodec#EXPIRY_FIELD}). */
    private static final String EXPIRY_FIELD = new String(SessionHashCodec.EXPIRY_FIELD, StandardCharsets.US_ASCII);
    /** The hash field of the session's content version (see {@link SessionHashCodec#VERSION_FIELD}). */
    private static final String VERSION_FIELD = new String(SessionHashCodec.VERSION_FIELD, StandardCharsets.US_ASCII);
    /** The hash field of the lease a node holds on the session (see {@link SessionHashCodec#LEASE_FIELD}). */
    private static final String LEASE_FIELD = new String(SessionHashCodec.LEASE_FIELD, StandardCharsets.US_ASCII);

    /**
     * How long after a lease's end a node whose change it refused may still be waiting to write
     * ({@code RedisSessionDataStore} gives up then), and so how long the holder cannot have that lease again.
     */
    public static final long LEASE_WAIT_SLACK_MS = 1000;

    /**
     * Lua functions of the scripts that read leases: {@code nowMs()}, Redis's clock, which alone times a
     * lease (the holder and the nodes waiting for it never compare their own clocks);
     * {@code leasedElsewhere(lease, token)}, which gives the ms until a live lease of another holder than
     * {@code token} ends, and that holder, or nothing; {@code grantable(lease, token)}, whether {@code token}
     * may have a lease now; {@code markWanted(hash, lease)}; and {@code wantedUntil(lease)}. A lease is
     * {@code <holder>@<end, ms of Redis's clock>}, with {@code !} after it once another node's change was
     * refused for it: then no node gets a lease (the holder no renewal) until {@link #LEASE_WAIT_SLACK_MS} after
     * its end, when the refused node has written or given up. So that node gets through by the end of the lease
     * it was refused for, even when the holder never hears the request to give it up (its deletion listener is
     * stalled) and keeps saving, and no third node's lease comes in its way.
     */
    private static final String LEASE_FUNCTIONS = """
        local function nowMs()
          local time = redis.call('TIME')
          return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        end
        local function parseLease(lease)
          if not lease then
            return nil
          end
          local holder, ends, wanted = string.match(lease, '^(.*)@(%%d+)(!?)$')
          return holder, tonumber(ends), wanted == '!'
        end
        local function leasedElsewhere(lease, token)
          local holder, ends = parseLease(lease)
          if not holder or holder == token then
            return nil
          end
          local wait = ends - nowMs()
          if wait <= 0 then
            return nil
          end
          return wait, holder
        end
        local function wantedUntil(lease)
          local holder, ends, wanted = parseLease(lease)
          return holder and wanted and ends + %d or 0
        end
        local function grantable(lease, token)
          local holder, ends = parseLease(lease)
          if not holder then
            return true
          end
          local wanted = wantedUntil(lease)
          if wanted > 0 then
            return wanted <= nowMs()
          end
          return holder == token or ends <= nowMs()
        end
        local function endedNow(lease)
          local holder, ends = parseLease(lease)
          return holder .. '@' .. math.min(ends, nowMs()) .. '!'
        end
        local function markWanted(hash, lease)
          if string.sub(lease, -1) ~= '!' then
            -- A full Redis (maxmemory, noeviction) refuses the mark: the refusal still stands.
            pcall(redis.call, 'HSET', hash, '%s', lease .. '!')
          end
        end
        """.formatted(LEASE_WAIT_SLACK_MS, LEASE_FIELD);

    /**
     * Writes a session, then sets its TTL (or none). Modes:
     * <ul>
     *   <li>{@code create}: a session never saved under this id. Refused if a hash of another session is
     *   there (one this node could not read must not be wiped); a retry of the same create, which finds
     *   its own metadata, goes through. Removes a tombstone: the id lives again.</li>
     *   <li>{@code update}: only the changed fields, refused if the session was deleted (tombstone) or is
     *   gone without one (lost).</li>
     *   <li>{@code replace}: the whole hash, refused only if the session was deleted.</li>
     *   <li>{@code restore}: the whole hash of a session Redis lost, written back from a node's memory with
     *   its content version; refused if the session was deleted, or if another node wrote back its own copy
     *   first and that copy's version is no earlier (versions begin with the time of their change): of the
     *   copies that several nodes hold, the one changed last is kept, whichever node gets there first.</li>
     * </ul>
     * A write that changes the session's content (ARGV[4] = 1, or any but an {@code update}) is refused while another node holds a lease
     * on the session ({@link SessionLeases}): it replies {5, ms until the lease ends, its holder}, and the writer
     * asks the holder to give it up and writes again. A writer asking for a lease (ARGV[5] ms) gets it when
     * no other node holds a live one and the hash still has the content version its copy had (ARGV[6]; for a
     * create, when there was no hash): its copy and Redis's are then the same once written. An update that
     * changes the content of a hash whose version is not its copy's (another node changed the session since the
     * copy was read) still goes in beside that change, and says so (7): the writer's copy lacks the other
     * node's change, so it must not take the new version for its own. KEYS[1] hash, KEYS[2] tombstone; ARGV[1]
     * mode; ARGV[2] TTL ms or -1; ARGV[3] the writer's lease token; ARGV[4] 1 if the write changes the content,
     * else 0; ARGV[5] the lease asked for, in ms (0: none); ARGV[6] the content version of the writer's copy
     * (empty: none known); ARGV[7] n, the number of fields to delete; ARGV[8..7+n] those fields; then field,
     * value pairs to set, the metadata field first. Replies a {@link Write} code (6: written, lease granted; 7:
     * written over a change the copy missed) or the refusal above.
     */
    public static final LuaScript WRITE = new LuaScript(2, LEASE_FUNCTIONS + """
        local mode = ARGV[1]
        local deletes = tonumber(ARGV[7])
        -- The content version Redis holds, where the write needs it: to keep the latest write-back, to grant a
        -- lease, to tell a writer whose copy missed a change.
        local current = mode ~= 'create' and (mode == 'restore' or ARGV[4] == '1' or tonumber(ARGV[5]) > 0) and
          redis.call('HGET', KEYS[1], '%s')
        if mode == 'create' then
          if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HGET', KEYS[1], ARGV[8 + deletes]) ~= ARGV[9 + deletes] then
            return 3
          end
        elseif mode == 'update' then
          -- A hash and its tombstone never both exist (a deletion removes the hash, a create the tombstone):
          -- the hash being there answers both questions, with one call.
          if redis.call('EXISTS', KEYS[1]) == 0 then
            if redis.call('EXISTS', KEYS[2]) == 1 then
              return 0
            end
            return 2
          end
        elseif redis.call('EXISTS', KEYS[2]) == 1 then
          return 0
        elseif mode == 'restore' and redis.call('EXISTS', KEYS[1]) == 1 then
          local mine = nil
          for i = 8 + deletes, #ARGV - 1, 2 do
            if ARGV[i] == '%s' then
              mine = ARGV[i + 1]
            end
          end
          if not current or not mine or mine <= current then
            return 4
          end
        end
        local lease = redis.call('HGET', KEYS[1], '%s')
        if ARGV[4] == '1' or mode ~= 'update' then
          local wait, holder = leasedElsewhere(lease, ARGV[3])
          if wait then
            markWanted(KEYS[1], lease)
            return {5, wait, holder}
          end
        end
        -- Asked before writing: whether the writer's copy is what Redis holds.
        local grant = tonumber(ARGV[5]) > 0 and mode ~= 'restore' and grantable(lease, ARGV[3]) and
          ((mode == 'create' and redis.call('EXISTS', KEYS[1]) == 0) or (mode ~= 'create' and current == ARGV[6]))
        local missed = mode == 'update' and ARGV[4] == '1' and (current or '') ~= ARGV[6]
        -- One command per 1000 arguments (an even number: field-value pairs stay together), within Lua's stack.
        local function each(command, first, last)
          for i = first, last, 1000 do
            redis.call(command, KEYS[1], unpack(ARGV, i, math.min(i + 999, last)))
          end
        end
        -- The first write is an HSET that holds the metadata: a full Redis (maxmemory, noeviction) refuses it,
        -- and so the whole script, with nothing written. Once a script has written, Redis lets it go on even when
        -- full, so a DEL or an HDEL first would let the rest through.
        if mode == 'update' then
          -- The fields deleted are never among those set: one HSET first, then the HDEL.
          each('HSET', 8 + deletes, #ARGV)
          each('HDEL', 8, 7 + deletes)
        else
          redis.call('HSET', KEYS[1], ARGV[8 + deletes], ARGV[9 + deletes])
          if mode == 'create' then
            redis.call('DEL', KEYS[2])
          end
          redis.call('DEL', KEYS[1])
          each('HSET', 8 + deletes, #ARGV)
          -- The hash's lease field went with it: a wanted lease stays, marked, for the node waiting for it; ended
          -- now if this is its holder's write (which uses it no longer), so the node waiting for it goes on at once.
          if not grant and wantedUntil(lease) > nowMs() then
            redis.call('HSET', KEYS[1], '%s', parseLease(lease) == ARGV[3] and endedNow(lease) or lease)
          end
        end
        if grant then
          redis.call('HSET', KEYS[1], '%s', ARGV[3] .. '@' .. (nowMs() + tonumber(ARGV[5])))
        end
        if tonumber(ARGV[2]) > 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        else
          redis.call('PERSIST', KEYS[1])
        end
        if grant then
          return 6
        end
        return missed and 7 or 1
        """.formatted(VERSION_FIELD, VERSION_FIELD, LEASE_FIELD, LEASE_FIELD, LEASE_FIELD));

    /**
     * Tells a node whether the copy of a session it holds is the one Redis holds, and if not, gives it Redis's
     * in the same round trip: a node serving requests that alternate with another node's finds the other
     * node's change at nearly every request. A node asking for a lease (ARGV[3] ms) gets it when Redis holds
     * its copy's version and no other node holds a live one. KEYS[1] hash; ARGV[1] the content version of the
     * copy; ARGV[2] the node's lease token; ARGV[3] the lease asked for, in ms (0: none). Replies {0, metadata,
     * 1 if the lease was granted} when Redis holds that version (metadata false if the hash has none), else {1,
     * every field and value of the hash, as HGETALL gives them} (none when there is no hash).
     */
    public static final LuaScript REFRESH = new LuaScript(1, LEASE_FUNCTIONS + """
        local fields = redis.call('HMGET', KEYS[1], '%s', '%s', '%s')
        if fields[1] == ARGV[1] then
          local granted = 0
          -- A full Redis (maxmemory, noeviction) refuses the lease, not the check.
          if tonumber(ARGV[3]) > 0 and grantable(fields[3], ARGV[2]) and
             pcall(redis.call, 'HSET', KEYS[1], '%s', ARGV[2] .. '@' .. (nowMs() + tonumber(ARGV[3]))) then
            granted = 1
          end
          return {0, fields[2], granted}
        end
        return {1, redis.call('HGETALL', KEYS[1])}
        """.formatted(VERSION_FIELD, new String(SessionHashCodec.METADATA_FIELD, StandardCharsets.US_ASCII), LEASE_FIELD, LEASE_FIELD));

    /**
     * @param reply a {@link #REFRESH} reply that found the copy current (its first element 0)
     * @return whether it granted the node the lease it asked for
     */
    public static boolean refreshGranted(List<?> reply)
    {
        return reply.size() > 2 && Long.valueOf(1).equals(reply.get(2));
    }

    /**
     * Gives up a node's lease on a session, if it still holds it (another node asked for it, or the node
     * stops); a wanted one ends now and stays marked. KEYS[1] hash; ARGV[1] the node's lease token. Replies 1 if
     * it held one, else 0.
     */
    public static final LuaScript RELEASE_LEASE = new LuaScript(1, LEASE_FUNCTIONS + """
        local lease = redis.call('HGET', KEYS[1], '%s')
        if lease and string.sub(lease, 1, #ARGV[1] + 1) == ARGV[1] .. '@' then
          local holder, ends, wanted = parseLease(lease)
          -- Ended now, still marked: no other node's lease comes in the way of the node waiting for it. (A full
          -- Redis refuses the HSET, not the HDEL: the lease then goes, mark and all.)
          if wanted and pcall(redis.call, 'HSET', KEYS[1], '%s', endedNow(lease)) then
            return 1
          end
          return redis.call('HDEL', KEYS[1], '%s')
        end
        return 0
        """.formatted(LEASE_FIELD, LEASE_FIELD, LEASE_FIELD));

    /**
     * Deletes the hash, leaves a tombstone that lives as long as the hash would have (at least ARGV[4] ms;
     * ARGV[3] ms for a hash without TTL or none at all), and, if there was a hash, announces the deletion on
     * the context's channel. With ARGV[5] set (an expiry, by a node that claimed the session), deletes only
     * if the session's stored expiry is still at or before it: one used again meanwhile is left alone. With
     * ARGV[6] set (the deleting node's lease token), refuses while another node holds a live lease on the
     * session, as a write that changes it is refused ({@link #WRITE}). KEYS[1] hash, KEYS[2] tombstone;
     * ARGV[1] channel; ARGV[2] message. Replies {the number of keys deleted, or -1 when the session was used
     * again; the hash's {@code #user} field, if it had one (the caller takes the session out of its user's
     * index, a key of another slot); 1 if there was no hash but a tombstone, else 0} (see {@link #deletion}); or
     * {-2, ms until the lease ends, its holder}.
     */
    public static final LuaScript DELETE = new LuaScript(2, LEASE_FUNCTIONS + """
        if ARGV[6] ~= '' then
          local lease = redis.call('HGET', KEYS[1], '%s')
          local wait, holder = leasedElsewhere(lease, ARGV[6])
          if wait then
            markWanted(KEYS[1], lease)
            return {-2, wait, holder}
          end
        end
        if ARGV[5] ~= '' then
          local expiry = tonumber(redis.call('HGET', KEYS[1], '#expiry'))
          if expiry and (expiry <= 0 or expiry > tonumber(ARGV[5])) then
            return {-1}
          end
        end
        local user = redis.call('HGET', KEYS[1], '%s')
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          ttl = tonumber(ARGV[3])
        end
        -- The DEL first: a full Redis (maxmemory, noeviction) refuses a SET that comes first, and so a
        -- logout; once a script has written, Redis lets it go on.
        local deleted = redis.call('DEL', KEYS[1])
        -- A hash and its tombstone never both exist: a tombstone found says someone deleted the session first.
        local deletedBefore = deleted == 0 and redis.call('EXISTS', KEYS[2]) or 0
        redis.call('SET', KEYS[2], '1', 'PX', math.max(ttl, tonumber(ARGV[4])))
        if deleted > 0 then
          redis.call('PUBLISH', ARGV[1], ARGV[2])
        end
        return {deleted, user, deletedBefore}
        """.formatted(LEASE_FIELD, new String(SessionHashCodec.USER_FIELD, StandardCharsets.US_ASCII)));

    /**
     * The claim of one session, shared by {@link #CLAIM_EXPIRY} and {@link #CLAIM_INDEXED}: a Lua function
     * {@code claim(hash, tombstone, expiredBy)} (a nil tombstone is the hash's key and {@code tombstoneSuffix}) returning a {@link Claim} code and, for a session still alive,
     * its stored expiry. The stored expiry is checked again, so a session used again since the caller looked is
     * left alone; a claim older than the hold time (its node died mid-way) can be taken over; a session that is
     * gone without a tombstone (Redis lost it) is claimed by writing the tombstone, so that one node holding a
     * copy expires it with its listeners; a key that holds something else than a session hash is reported, not
     * touched. ARGV[1] claimant; ARGV[2] now ms; ARGV[3] hold ms; ARGV[4] tombstone TTL ms.
     */
    private static final String CLAIM_ONE = """
        local claimant, stamp = ARGV[1], ARGV[1] .. '@' .. ARGV[2]
        local mine, call = ARGV[1] .. '@', redis.call
        local now, hold, tombstoneTtl = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
        -- Makes the tombstone's key from the hash's, for callers that pass none.
        local tombstoneSuffix
        local function claim(hash, tombstone, expiredBy)
          -- One read per session: a key that is no hash fails it (WRONGTYPE), a missing one reads as no fields.
          local readable, fields = pcall(call, 'HMGET', hash, '%s', '%s')
          if not readable then
            return -3
          end
          local expiry, stamped = tonumber(fields[1]), fields[2]
          if not expiry and not stamped and call('EXISTS', hash) == 0 then
            tombstone = tombstone or hash .. tombstoneSuffix
            local claimedBy = call('GET', tombstone)
            if claimedBy and claimedBy ~= claimant then
              return -1
            end
            call('SET', tombstone, claimant, 'PX', tombstoneTtl)
            return 2
          end
          if expiry and (expiry <= 0 or expiry > expiredBy) then
            return -2, expiry
          end
          -- Its own claim a node may renew; only another node's is parsed.
          if stamped and string.sub(stamped, 1, #mine) ~= mine then
            local by, at = string.match(stamped, '^(.*)@(%%d+)$')
            if by and by ~= claimant and tonumber(at) + hold > now then
              return 0
            end
          end
          call('HSET', hash, '%s', stamp)
          return 1
        end
        """.formatted(EXPIRY_FIELD, EXPIRY_CLAIM_FIELD, EXPIRY_CLAIM_FIELD);

    /**
     * Claims expired sessions for one node, so that only that node expires each and fires its listeners: a
     * batch of sessions per call, whose keys must share a hash slot on Redis Cluster (the caller groups
     * them), so that claiming thousands costs a few calls rather than thousands (each as {@code CLAIM_ONE} claims one).
     * KEYS: hash, tombstone, for each session; ARGV[1] claimant; ARGV[2] now ms; ARGV[3] hold ms; ARGV[4]
     * tombstone TTL ms; ARGV[4 + n] the latest expiry that counts as expired for the n-th session.
     * Replies one {@link Claim} per session, in order: {code} or, for a session still alive, {code, stored expiry}.
     */
    public static final LuaScript CLAIM_EXPIRY = new LuaScript(-1, CLAIM_ONE + """
        local results = {}
        for i = 1, #KEYS, 2 do
          local n = (i + 1) / 2
          local code, expiry = claim(KEYS[i], KEYS[i + 1], tonumber(ARGV[4 + n]))
          results[n] = expiry and {code, expiry} or {code}
        end
        return results
        """);

    /**
     * Claims, on a single Redis (not Cluster, where each session is a hash slot of its own), the sessions
     * that the context's expiry index says expired, reading the index itself: the caller sends no key and no
     * id, and gets back only what it needs, so that claiming thousands costs Redis one read and one write per
     * session and the caller almost nothing (each as {@code CLAIM_ONE} claims one). The session keys are made from the ids
     * read, as {@link SessionKeys} makes them: keys the call does not name, which only a single Redis allows.
     * The index is not changed, so calls for consecutive ranks, pipelined, claim consecutive entries. KEYS[1]
     * the expiry index; ARGV[1..4] as {@link #CLAIM_EXPIRY}'s; ARGV[5] the latest expiry that counts as
     * expired; ARGV[6] the rank of the first entry to claim among those indexed at or before it (soonest
     * first) and ARGV[7] how many; ARGV[8] what a session's key has before its id, ARGV[9] after it, ARGV[10]
     * what its tombstone's key has after the session's key. Replies two lists: the ids {@link Claim#CLAIMED}
     * (nearly all, in a large claim: a reply a third the size), and, flat, three values per other entry: id,
     * {@link Claim} code, stored expiry (0 unless {@link Claim#ALIVE}).
     */
    public static final LuaScript CLAIM_INDEXED = new LuaScript(1, CLAIM_ONE + """
        -- By rank, which Redis finds in log time (an offset into a score range costs as many steps as it skips): the
        -- entries indexed at or before the expiry are the first ones, as many as it counts now.
        local expiredBy = tonumber(ARGV[5])
        local last = math.min(ARGV[6] + ARGV[7], redis.call('ZCOUNT', KEYS[1], '-inf', ARGV[5])) - 1
        -- The claimed ids alone: nearly every entry, whose code the caller knows; the others with theirs.
        local claimed, others = {}, {}
        if last < tonumber(ARGV[6]) then
          return {claimed, others}
        end
        tombstoneSuffix = ARGV[10]
        for _, id in ipairs(redis.call('ZRANGE', KEYS[1], ARGV[6], last)) do
          local code, expiry = claim(ARGV[8] .. id .. ARGV[9], nil, expiredBy)
          if code == 1 then
            claimed[#claimed + 1] = id
          else
            local n = #others
            others[n + 1], others[n + 2], others[n + 3] = id, code, expiry or 0
          end
        end
        return {claimed, others}
        """);

    /** What a {@link #WRITE} did. */
    public enum Write
    {
        /** Refused: another node deleted the session (its tombstone is there). */
        DELETED,
        /** Written. */
        WRITTEN,
        /** Refused: an update of a session Redis no longer has, and no node deleted: Redis lost it. */
        LOST,
        /** Refused: a create over the hash of a session that is already there. */
        TAKEN,
        /** Refused: a write-back of a session Redis lost, over a copy that another node wrote back and changed no earlier. */
        SUPERSEDED,
        /** Refused: a change while another node holds a lease on the session (see {@link #leaseRefusal}). */
        LEASED,
        /**
         * Written, beside a change of another node that the writer's copy had not seen (an update: Redis holds
         * both changes, the copy only its own, so it is no longer a copy of what Redis holds).
         */
        MERGED;

        /** The code of a write that also granted the writer a lease. */
        private static final long WRITTEN_LEASED = 6;
        /** The code of {@link #MERGED}. */
        private static final long WRITTEN_MERGED = 7;

        /**
         * @param reply what a {@link #WRITE} replied
         * @return what it did
         */
        public static Write of(Object reply)
        {
            if (reply instanceof List<?>)
                return LEASED;
            long code = (Long)reply;
            if (code == WRITTEN_LEASED)
                return WRITTEN;
            return code == WRITTEN_MERGED ? MERGED : values()[(int)code];
        }

        /** @return whether the write went in ({@link #WRITTEN} or {@link #MERGED}) */
        public boolean isWritten()
        {
            return this == WRITTEN || this == MERGED;
        }

        /**
         * @param reply what a {@link #WRITE} or {@link #REFRESH} replied
         * @return whether it granted the writer a lease
         */
        public static boolean granted(Object reply)
        {
            return reply instanceof Long code && code == WRITTEN_LEASED;
        }
    }

    /**
     * A change refused because another node holds a lease on the session.
     *
     * @param waitMs how long the lease lives yet, by Redis's clock
     * @param holder the holder's lease token
     */
    public record LeaseRefusal(long waitMs, String holder)
    {
    }

    /**
     * @param reply what a {@link #WRITE} or {@link #DELETE} replied
     * @return the lease that refused it, or null if none did
     */
    public static LeaseRefusal leaseRefusal(Object reply)
    {
        if (!(reply instanceof List<?> parts) || parts.size() != 3 || !(parts.get(2) instanceof byte[] holder))
            return null;
        return new LeaseRefusal((Long)parts.get(1), new String(holder, StandardCharsets.UTF_8));
    }

    /**
     * What a {@link #DELETE} did, and what taking the session out of its user's index found.
     *
     * @param result the number of keys deleted, or -1 when the session was used again (not deleted)
     * @param userToken the token of the session's user, from its hash's {@code #user} field; null for none
     * @param deletedBefore whether the session was already deleted (invalidated or expired, by this node or
     * another): no hash, but a tombstone; false for a session Redis lost, which has neither
     * @param userLogoutMark the user's logout mark ({@link UserIndex}) when the session left the user's index;
     * null for none, or if it did not leave one
     */
    public record Deletion(long result, String userToken, boolean deletedBefore, String userLogoutMark)
    {
        /**
         * @param mark the user's logout mark when the session left the user's index
         * @return this deletion, with that mark
         */
        public Deletion withUserLogoutMark(String mark)
        {
            return new Deletion(result, userToken, deletedBefore, mark);
        }

        /**
         * @return this deletion, telling no user: for one whose removal from its user's index failed, so that the
         * user's logout mark is unknown, and a renewal's write does not take a mark it finds for a logout
         * everywhere that came between its two steps
         */
        public Deletion withoutUser()
        {
            return new Deletion(result, null, deletedBefore, null);
        }
    }

    /**
     * @param reply what a {@link #DELETE} returned
     * @return what it did
     */
    public static Deletion deletion(Object reply)
    {
        List<?> parts = (List<?>)reply;
        // Lua's false (no #user field) comes back as a null reply.
        Object user = parts.size() > 1 ? parts.get(1) : null;
        return new Deletion((Long)parts.get(0), user instanceof byte[] bytes ? new String(bytes, StandardCharsets.US_ASCII) : null,
            parts.size() > 2 && Long.valueOf(1).equals(parts.get(2)), null);
    }

    /** What a {@link #CLAIM_EXPIRY} found. */
    public enum Claim
    {
        /** Claimed: this node expires the session and fires its listeners. */
        CLAIMED,
        /** Claimed a session Redis lost: this node fires the listeners of the copy it holds, if any. */
        CLAIMED_LOST,
        /** Another node is expiring it. */
        HELD_ELSEWHERE,
        /** Deleted by a node: nothing to fire, nothing to delete. */
        GONE,
        /** Used again since it was found: not expired. */
        ALIVE,
        /** The key holds something other than a session hash: left alone. */
        NOT_A_SESSION;

        /**
         * @param code a claim code, as {@link #CLAIM_INDEXED} replies it
         * @return what it means
         */
        public static Claim of(long code)
        {
            return switch ((int)code)
            {
                case 1 -> CLAIMED;
                case 2 -> CLAIMED_LOST;
                case 0 -> HELD_ELSEWHERE;
                case -1 -> GONE;
                case -2 -> ALIVE;
                case -3 -> NOT_A_SESSION;
                default -> throw new IllegalArgumentException("Unknown claim reply " + code);
            };
        }
    }

    private SessionScripts()
    {
    }

    /**
     * @param keys the session's keys
     * @param id the session id
     * @param mode {@code create}, {@code update}, {@code replace} or {@code restore}
     * @param delta what to write
     * @param ttlMs the key's TTL, or -1 for none
     * @param lease the writer's lease token and the lease it asks for
     * @param baseVersion the content version of the writer's copy before this write (null: none known, a new
     * session)
     * @return the arguments of a {@link #WRITE}
     */
    public static byte[][] writeArgs(SessionKeys keys, String id, String mode, SessionDelta delta, long ttlMs, LeaseRequest lease,
                                     String baseVersion)
    {
        Map<byte[], byte[]> set = delta.set();
        byte[][] args = new byte[2 + 7 + delta.deleted().size() + 2 * set.size()][];
        int i = 0;
        args[i++] = keys.session(id);
        args[i++] = keys.tombstone(id);
        args[i++] = SafeEncoder.encode(mode);
        args[i++] = SafeEncoder.encode(Long.toString(ttlMs));
        args[i++] = SafeEncoder.encode(lease.token());
        // A new content version: what other nodes' copies must not miss (the script takes any whole write for one).
        args[i++] = delta.version() != null ? ONE : ZERO;
        args[i++] = SafeEncoder.encode(Long.toString(lease.ms()));
        args[i++] = baseVersion == null ? new byte[0] : SafeEncoder.encode(baseVersion);
        args[i++] = SafeEncoder.encode(Integer.toString(delta.deleted().size()));
        for (byte[] field : delta.deleted())
            args[i++] = field;
        for (Map.Entry<byte[], byte[]> field : set.entrySet())
        {
            args[i++] = field.getKey();
            args[i++] = field.getValue();
        }
        return args;
    }

    /**
     * @param keys the session's keys
     * @param id the session id
     * @param sender how the deleting store signs the deletion message (see {@link DeletionListener#message})
     * @param tombstoneFallbackMs how long the tombstone lives when the hash has no TTL
     * @param tombstoneLeastMs how long it lives at least
     * @param expiredBy for a session this node claimed to expire, the latest expiry that still counts as
     * expired; 0 to delete whatever the expiry
     * @param leaseToken the deleting node's lease token, for a deletion that waits for other nodes' leases (an
     * invalidation, a new id); null for one that does not (an expiry, whose holders' copies are expired too)
     * @return the arguments of a {@link #DELETE}
     */
    public static byte[][] deleteArgs(SessionKeys keys, String id, String sender, long tombstoneFallbackMs, long tombstoneLeastMs, long expiredBy,
                                      String leaseToken)
    {
        return new byte[][]{keys.session(id), keys.tombstone(id), SafeEncoder.encode(keys.deletionChannel()), DeletionListener.message(sender, id),
            number(tombstoneFallbackMs), number(tombstoneLeastMs), expiredBy > 0 ? number(expiredBy) : new byte[0],
            leaseToken == null ? new byte[0] : SafeEncoder.encode(leaseToken)};
    }

    /**
     * @param keys the session's keys
     * @param id the session id
     * @param token the lease token of the node giving it up
     * @return the arguments of a {@link #RELEASE_LEASE}
     */
    public static byte[][] releaseArgs(SessionKeys keys, String id, String token)
    {
        return new byte[][]{keys.session(id), SafeEncoder.encode(token)};
    }

    /**
     * @param keys the session's keys
     * @param id the session id
     * @param version the content version of the node's copy
     * @param lease the node's lease token and the lease it asks for
     * @return the arguments of a {@link #REFRESH}
     */
    public static byte[][] refreshArgs(SessionKeys keys, String id, byte[] version, LeaseRequest lease)
    {
        return new byte[][]{keys.session(id), version, SafeEncoder.encode(lease.token()), SafeEncoder.encode(Long.toString(lease.ms()))};
    }

    /**
     * What a node writing or checking a session asks of leases.
     *
     * @param token the node's lease token (its store's), which also lets its own lease never stop it
     * @param ms how long a lease it asks for lasts, 0 for none
     * @param keepsHeld whether the node holds a lease on the session that this write leaves as it is (asks for
     * none, and a reply without one does not end it)
     */
    public record LeaseRequest(String token, long ms, boolean keepsHeld)
    {
        /**
         * @param token the node's lease token
         * @param ms how long the lease asked for lasts
         * @return a request for a lease
         */
        public static LeaseRequest asking(String token, long ms)
        {
            return new LeaseRequest(token, ms, false);
        }

        /**
         * @param token the node's lease token
         * @return a request for no lease
         */
        public static LeaseRequest none(String token)
        {
            return new LeaseRequest(token, 0, false);
        }

        /**
         * @param token the node's lease token
         * @return a write's request for no new lease by a node that holds one on the session, which stays
         */
        public static LeaseRequest keeping(String token)
        {
            return new LeaseRequest(token, 0, true);
        }
    }

    /**
     * @param keys the context's keys
     * @param due the sessions to claim, to the latest expiry that counts as expired for each, in call order
     * @param claimant who claims
     * @param now now
     * @param holdMs how long a claim stops others
     * @param tombstoneMs how long the tombstone of a session Redis lost lives, once claimed
     * @return the arguments of one {@link #CLAIM_EXPIRY}: the keys first, {@code 2 * due.size()} of them
     */
    public static byte[][] claimArgs(SessionKeys keys, Map<String, Long> due, String claimant, long now, long holdMs, long tombstoneMs)
    {
        byte[][] args = new byte[3 * due.size() + 4][];
        int key = 0;
        int arg = 2 * due.size();
        args[arg++] = SafeEncoder.encode(claimant);
        args[arg++] = number(now);
        args[arg++] = number(holdMs);
        args[arg++] = number(tombstoneMs);
        for (Map.Entry<String, Long> session : due.entrySet())
        {
            args[key++] = keys.session(session.getKey());
            args[key++] = keys.tombstone(session.getKey());
            args[arg++] = number(session.getValue());
        }
        return args;
    }

    /**
     * @param keys the context's keys
     * @param claimant who claims
     * @param now now
     * @param holdMs how long a claim stops others
     * @param tombstoneMs how long the tombstone of a session Redis lost lives, once claimed
     * @param expiredBy the latest expiry that counts as expired
     * @param offset the rank in the index of the first entry to claim, soonest first
     * @param count how many to claim at most
     * @return the arguments of one {@link #CLAIM_INDEXED}
     */
    public static byte[][] claimIndexedArgs(SessionKeys keys, String claimant, long now, long holdMs, long tombstoneMs, long expiredBy,
                                            int offset, int count)
    {
        return new byte[][]{keys.expiryIndex(), SafeEncoder.encode(claimant), number(now), number(holdMs), number(tombstoneMs),
            number(expiredBy), number(offset), number(count), keys.sessionKeyHead(), keys.sessionKeyTail(), keys.tombstoneSuffix()};
    }

    /**
     * @param reply one session's part of a {@link #CLAIM_EXPIRY} reply
     * @return the stored expiry of a session found {@link Claim#ALIVE}
     */
    public static long aliveExpiry(Object reply)
    {
        return (Long)((List<?>)reply).get(1);
    }

    /**
     * @param reply one session's part of a {@link #CLAIM_EXPIRY} reply
     * @return what the claim found
     */
    public static Claim claim(Object reply)
    {
        return Claim.of((Long)((List<?>)reply).get(0));
    }

    private static final byte[] ONE = {'1'};
    private static final byte[] ZERO = {'0'};

    private static byte[] number(long value)
    {
        return SafeEncoder.encode(Long.toString(value));
    }
}
