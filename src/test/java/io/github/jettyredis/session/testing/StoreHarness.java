// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import io.github.jettyredis.session.RedisSessionDataStore;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.session.SessionCacheFactory;
import org.eclipse.jetty.session.SessionHandler;

/**
 * A started Jetty {@link Server} with one context whose {@link SessionHandler} gets its store from the
 * given factory, as in a deployment; gives tests (and the benchmarks) the real {@link RedisSessionDataStore}
 * of that context.
 */
public final class StoreHarness implements AutoCloseable
{
    private final Server server = new Server();
    private final SessionHandler sessionHandler = new SessionHandler();

    /**
     * @param factory where the context's session handler gets its store
     * @param contextPath the context's path
     * @throws Exception if the server does not start
     */
    public StoreHarness(RedisSessionDataStoreFactory factory, String contextPath) throws Exception
    {
        this(factory, contextPath, null);
    }

    /**
     * @param factory where the context's session handler gets its store
     * @param contextPath the context's path
     * @param cacheFactory the session cache, or null for Jetty's default
     * @param serverBeans more beans of the server, added before it starts (e.g. an {@code MBeanContainer})
     * @throws Exception if the server does not start (it is then stopped again)
     */
    public StoreHarness(RedisSessionDataStoreFactory factory, String contextPath, SessionCacheFactory cacheFactory,
                        Object... serverBeans) throws Exception
    {
        for (Object bean : serverBeans)
            server.addBean(bean);
        ContextHandler context = new ContextHandler(contextPath);
        context.setHandler(sessionHandler);
        server.setHandler(context);
        server.addBean(factory);
        if (cacheFactory != null)
            server.addBean(cacheFactory);
        try
        {
            server.start();
        }
        catch (Exception e)
        {
            // Tests that expect the start to fail get no harness to close: stop what did start here.
            try
            {
                server.stop();
            }
            catch (Exception stopFailed)
            {
                e.addSuppressed(stopFailed);
            }
            throw e;
        }
    }

    /** @return the server, e.g. to look up its beans */
    public Server server()
    {
        return server;
    }

    /** @return the store of the context */
    public RedisSessionDataStore store()
    {
        return (RedisSessionDataStore)sessionHandler.getSessionCache().getSessionDataStore();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
