// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.jettyredis.session.testing.Await;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a node finds a restarted Redis back, on a private redis-server that the test kills and starts again.
 */
public class RedisAvailabilityTest
{
    @RegisterExtension
    final PrivateRedis redis = new PrivateRedis();

    private RedisClient client;
    private RedisAvailability availability;

    @BeforeEach
    public void connect()
    {
        client = redis.server().newClient(300);
        availability = new RedisAvailability(client, redis.uri());
    }

    @AfterEach
    public void close()
    {
        availability.close();
        client.close();
    }

    // What RedisOutageIT.rightAfterARestartEveryUsersChangeIsKept once met in CI: every request of a whole round
    // of users was refused after a restart, which had left the pool full of dead connections that each probe
    // took in turn, one per probe, while Redis had long been back.
    @Test
    public void theFirstProbeAfterARestartFindsRedisBackThoughThePoolIsFullOfDeadConnections() throws Exception
    {
        RedisTestServer server = redis.server();
        client.getPool().addObjects(8);
        server.kill();
        availability.failed(new JedisConnectionException("Redis was killed"), RedisFailure.UNREACHABLE);
        assertFalse(availability.probeNow(), "Redis is still down");
        server.start();

        assertTrue(availability.probeNow(), "the first probe after the restart finds Redis back");
        assertFalse(availability.isDown());
    }

    @Test
    public void aProbeWhileRedisIsDownFindsItDown() throws Exception
    {
        client.getPool().addObjects(4);
        redis.server().kill();
        availability.failed(new JedisConnectionException("Redis was killed"), RedisFailure.UNREACHABLE);

        assertFalse(availability.probeNow());
        assertFalse(availability.probeNow());
        assertTrue(availability.isDown());
    }

    /**
     * Redis answering READONLY (a failover under way) is not down, which a PING would wrongly end at once: what it
     * refused is tried again a second later, and again after each attempt it refuses.
     */
    @Test
    public void whatRedisRefusesForNowIsTriedAgainUntilItIsTaken() throws InterruptedException
    {
        JedisDataException readOnly = new JedisDataException("READONLY You can't write against a read only replica.");
        AtomicInteger attempts = new AtomicInteger();
        availability.onRecovery(() ->
        {
            // Refused again at the first attempt, taken at the second.
            if (attempts.incrementAndGet() == 1)
                availability.failed(readOnly, RedisFailure.of(readOnly));
        });
        availability.failed(readOnly, RedisFailure.of(readOnly));
        assertFalse(availability.isDown(), "Redis answers: requests still ask it");

        assertEquals(2000, availability.retryDelayMs(), "tried again a second later, then two seconds after a try it refuses");
        Await.until("the refused work is tried again, twice", Duration.ofSeconds(10), () -> attempts.get() == 2);
        Await.until("a try that nothing refused puts the delay back to a second", Duration.ofSeconds(10),
            () -> availability.retryDelayMs() == 1000);
        assertEquals(2, attempts.get());
        assertFalse(availability.isDown());
    }
}
