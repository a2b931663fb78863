// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.testing.PrivateRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.RedisClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A call right after Redis restarted, on a private redis-server that the test kills and starts again: the pool is
 * full of connections the restart broke, and the call meets one first. It drops the idle connections and runs once
 * more, so that it succeeds and the node does not take Redis for down. At the user's level other mechanisms hide a
 * failed call ({@code RedisOutageIT} passes without this retry); this is where the retry itself is seen.
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
}
