// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The connections a deletion listener leaves on Redis, counted on a private redis-server: a heartbeat that
 * was about to send when the listener closed its connection must not open a new one (Jedis reconnects a
 * closed connection to send), which would keep a subscription that no one reads.
 */
public class DeletionListenerConnectionsTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final RedisTestServer server = RedisTestServer.startPrivate();
    private final UnifiedJedis redis = server.newClient();
    private final String channel = RedisTestServer.uniquePrefix() + "_app_0.0.0.0:deleted";
    private final AtomicReference<Thread> listening = new AtomicReference<>();
    private final AtomicInteger listened = new AtomicInteger();
    /** Set to hold the next heartbeat's send until the listener has let its connection go. */
    private final AtomicBoolean holdNextHeartbeat = new AtomicBoolean();
    private final CountDownLatch heartbeatHeld = new CountDownLatch(1);
    private final CountDownLatch connectionClosed = new CountDownLatch(1);
    private final DeletionListener listener = new DeletionListener(redis, () -> new HeldConnection(server), server.uri(), 100);

    /** A connection whose held heartbeat goes on once the listening thread closed it, or waits to close it. */
    private final class HeldConnection extends Connection
    {
        private HeldConnection(RedisTestServer redisServer)
        {
            super(new HostAndPort("127.0.0.1", redisServer.port()), redisServer.clientConfig());
        }

        @Override
        public void sendCommand(CommandArguments args)
        {
            if (Thread.currentThread() != listening.get() && holdNextHeartbeat.compareAndSet(true, false))
            {
                heartbeatHeld.countDown();
                try
                {
                    // Unfixed, the listener closes the connection; fixed, it waits for this send to end first.
                    Await.until("the listener letting its connection go", TIMEOUT,
                        () -> connectionClosed.getCount() == 0 || listening.get().getState() == Thread.State.BLOCKED);
                }
                catch (InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            }
            super.sendCommand(args);
        }

        @Override
        public void disconnect()
        {
            super.disconnect();
            connectionClosed.countDown();
        }
    }

    @AfterEach
    public void close() throws InterruptedException
    {
        try
        {
            listener.close();
            redis.close();
        }
        finally
        {
            server.close();
        }
    }

    private int subscribedClients()
    {
        try (Jedis jedis = server.connect())
        {
            return (int)jedis.clientList(ClientType.PUBSUB).lines().filter(line -> !line.isBlank()).count();
        }
    }

    @Test
    public void aHeartbeatDuringTheLossOfTheConnectionOpensNoOther() throws InterruptedException
    {
        listener.register(channel, "self", id -> {}, id -> {}, () ->
        {
            listening.set(Thread.currentThread());
            listened.incrementAndGet();
        }, () -> {});
        Await.until("listening", TIMEOUT, () -> listened.get() == 1);
        assertEquals(1, subscribedClients());

        holdNextHeartbeat.set(true);
        Await.until("a heartbeat about to send", TIMEOUT, () -> heartbeatHeld.getCount() == 0);
        try (Jedis jedis = server.connect())
        {
            jedis.clientKill(ClientKillParams.clientKillParams().type(ClientType.PUBSUB));
        }
        Await.until("listening again", TIMEOUT, () -> listened.get() == 2);
        assertEquals(1, subscribedClients(), "only the listener's new connection subscribes");

        listener.close();
        Await.until("no subscribed connection left", TIMEOUT, () -> subscribedClients() == 0);
    }

    // A client factory that opens no connection of its own: the listener takes one out of the client's pool and
    // handles it as its own (closed under the subscriber's lock, so that no heartbeat reopens it), and gives it
    // back broken, never to be lent again while it may still be subscribed.
    @Test
    public void withoutAConnectionOfItsOwnItListensOnOneTakenFromThePoolAndLeavesNoneBehind() throws InterruptedException
    {
        try (RedisClient pooled = RedisClient.create(java.net.URI.create(server.uri())))
        {
            long destroyedBefore = pooled.getPool().getDestroyedCount();
            DeletionListener fallback = new DeletionListener(pooled, () -> null, server.uri(), 100);
            AtomicInteger heard = new AtomicInteger();
            fallback.register(channel, "self", id -> heard.incrementAndGet(), id -> {}, listened::incrementAndGet, () -> {});
            Await.until("listening", TIMEOUT, () -> listened.get() == 1);
            assertEquals(1, pooled.getPool().getNumActive(), "one pooled connection held for listening");

            try (Jedis jedis = server.connect())
            {
                jedis.clientKill(ClientKillParams.clientKillParams().type(ClientType.PUBSUB));
            }
            Await.until("listening again", TIMEOUT, () -> listened.get() == 2);
            redis.publish(SessionKeys.bytes(channel), DeletionListener.message("other", "s1"));
            Await.until("a deletion heard on the new connection", TIMEOUT, () -> heard.get() == 1);
            assertEquals(1, subscribedClients(), "only the listener's new connection subscribes");
            assertEquals(1, pooled.getPool().getNumActive());

            fallback.close();
            Await.until("no subscribed connection left", TIMEOUT, () -> subscribedClients() == 0);
            assertEquals(0, pooled.getPool().getNumActive(), "the pooled connection given back");
            assertEquals(destroyedBefore + 2, pooled.getPool().getDestroyedCount(),
                "both connections it listened on closed by the pool (the killed one and the last), never lent again");
        }
    }
}
