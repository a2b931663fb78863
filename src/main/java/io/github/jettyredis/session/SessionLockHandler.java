package io.github.jettyredis.session;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.session.SessionIdManager;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Opt-in: runs the requests of one session one at a time across the whole cluster, holding a lock in
 * Redis from before the session is loaded until after it is saved. With it, a read-modify-write of the
 * same attribute from two nodes (a counter) loses nothing; without it, the store keeps every update of
 * different attributes but the last write of the same attribute wins.
 *
 * <p>Install it as the outermost handler ({@code server.setHandler(new SessionLockHandler(...,
 * contexts))} or {@code Server.insertHandler}). A request without a session cookie is not locked. A
 * request that cannot get the lock within the wait time goes on without it (and is logged), and a lock
 * whose holder died expires after the lease time. Costs two to three commands per request with a
 * session, and requests of one session wait for each other.</p>
 */
@ManagedObject("Serializes the requests of each session across the cluster")
public class SessionLockHandler extends Handler.Wrapper
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionLockHandler.class);
    private static final LuaScript UNLOCK = new LuaScript(1, """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """);

    private final String prefix;
    private UnifiedJedis redis;
    private RedisClientSettings settings;
    private String cookieName = "JSESSIONID";
    private long leaseMs = TimeUnit.SECONDS.toMillis(30);
    private long waitMs = TimeUnit.SECONDS.toMillis(10);
    private long pollMs = 5;

    /**
     * @param redis the client for the locks (the application's; not closed here)
     * @param prefix the key prefix, usually the session store's
     * @param handler the handler to wrap
     */
    public SessionLockHandler(UnifiedJedis redis, String prefix, Handler handler)
    {
        super(handler);
        this.redis = redis;
        this.prefix = prefix;
    }

    /**
     * @param settings how to connect; a pooled client is made at start and closed at stop
     * @param prefix the key prefix, usually the session store's
     * @param handler the handler to wrap
     */
    public SessionLockHandler(RedisClientSettings settings, String prefix, Handler handler)
    {
        super(handler);
        this.settings = settings;
        this.prefix = prefix;
    }

    @Override
    protected void doStart() throws Exception
    {
        if (settings != null)
            redis = PooledRedisClientFactory.createPooledClient(settings);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        if (settings != null)
        {
            redis.close();
            redis = null;
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        String id = requestedSessionId(request);
        if (id == null)
            return super.handle(request, response, callback);
        byte[] key = SafeEncoder.encode(prefix + "lock:{" + id + "}");
        String token = UUID.randomUUID().toString();
        boolean locked = lock(key, token);
        if (locked)
        {
            // Added before the session layer adds its own, so this wrapper is inner to it: the session is
            // saved before completion reaches here.
            request.addHttpStreamWrapper(stream -> new HttpStream.Wrapper(stream)
            {
                @Override
                public void succeeded()
                {
                    unlock(key, token);
                    super.succeeded();
                }

                @Override
                public void failed(Throwable x)
                {
                    unlock(key, token);
                    super.failed(x);
                }
            });
        }
        return super.handle(request, response, callback);
    }

    private String requestedSessionId(Request request)
    {
        for (HttpCookie cookie : Request.getCookies(request))
        {
            if (cookieName.equals(cookie.getName()))
            {
                SessionIdManager ids = getServer().getBean(SessionIdManager.class);
                return ids == null ? cookie.getValue() : ids.getId(cookie.getValue());
            }
        }
        return null;
    }

    private boolean lock(byte[] key, String token) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        SetParams params = SetParams.setParams().nx().px(leaseMs);
        while (true)
        {
            if ("OK".equals(redis.set(key, SafeEncoder.encode(token), params)))
                return true;
            if (System.nanoTime() > deadline)
            {
                LOG.warn("Waited {} ms for the lock of session {}; going on without it", waitMs, SafeEncoder.encode(key));
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(pollMs);
        }
    }

    private void unlock(byte[] key, String token)
    {
        try
        {
            UNLOCK.run(redis, new byte[][]{key, SafeEncoder.encode(token)});
        }
        catch (RuntimeException e)
        {
            LOG.warn("Cannot release the lock {}; it expires after {} ms", SafeEncoder.encode(key), leaseMs, e);
        }
    }

    /** @return the name of the session cookie */
    @ManagedAttribute("session cookie name")
    public String getCookieName()
    {
        return cookieName;
    }

    /** @param cookieName the name of the session cookie, default {@code JSESSIONID} */
    public void setCookieName(String cookieName)
    {
        this.cookieName = cookieName;
    }

    /** @return how long a lock lives if its holder never releases it, in ms */
    @ManagedAttribute("lock lease in ms")
    public long getLeaseMs()
    {
        return leaseMs;
    }

    /** @param leaseMs how long a lock lives if its holder never releases it, default 30000 */
    public void setLeaseMs(long leaseMs)
    {
        this.leaseMs = leaseMs;
    }

    /** @return how long a request waits for the lock, in ms */
    @ManagedAttribute("longest wait for a lock in ms")
    public long getWaitMs()
    {
        return waitMs;
    }

    /** @param waitMs how long a request waits for the lock before going on without it, default 10000 */
    public void setWaitMs(long waitMs)
    {
        this.waitMs = waitMs;
    }
}
