// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.UnifiedJedis;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a deletion listener does when the code it calls fails: it listens on, on the shared test server, on a
 * channel of its own.
 */
public class DeletionListenerTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final RedisTestServer server = RedisTestServer.shared();
    private final UnifiedJedis redis = server.newClient();
    private final String channel = RedisTestServer.uniquePrefix() + "_app_0.0.0.0:deleted";
    private final DeletionListener listener = new DeletionListener(redis,
        () -> new Connection(new HostAndPort("127.0.0.1", server.port()), server.clientConfig()), server.uri(), 500);
    private final Set<String> heard = ConcurrentHashMap.newKeySet();
    private final AtomicInteger listened = new AtomicInteger();
    private final AtomicReference<Thread> listening = new AtomicReference<>();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private final AtomicInteger lost = new AtomicInteger();

    @AfterEach
    public void close() throws InterruptedException
    {
        listener.close();
        redis.close();
    }

    private void listen(Consumer<String> onDeleted) throws InterruptedException
    {
        listener.register(channel, "self", onDeleted, revoked::add, () ->
        {
            listening.set(Thread.currentThread());
            listened.incrementAndGet();
        }, lost::incrementAndGet);
        Await.until("listening", TIMEOUT, () -> listened.get() == 1);
    }

    private void publish(String id)
    {
        redis.publish(SessionKeys.bytes(channel), DeletionListener.message("other", id));
    }

    @Test
    public void aSessionThatCannotBeDroppedCostsNoReconnection() throws InterruptedException
    {
        listen(id ->
        {
            if (id.equals("s1"))
                throw new IllegalStateException("cannot drop " + id);
            heard.add(id);
        });
        publish("s1");
        publish("s2");
        Await.until("s2 heard", TIMEOUT, () -> heard.contains("s2"));
        assertEquals(1, listened.get(), "subscribed once: no reconnection, no check of every held session");
    }

    @Test
    public void anErrorInTheCodeItCallsDoesNotEndTheListening() throws InterruptedException
    {
        // What a callback into a webapp being undeployed can meet.
        listen(id ->
        {
            if (id.equals("s1"))
                throw new NoClassDefFoundError("org/example/Gone");
            heard.add(id);
        });
        publish("s1");
        Await.until("listening again", TIMEOUT, () -> listened.get() == 2);
        publish("s2");
        Await.until("s2 heard", TIMEOUT, () -> heard.contains("s2"));
    }

    @Test
    public void aRequestToGiveUpALeaseReachesOnlyItsHolderAndIsNoDeletion() throws InterruptedException
    {
        listen(heard::add);
        redis.publish(SessionKeys.bytes(channel), DeletionListener.revocation("other", "s1"));
        redis.publish(SessionKeys.bytes(channel), DeletionListener.revocation("self", "s2"));
        publish("s3");
        Await.until("s3 heard", TIMEOUT, () -> heard.contains("s3"));
        assertEquals(Set.of("s2"), revoked, "only the lease this store holds");
        assertEquals(Set.of("s3"), heard, "a request to give up a lease is no deletion");
    }

    @Test
    public void aLostConnectionIsToldBeforeItListensAgain() throws InterruptedException
    {
        listen(heard::add);
        assertEquals(0, lost.get());
        listening.get().interrupt();
        Await.until("listening again", TIMEOUT, () -> listened.get() == 2);
        assertEquals(1, lost.get(), "told once of the lost connection");
    }

    @Test
    public void anInterruptFromElsewhereDoesNotEndTheListening() throws InterruptedException
    {
        listen(heard::add);
        // Not close(): code that interrupts threads it does not own (a webapp's clean-up on undeploy).
        listening.get().interrupt();
        publish("s1");
        Await.until("listening again", TIMEOUT, () -> listened.get() == 2);
        publish("s2");
        Await.until("s2 heard", TIMEOUT, () -> heard.contains("s2"));
    }
}
