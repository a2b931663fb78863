// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.AbstractSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionManager;
import redis.clients.jedis.AbstractPipeline;
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
 * <p>
 * With no round trip on the request's thread ({@code roundTrips} 0, write-behind), a save only queues its
 * {@code HSET}; one writer thread sends whatever is queued in one pipeline, waits for the replies, and goes
 * again. That bounds a store that answers before its save is in Redis and shares its writes: the request's
 * thread never waits for Redis, and many requests' writes share one write and one read of the socket. (It
 * gives up what this project's store promises: a save in Redis before the response commits.)
 */
final class RoundTripBoundStore extends AbstractSessionDataStore
{
    private static final byte[] VERSION = "#version".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FIELD = "counter".getBytes(StandardCharsets.US_ASCII);

    private final String uri;
    private final int roundTrips;
    private final String prefix;
    private RedisClient redis;
    // Write-behind only: the keys and values to write, and the thread that writes them.
    private final BlockingQueue<byte[][]> queued = new LinkedBlockingQueue<>();
    private Thread writer;

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
         * @param roundTrips 1 (a save) or 2 (a check and a save) per request that changes its session, or 0
         * (the save queued, and written behind)
         * @param prefix the keys' prefix
         */
        Factory(String uri, int roundTrips, String prefix)
        {
            if (roundTrips < 0 || roundTrips > 2)
                throw new IllegalArgumentException("0, 1 or 2 round trips, not " + roundTrips);
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
        if (roundTrips == 0)
        {
            writer = new Thread(this::writeBehind, "bound-write-behind");
            writer.setDaemon(true);
            writer.start();
        }
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        if (writer != null)
        {
            writer.interrupt();
            writer.join(10_000);
            writer = null;
        }
        redis.close();
    }

    /** Sends what is queued, all of it in one pipeline, until interrupted. */
    private void writeBehind()
    {
        List<byte[][]> batch = new ArrayList<>();
        try
        {
            while (true)
            {
                batch.add(queued.take());
                queued.drainTo(batch, 1023);
                try (AbstractPipeline pipeline = redis.pipelined())
                {
                    for (byte[][] write : batch)
                        pipeline.hset(write[0], FIELD, write[1]);
                    pipeline.sync();
                }
                batch.clear();
            }
        }
        catch (InterruptedException e)
        {
            // Stopped.
        }
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
        if (roundTrips == 0)
        {
            queued.add(new byte[][]{key, String.valueOf(data.getAttribute("counter")).getBytes(StandardCharsets.US_ASCII)});
            return;
        }
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
