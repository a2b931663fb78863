// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.net.SocketTimeoutException;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisClusterException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisMovedDataException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How Redis's error replies and Jedis's exceptions are read, with the exception classes and messages Jedis makes
 * of each reply (its protocol reader picks the class by the reply's first word).
 */
public class RedisFailureTest
{
    @Test
    public void aRedisThatMayNotBeTheMasterIsRedisNotThereForNowNotDown()
    {
        for (JedisDataException refusal : new JedisDataException[]{
            new JedisDataException("READONLY You can't write against a read only replica."),
            new JedisDataException("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
            new JedisDataException("NOREPLICAS Not enough good replicas to write."),
            new JedisClusterException("CLUSTERDOWN The cluster is down"),
            // What a Cluster pipeline's command gets when its slot moved, or is moving: Jedis follows neither there.
            new JedisMovedDataException("MOVED 6454 127.0.0.1:7001", new HostAndPort("127.0.0.1", 7001), 6454),
            new JedisAskDataException("ASK 6454 127.0.0.1:7001", new HostAndPort("127.0.0.1", 7001), 6454)})
        {
            RedisFailure failure = RedisFailure.of(new RuntimeException("wrapped", refusal));
            assertEquals(RedisFailure.NOT_THE_MASTER, failure, refusal.getMessage());
            assertTrue(failure.isUnreachable(), "held sessions served, changes kept: " + refusal.getMessage());
            assertFalse(failure.isDown(), "not taken for down (a PING answers meanwhile): " + refusal.getMessage());
            assertTrue(failure.isWorthANewConnection(), "a new connection may reach the new master: " + refusal.getMessage());
            assertFalse(failure.refusesEveryone(), "other nodes may reach the new master: " + refusal.getMessage());
        }
    }

    @Test
    public void theRefusalsOfABusyOrFailingOverRedisAreRedisNotServingForNowToAnyone()
    {
        for (JedisDataException refusal : new JedisDataException[]{
            new JedisDataException("TRYAGAIN Multiple keys request during rehashing of slot"),
            new JedisDataException("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk."),
            new JedisBusyException("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")})
        {
            RedisFailure failure = RedisFailure.of(new RuntimeException("wrapped", refusal));
            assertEquals(RedisFailure.UNAVAILABLE, failure, refusal.getMessage());
            assertTrue(failure.isUnreachable(), "held sessions served, changes kept: " + refusal.getMessage());
            assertFalse(failure.isDown(), "not taken for down (a PING answers meanwhile): " + refusal.getMessage());
            assertFalse(failure.isWorthANewConnection(), "a new connection meets the same: " + refusal.getMessage());
            assertTrue(failure.refusesEveryone(), refusal.getMessage());
        }
    }

    @Test
    public void errorsThatLookLikeThemButAreNotStayErrors()
    {
        assertEquals(RedisFailure.OTHER, RedisFailure.of(new JedisDataException("BUSYKEY Target key name already exists.")));
        assertEquals(RedisFailure.OTHER, RedisFailure.of(new JedisDataException("WRONGTYPE Operation against a key holding the wrong kind of value")));
        assertEquals(RedisFailure.OTHER, RedisFailure.of(new JedisDataException("ERR something READONLY in the middle")));
    }

    @Test
    public void theOtherKindsAreReadAsBefore()
    {
        assertEquals(RedisFailure.UNREACHABLE, RedisFailure.of(new JedisConnectionException("Connection refused")));
        assertEquals(RedisFailure.TIMEOUT, RedisFailure.of(new JedisConnectionException(new SocketTimeoutException("Read timed out"))));
        assertEquals(RedisFailure.LOADING, RedisFailure.of(new JedisDataException("LOADING Redis is loading the dataset in memory")));
        assertEquals(RedisFailure.FULL, RedisFailure.of(new JedisDataException("OOM command not allowed when used memory > 'maxmemory'.")));
        assertEquals(RedisFailure.NO_PERMISSION, RedisFailure.of(new JedisAccessControlException("NOPERM this user has no permissions")));
        for (RedisFailure down : new RedisFailure[]{RedisFailure.UNREACHABLE, RedisFailure.TIMEOUT, RedisFailure.LOADING})
            assertTrue(down.isDown() && down.isUnreachable(), down.name());
        for (RedisFailure error : new RedisFailure[]{RedisFailure.FULL, RedisFailure.NO_PERMISSION, RedisFailure.OTHER})
            assertFalse(error.isDown() || error.isUnreachable(), error.name());
    }
}
