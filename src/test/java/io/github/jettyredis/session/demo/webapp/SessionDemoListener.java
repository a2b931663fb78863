// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.demo.webapp;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

/**
 * Counts {@code sessionDestroyed} per session id in Redis ({@code <prefix>demo:destroyed:<id>}), so that the
 * distribution test can check that an expired session's listener fires exactly once across the nodes.
 */
public class SessionDemoListener implements HttpSessionListener, ServletContextListener
{
    /**
     * @param prefix the store's key prefix
     * @param id a session id
     * @return the key counting the destructions of that session
     */
    public static String destroyedKey(String prefix, String id)
    {
        return prefix + "demo:destroyed:" + id;
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent event)
    {
        if (!WebappRedis.configured())
            return;
        String key = destroyedKey(WebappRedis.prefix(), event.getSession().getId());
        WebappRedis.client().incr(key);
        WebappRedis.client().expire(key, 3600);
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        WebappRedis.close();
    }
}
