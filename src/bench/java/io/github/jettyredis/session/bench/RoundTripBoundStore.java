// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.AbstractSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionManager;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

/**
 * Not a session store: the cheapest thing a Redis session store could do per request, to bound what any
 * store can reach end to end. Sessions stay in the node's {@code DefaultSessionCache} only; a save that
 * changed attributes makes {@code roundTrips} plain Jedis round trips of a few bytes each (an {@code HGET}
 * first when there are two, as a check would, then an {@code HSET} of one small field), and nothing else:
 * no encoding, no script, no passivation listeners (it says it is not passivating), no expiry, nothing read
 * back. Jetty's second save of a request (at exit, only its times changed) sends nothing, as this project's
 * store does not send it either. Whatever a real store does costs at least this.
 */
final class RoundTripBoundStore extends AbstractSessionDataStore
{
    private static final byte[] VERSION = "#version".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FIELD = "counter".getBytes(StandardCharsets.US_ASCII);

    private final String uri;
    private final int roundTrips;
    private final String prefix;
    private RedisClient redis;

    private RoundTripBoundStore(String uri, int roundTrips, String prefix)
    {
        this.uri = uri;
        this.roundTrips = roundTrips;
        this.prefix = prefix;
    }

    /** Makes a store per context, as a deployment's factory does. */
    static final class Factory extends AbstractSessionDataStoreFactory
    {
        private final String uri;
        private final int roundTrips;
        private final String prefix;

        /**
         * @param uri the Redis to talk to
         * @param roundTrips 1 (a save) or 2 (a check and a save) per request that changes its session
         * @param prefix the keys' prefix
         */
        Factory(String uri, int roundTrips, String prefix)
        {
            if (roundTrips < 1 || roundTrips > 2)
                throw new IllegalArgumentException("1 or 2 round trips, not " + roundTrips);
            this.uri = uri;
            this.roundTrips = roundTrips;
            this.prefix = prefix;
        }

        @Override
        public SessionDataStore getSessionDataStore(SessionManager manager)
        {
            return new RoundTripBoundStore(uri, roundTrips, prefix);
        }
    }

    @Override
    protected void doStart() throws Exception
    {
        // Jedis's defaults, as a user of it would start: a pool of 8 connections per node, enough for the 16
        // clients spread over two nodes.
        URI address = URI.create(uri);
        redis = RedisClient.builder().hostAndPort(new HostAndPort(address.getHost(), address.getPort())).build();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        redis.close();
    }

    @Override
    public boolean isPassivating()
    {
        return false;
    }

    @Override
    public SessionData doLoad(String id)
    {
        return null;
    }

    @Override
    public void doStore(String id, SessionData data, long lastSaveTime)
    {
        if (!data.isDirty())
            return;
        byte[] key = (prefix + id).getBytes(StandardCharsets.US_ASCII);
        if (roundTrips == 2)
            redis.hget(key, VERSION);
        Object counter = data.getAttribute("counter");
        redis.hset(key, FIELD, String.valueOf(counter).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public boolean doExists(String id)
    {
        return false;
    }

    @Override
    public boolean delete(String id)
    {
        return true;
    }

    @Override
    public Set<String> doCheckExpired(Set<String> candidates, long time)
    {
        return candidates;
    }

    @Override
    public Set<String> doGetExpired(long before)
    {
        return Set.of();
    }

    @Override
    public void doCleanOrphans(long time)
    {
    }
}
