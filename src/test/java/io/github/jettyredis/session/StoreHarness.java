package io.github.jettyredis.session;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.session.SessionHandler;

/**
 * A started Jetty {@link Server} with one context whose {@link SessionHandler} gets its store from the
 * given factory, as in a deployment; gives tests the real {@link RedisSessionDataStore} of that context.
 */
final class StoreHarness implements AutoCloseable
{
    final Server server = new Server();
    final SessionHandler sessionHandler = new SessionHandler();

    StoreHarness(RedisSessionDataStoreFactory factory, String contextPath) throws Exception
    {
        ContextHandler context = new ContextHandler(contextPath);
        context.setHandler(sessionHandler);
        server.setHandler(context);
        server.addBean(factory);
        server.start();
    }

    RedisSessionDataStore store()
    {
        return (RedisSessionDataStore)sessionHandler.getSessionCache().getSessionDataStore();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
