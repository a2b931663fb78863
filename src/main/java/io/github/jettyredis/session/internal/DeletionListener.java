// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * Hears the session deletions (invalidations, expiries, new ids) that nodes announce, for every context of
 * this server whose store uses one Redis client, so that a node holding a deleted session in memory drops
 * it at once. Deletions are published by the store's delete script on the channel
 * {@code <prefix><context>:deleted} (plain pub/sub: no keyspace notifications, no CONFIG). The same channel
 * carries the requests of nodes waiting for another node's lease on a session to give it up
 * ({@link SessionLeases}).
 *
 * <p>One connection of its own serves every context, whatever their number: a subscribed connection can do
 * nothing else, so it is not taken from the client's pool (see
 * {@link io.github.jettyredis.session.client.RedisClientFactory#openSubscriberConnection}), unless the client
 * factory opens none: then one is taken out of the pool for good, and given back to be closed. Something is
 * asked of it every heartbeat, and a connection that stays silent for longer than its read timeout (a NAT or load
 * balancer that forgot the idle flow) is taken for dead; the listener then connects again, and each
 * context, told that it listens again, catches up on what it may have missed.</p>
 */
public final class DeletionListener implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(DeletionListener.class);
    private static final long RESUBSCRIBE_DELAY_MS = 1000;
    private static final char REVOCATION = '!';
    /** How long {@link #close()} waits for a heartbeat under way, and then for the listening thread. */
    private static final long CLOSE_WAIT_MS = TimeUnit.SECONDS.toMillis(5);

    private final UnifiedJedis redis;
    private final Supplier<Connection> connections;
    private final String address;
    private final Map<String, Registration> channels = new ConcurrentHashMap<>();
    // The one thread that writes to the subscribed connection (heartbeats, channels added and removed):
    // Jedis does not serialize concurrent writes on it.
    private final ScheduledExecutorService writer;
    private volatile Subscriber current;
    private volatile Connection connection;
    private volatile boolean running;
    private boolean warnedOfPooledConnection;
    private Thread thread;

    /**
     * @param redis the client whose Redis to listen to
     * @param connections opens a connection of its own to that Redis, or gives null to subscribe through the
     * client (which then holds one of its pooled connections)
     * @param address the Redis address, for the log
     * @param heartbeatMs how often to ask something of the subscribed connection
     */
    DeletionListener(UnifiedJedis redis, Supplier<Connection> connections, String address, long heartbeatMs)
    {
        this.redis = redis;
        this.connections = connections;
        this.address = address;
        this.writer = SessionThreads.scheduler("redis-session-deletions-heartbeat");
        writer.scheduleWithFixedDelay(this::heartbeat, heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
    }

    /**
     * @param sender the node that deleted the session
     * @param id the session id
     * @return the message announcing the deletion
     */
    static byte[] message(String sender, String id)
    {
        return (sender + "\n" + id).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param holder the lease token of the node holding a lease on the session
     * @param id the session id
     * @return the message asking that node to give its lease up (see {@link SessionLeases}), on the same
     * channel as deletions: the marker tells it from a deletion, whose sender is a UUID
     */
    static byte[] revocation(String holder, String id)
    {
        return (REVOCATION + holder + "\n" + id).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Listens on a channel from now on.
     *
     * @param channel a context's deletion channel
     * @param sender how that context's store signs its own messages, which it is not told of
     * @param onDeleted told the id of each session another node deleted
     * @param onRevoked told the id of each session whose lease another node asks this store to give up
     * @param onListening run each time the channel is subscribed, at first and after a reconnection: what
     * was published in between was missed
     * @param onLost run each time the connection is lost (before {@code onListening} runs again)
     */
    public synchronized void register(String channel, String sender, Consumer<String> onDeleted, Consumer<String> onRevoked,
                                      Runnable onListening, Runnable onLost)
    {
        channels.put(channel, new Registration(sender, onDeleted, onRevoked, onListening, onLost));
        if (thread == null)
        {
            running = true;
            thread = new Thread(this::listen, "redis-session-deletions");
            thread.setDaemon(true);
            thread.start();
        }
        else
        {
            writer.execute(() ->
            {
                Subscriber subscriber = current;
                if (subscriber != null)
                    subscriber.send(subscribed -> subscribed.subscribe(channel));
            });
        }
    }

    /** @param channel a channel given to {@link #register}, no longer listened to */
    public synchronized void unregister(String channel)
    {
        channels.remove(channel);
        writer.execute(() ->
        {
            Subscriber subscriber = current;
            if (subscriber != null)
                subscriber.send(subscribed -> subscribed.unsubscribe(channel));
        });
    }

    /**
     * Subscribes to the channels registered since the connection was made (a context that started while it
     * was being made), or else again to one it listens to already: Redis confirms, which is traffic a
     * healthy connection always gets back within a heartbeat. (Not PING: Jedis registers the handler of a
     * PING's reply only after sending it, and over RESP3 the reply can arrive first, which ends the
     * subscription.)
     */
    private void heartbeat()
    {
        try
        {
            Subscriber subscriber = current;
            if (subscriber == null)
                return;
            subscriber.send(subscribed ->
            {
                String[] missing = channels.keySet().stream().filter(channel -> !subscribed.confirmed.contains(channel)).toArray(String[]::new);
                if (missing.length > 0)
                    subscribed.subscribe(missing);
                else
                    channels.keySet().stream().findFirst().ifPresent(subscribed::subscribe);
            });
        }
        catch (RuntimeException e)
        {
            // The listening thread finds out as well, and connects again.
            LOG.debug("Cannot reach the connection that hears session deletions: {}", e.toString());
        }
    }

    private void listen()
    {
        boolean failing = false;
        while (running)
        {
            String[] subscribe = channels.keySet().toArray(new String[0]);
            Subscriber subscriber = new Subscriber(failing);
            current = subscriber;
            try
            {
                Connection own = connections.get();
                if (own == null)
                {
                    if (!warnedOfPooledConnection)
                        LOG.info("The client factory opens no connection of its own for hearing session deletions: " +
                            "one of the client's pooled connections is held for it, and a connection that silently " +
                            "died is only noticed when the operating system gives up on it");
                    warnedOfPooledConnection = true;
                    // Taken out of the pool, rather than subscribed through the client, so that it is closed as a
                    // connection of its own is, under the subscriber's lock: a heartbeat can then never reopen it
                    // (Jedis reconnects a closed connection to send) after the client closed it on a failure.
                    own = PooledConnections.borrow(redis);
                }
                if (own == null)
                    redis.subscribe(subscriber, subscribe);
                else
                {
                    connection = own;
                    // close() may have looked for the connection just before it was set: then it is closed here.
                    if (!running)
                        return;
                    subscriber.proceed(own, subscribe);
                }
            }
            catch (RuntimeException e)
            {
                if (!running)
                    return;
                if (!failing)
                    LOG.warn("Lost the connection that hears session deletions from Redis at {}: sessions held in memory " +
                        "are checked again once it is back ({})", address, e.toString());
                failing = true;
            }
            catch (Error e)
            {
                // Ending the thread would leave every held session unchecked for good: better to connect again.
                if (!running)
                    throw e;
                if (!failing)
                    LOG.warn("Failed while hearing session deletions from Redis at {}: sessions held in memory are checked " +
                        "again once it listens again", address, e);
                failing = true;
            }
            finally
            {
                current = null;
                Connection own = connection;
                connection = null;
                subscriber.end(own);
                // Whatever was published from now on is missed until the next subscription.
                channels.values().forEach(registration -> registration.onLost().run());
            }
            if (subscriber.listened)
                failing = false;
            try
            {
                TimeUnit.MILLISECONDS.sleep(RESUBSCRIBE_DELAY_MS);
            }
            catch (InterruptedException interrupted)
            {
                // Only close() should interrupt; whatever else did must not end the listening.
                if (!running)
                    return;
            }
        }
    }

    /**
     * Closing flushes what a heartbeat could not send on the broken connection, which fails again: the
     * socket is closed all the same, and the failure must not end the thread (issue 13).
     */
    private static void closeBroken(Connection own)
    {
        try
        {
            // A pooled one is then destroyed by its pool, never lent again (it may still be subscribed).
            own.setBroken();
            own.close();
        }
        catch (RuntimeException e)
        {
            LOG.debug("Cannot close the connection that heard session deletions: {}", e.toString());
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        Thread listening;
        synchronized (this)
        {
            running = false;
            listening = thread;
            thread = null;
        }
        // A heartbeat under way would reopen the connection closed below (Jedis reconnects a closed connection
        // to send it): it ends first. One stuck writing to a dead peer is woken by the closing instead.
        writer.shutdownNow();
        if (!writer.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS))
            LOG.warn("A heartbeat of the connection that hears session deletions from Redis at {} did not end", address);
        Connection own = connection;
        Subscriber subscriber = current;
        try
        {
            // Closing its socket wakes the listening thread; a pooled connection is handed back by unsubscribing.
            if (own != null)
                own.disconnect();
            else if (subscriber != null && subscriber.isSubscribed())
                subscriber.unsubscribe();
        }
        catch (RuntimeException e)
        {
            // The connection broke (Redis down, failed over): there is no subscription left to end.
            LOG.debug("Cannot end the subscription to session deletions: {}", e.toString());
        }
        if (listening != null)
        {
            listening.interrupt();
            listening.join(CLOSE_WAIT_MS);
        }
    }

    private record Registration(String sender, Consumer<String> onDeleted, Consumer<String> onRevoked, Runnable onListening, Runnable onLost)
    {
    }

    private final class Subscriber extends JedisPubSub
    {
        private final boolean recovering;
        private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
        private volatile boolean listened;
        /** Set once its connection is closed, or about to be: guarded by this subscriber. */
        private boolean ended;

        private Subscriber(boolean recovering)
        {
            this.recovering = recovering;
        }

        /**
         * Sends on the subscribed connection unless it ended: Jedis would open a new socket in place of a
         * closed one, and leave it with a subscription that no one reads.
         */
        private synchronized void send(Consumer<Subscriber> command)
        {
            if (!ended && isSubscribed())
                command.accept(this);
        }

        /** Ends the sending, once a send under way is done, then closes the connection (if its own). */
        private synchronized void end(Connection own)
        {
            ended = true;
            if (own != null)
                closeBroken(own);
        }

        @Override
        public void onSubscribe(String channel, int subscribedChannels)
        {
            // A channel confirmed again on this connection is a heartbeat's echo.
            if (!confirmed.add(channel))
                return;
            if (recovering && !listened)
                LOG.info("Listening for session deletions on Redis at {} again", address);
            listened = true;
            Registration registration = channels.get(channel);
            if (registration == null)
                return;
            try
            {
                registration.onListening().run();
            }
            catch (RuntimeException e)
            {
                LOG.warn("Cannot check the sessions held in memory against Redis at {}", address, e);
            }
        }

        private void revoke(Registration registration, String id)
        {
            try
            {
                registration.onRevoked().accept(id);
            }
            catch (RuntimeException e)
            {
                // The lease ends by itself; the node that asked for it waits until then.
                LOG.warn("Cannot give up the lease on session {}, which another node asked for", LoggedId.of(id), e);
            }
        }

        @Override
        public void onUnsubscribe(String channel, int subscribedChannels)
        {
            confirmed.remove(channel);
        }

        @Override
        public void onMessage(String channel, String message)
        {
            Registration registration = channels.get(channel);
            int newline = message.indexOf('\n');
            if (registration == null || newline <= 0)
                return;
            String id = message.substring(newline + 1);
            if (message.charAt(0) == REVOCATION)
            {
                if (message.substring(1, newline).equals(registration.sender()))
                    revoke(registration, id);
                return;
            }
            if (message.substring(0, newline).equals(registration.sender()))
                return;
            try
            {
                registration.onDeleted().accept(id);
            }
            catch (RuntimeException e)
            {
                // One session that cannot be dropped must not cost a reconnection and a check of every held
                // session of every context; that one is dropped when its next save is refused.
                LOG.warn("Cannot drop session {}, which another node deleted, from memory", LoggedId.of(id), e);
            }
        }
    }
}
