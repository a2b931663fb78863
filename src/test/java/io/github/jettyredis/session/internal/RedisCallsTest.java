// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.github.jettyredis.session.testing.Await;
import io.github.jettyredis.session.testing.PrivateRedis;
import io.github.jettyredis.session.testing.RedisTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisDataException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A call right after Redis restarted, on a private redis-server that the test kills and starts again: the pool is
 * full of connections the restart broke, and the call meets one first. It drops the idle connections and runs once
 * more, so that it succeeds and the node does not take Redis for down. At the user's level other mechanisms hide a
 * failed call ({@code RedisOutageIT} passes without this retry); this is where the retry itself is seen. So is the
 * retry after an answer of a Redis that is not the master (a replica answers {@code READONLY}), which may reach the
 * new master on a new connection, and which tells the node's leases both times.
 */
public class RedisCallsTest
{
    @RegisterExtension
    final PrivateRedis redis = new PrivateRedis();

    private RedisClient client;
    private RedisAvailability availability;
    private final List<RedisFailure> failures = new ArrayList<>();

    @BeforeEach
    public void connect()
    {
        client = redis.server().newClient(2000);
        availability = new RedisAvailability(client, redis.uri());
    }

    @AfterEach
    public void close()
    {
        availability.close();
        client.close();
    }

    /** @param shared whether the call's commands go in a pipeline shared with other threads' (Jedis retries none) */
    @ParameterizedTest(name = "shared={0}")
    @ValueSource(booleans = {false, true})
    public void aCallRightAfterARestartSucceedsOnAFreshConnection(boolean shared) throws Exception
    {
        RedisCalls calls = new RedisCalls(client, availability, failures::add, new SharedPipelines(2));
        client.getPool().addObjects(8);
        redis.server().kill();
        redis.server().start();

        String key = "no-such-key";
        boolean exists = shared ? calls.runShared(pipeline -> pipeline.exists(key), (redis, reply) -> reply.get()) : calls.run(redis -> redis.exists(key));
        assertFalse(exists, "Redis answered");
        assertFalse(availability.isDown(), "Redis not taken for down");
        assertEquals(List.of(), failures, "no failed call counted");
    }

    /** The server is made the master between the call's two tries, as a failover does behind a DNS name. */
    @ParameterizedTest(name = "shared={0}")
    @ValueSource(booleans = {false, true})
    public void aCallAnsweredNotByTheMasterGoesThroughOnANewConnectionAndTheLeasesAreToldAllTheSame(boolean shared) throws Exception
    {
        AtomicInteger told = new AtomicInteger();
        availability.onAnswerNotFromTheMaster(told::incrementAndGet);
        RedisCalls calls = new RedisCalls(client, availability, failures::add, new SharedPipelines(2));
        AtomicInteger tries = new AtomicInteger();
        try (Jedis admin = redis.server().connect())
        {
            admin.replicaof("127.0.0.1", RedisTestServer.freePort());
            String reply = shared
                ? calls.runShared(pipeline -> pipeline.set("key", "value"), (redis, set) -> promotedAfterFirstTry(tries, admin, set::get))
                : calls.run(redis -> promotedAfterFirstTry(tries, admin, () -> redis.set("key", "value")));
            assertEquals("OK", reply);
        }
        assertEquals(2, tries.get(), "tried twice");
        assertEquals(1, told.get(), "the leases were told of the first answer");
        assertEquals(List.of(), failures, "no failed call counted");
        assertFalse(availability.isDown());
    }

    @ParameterizedTest(name = "shared={0}")
    @ValueSource(booleans = {false, true})
    public void aCallAnsweredNotByTheMasterTwiceFailsAsSuchAndTheLeasesAreToldOfBothAnswers(boolean shared) throws Exception
    {
        AtomicInteger told = new AtomicInteger();
        availability.onAnswerNotFromTheMaster(told::incrementAndGet);
        RedisCalls calls = new RedisCalls(client, availability, failures::add, new SharedPipelines(2));
        try (Jedis admin = redis.server().connect())
        {
            admin.replicaof("127.0.0.1", RedisTestServer.freePort());
            JedisDataException refused = assertThrows(JedisDataException.class, () ->
            {
                if (shared)
                    calls.runShared(pipeline -> pipeline.set("key", "value"), (redis, set) -> set.get());
                else
                    calls.run(redis -> redis.set("key", "value"));
            });
            assertEquals(RedisFailure.NOT_THE_MASTER, RedisFailure.of(refused), refused.getMessage());
            admin.replicaofNoOne();
        }
        assertEquals(2, told.get(), "the leases were told of each answer");
        assertEquals(List.of(RedisFailure.NOT_THE_MASTER), failures, "one failed call counted");
        assertFalse(availability.isDown(), "a Redis that answers is not taken for down");
    }

    /**
     * While new connections keep reaching a Redis that is not the master (a failover not over yet), calls do not
     * each drop the pool and connect again: once a retry on a new connection was answered {@code READONLY} too,
     * the calls of the next second fail at once; after it, a call tries a new connection again.
     */
    @Test
    public void whileNewConnectionsReachNoMasterCallsDoNotEachConnectAgain() throws Exception
    {
        RedisCalls calls = new RedisCalls(client, availability, failures::add, new SharedPipelines(2));
        try (Jedis admin = redis.server().connect())
        {
            admin.replicaof("127.0.0.1", RedisTestServer.freePort());
            long before = connectionsReceived(admin);
            for (int i = 0; i < 10; i++)
                assertThrows(JedisDataException.class, () -> calls.run(redis -> redis.set("key", "value")));
            long connected = connectionsReceived(admin) - before;
            assertTrue(connected <= 2, connected + " connections made for 10 calls");
            assertEquals(10, failures.size(), "each call counted");

            long paused = connectionsReceived(admin);
            Await.until("a call tries a new connection again", Duration.ofSeconds(10), () ->
            {
                assertThrows(JedisDataException.class, () -> calls.run(redis -> redis.set("key", "value")));
                return connectionsReceived(admin) > paused;
            });
        }
    }

    /** @return how many connections the server accepted since it started */
    private static long connectionsReceived(Jedis admin)
    {
        return Long.parseLong(admin.info("stats").replaceAll("(?s).*total_connections_received:(\\d+).*", "$1"));
    }

    /** Runs the command; after the first try, whatever it answered, the server becomes a master. */
    private static String promotedAfterFirstTry(AtomicInteger tries, Jedis admin, Supplier<String> command)
    {
        try
        {
            return command.get();
        }
        finally
        {
            if (tries.incrementAndGet() == 1)
                admin.replicaofNoOne();
        }
    }
}
