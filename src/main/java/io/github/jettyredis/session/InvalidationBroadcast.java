package io.github.jettyredis.session;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * Tells the other nodes of a context when a session is deleted (invalidated, expired or given a new id),
 * so that a node holding the session in memory (a {@code DefaultSessionCache}) drops it at once instead
 * of serving it until it is evicted. Deletions are published by the store's delete script on the
 * channel {@code <prefix><context>:deleted} (plain Redis pub/sub: no keyspace notifications, no CONFIG);
 * this class listens on a thread of its own and evicts the sessions named there from the node's cache.
 * When the connection breaks, it subscribes again once Redis answers.
 */
final class InvalidationBroadcast
{
    private static final Logger LOG = LoggerFactory.getLogger(InvalidationBroadcast.class);
    private static final long RESUBSCRIBE_DELAY_MS = 1000;

    private final UnifiedJedis redis;
    private final SessionContext context;
    private final String channel;
    private final String sender;
    private final Subscriber subscriber = new Subscriber();
    private volatile boolean running;
    private Thread thread;

    /**
     * @param redis the client to subscribe with (it holds one connection while subscribed)
     * @param context the context whose cache to evict from
     * @param channel the channel of the context's deletions
     * @param sender how this node signs its own messages, which it ignores
     */
    InvalidationBroadcast(UnifiedJedis redis, SessionContext context, String channel, String sender)
    {
        this.redis = redis;
        this.context = context;
        this.channel = channel;
        this.sender = sender;
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

    void start()
    {
        running = true;
        thread = new Thread(this::listen, "redis-session-deletions" + context.getCanonicalContextPath());
        thread.setDaemon(true);
        thread.start();
    }

    void stop() throws InterruptedException
    {
        running = false;
        try
        {
            if (subscriber.isSubscribed())
                subscriber.unsubscribe();
        }
        catch (RuntimeException e)
        {
            // The connection broke (Redis down, failed over): there is no subscription left to end, and the
            // store must still stop and give its client back.
            LOG.debug("Cannot unsubscribe from {}: {}", channel, e.toString());
        }
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }

    private void listen()
    {
        boolean failing = false;
        while (running)
        {
            try
            {
                redis.subscribe(subscriber, channel);
            }
            catch (RuntimeException e)
            {
                if (!running)
                    return;
                if (!failing)
                    LOG.warn("Lost the subscription to {}, sessions deleted by other nodes may be served from memory until it is back: {}", channel, e.toString());
                failing = true;
                try
                {
                    TimeUnit.MILLISECONDS.sleep(RESUBSCRIBE_DELAY_MS);
                }
                catch (InterruptedException interrupted)
                {
                    return;
                }
            }
        }
    }

    private void evict(String id)
    {
        try
        {
            SessionCache cache = context.getSessionManager().getSessionCache();
            // Only a session held in memory needs dropping; delete() on it finds nothing left in Redis.
            if (cache.contains(id))
                cache.delete(id);
        }
        catch (Exception e)
        {
            LOG.warn("Cannot drop session {} deleted by another node from memory", id, e);
        }
    }

    private final class Subscriber extends JedisPubSub
    {
        @Override
        public void onSubscribe(String channel, int subscribedChannels)
        {
            LOG.debug("Listening for session deletions on {}", channel);
        }

        @Override
        public void onMessage(String channel, String message)
        {
            int newline = message.indexOf('\n');
            if (newline > 0 && !message.substring(0, newline).equals(sender))
                evict(message.substring(newline + 1));
        }
    }
}
