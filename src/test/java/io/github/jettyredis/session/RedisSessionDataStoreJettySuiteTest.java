// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.TestRedis;
import org.eclipse.jetty.session.AbstractSessionDataStoreTest;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import org.junit.jupiter.api.AfterEach;
import redis.clients.jedis.UnifiedJedis;

/**
 * Jetty's own store test suite ({@code AbstractSessionDataStoreTest}, 24 tests) run against a real Redis.
 * The helpers below write and read the Redis layout directly, not through the store under test.
 * Subclasses run it against another deployment by overriding {@link #testRedis()}.
 */
public class RedisSessionDataStoreJettySuiteTest extends AbstractSessionDataStoreTest
{
    private final String prefix = RedisTestServer.uniquePrefix();
    private final UnifiedJedis redis = testRedis().newClient();
    private final SessionHashCodec codec = new SessionHashCodec(new ProtobufAttributeSerializer());

    public RedisSessionDataStoreJettySuiteTest() throws Exception
    {
    }

    @AfterEach
    public void closeClient()
    {
        redis.close();
    }

    /**
     * @return the Redis the store under test uses, whose own clients the helpers write and read keys with;
     * called from the constructor, so an override must not use instance fields
     */
    protected TestRedis testRedis()
    {
        return RedisTestServer.shared();
    }

    @Override
    public SessionDataStoreFactory createSessionDataStoreFactory()
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(testRedis().uri());
        factory.setPrefix(prefix);
        return factory;
    }

    private SessionKeys keysOf(SessionData data)
    {
        return new SessionKeys(prefix, data.getContextPath(), data.getVhost());
    }

    /** Writes the session as the store lays it out, with no TTL, so that long-expired test data stays put. */
    @Override
    public void persistSession(SessionData data) throws Exception
    {
        write(data, codec.encode(data));
    }

    /**
     * Damaged metadata: what makes a session unreadable here (one attribute that cannot be read costs only
     * itself: the session loads without it).
     */
    @Override
    public void persistUnreadableSession(SessionData data) throws Exception
    {
        Map<byte[], byte[]> fields = new HashMap<>(codec.encode(data));
        fields.put(SessionHashCodec.METADATA_FIELD, new byte[]{(byte)0xff, 0x13, 0x37});
        write(data, fields);
    }

    private void write(SessionData data, Map<byte[], byte[]> fields)
    {
        SessionKeys keys = keysOf(data);
        redis.hset(keys.session(data.getId()), fields);
        if (data.getExpiry() > 0)
            redis.zadd(keys.expiryIndex(), data.getExpiry(), SessionKeys.bytes(data.getId()));
        redis.sadd(SessionKeys.contextRegistry(prefix), SessionKeys.bytes(keys.context()));
    }

    @Override
    public boolean checkSessionExists(SessionData data)
    {
        return redis.exists(keysOf(data).session(data.getId()));
    }

    @Override
    public boolean checkSessionPersisted(SessionData data) throws Exception
    {
        Map<byte[], byte[]> fields = redis.hgetAll(keysOf(data).session(data.getId()));
        if (fields.isEmpty())
            return false;
        ClassLoader old = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(_contextClassLoader);
        try
        {
            SessionData stored = codec.decode(data.getId(), data.getContextPath(), data.getVhost(), fields);
            return stored.getId().equals(data.getId()) &&
                stored.getContextPath().equals(data.getContextPath()) &&
                stored.getVhost().equals(data.getVhost()) &&
                Objects.equals(stored.getLastNode(), data.getLastNode()) &&
                stored.getCreated() == data.getCreated() &&
                stored.getAccessed() == data.getAccessed() &&
                stored.getLastAccessed() == data.getLastAccessed() &&
                stored.getCookieSet() == data.getCookieSet() &&
                stored.getExpiry() == data.getExpiry() &&
                stored.getMaxInactiveMs() == data.getMaxInactiveMs() &&
                stored.getLastSaved() == data.getLastSaved() &&
                stored.getAllAttributes().equals(data.getAllAttributes());
        }
        finally
        {
            Thread.currentThread().setContextClassLoader(old);
        }
    }
}
