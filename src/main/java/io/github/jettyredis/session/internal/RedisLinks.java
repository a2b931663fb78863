// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.IdentityHashMap;
import java.util.Map;

import io.github.jettyredis.session.client.RedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import redis.clients.jedis.UnifiedJedis;

/**
 * What the stores of one server share per Redis client: one {@link RedisAvailability} and one
 * {@link DeletionListener}, so that neither their number nor their connections grow with the number of
 * webapps. Made when the first store of a client starts, closed when its last one stops.
 */
public final class RedisLinks
{
    private final Map<UnifiedJedis, Link> links = new IdentityHashMap<>();

    /**
     * What the stores of one client share.
     */
    public static final class Link
    {
        private final RedisAvailability availability;
        private final RedisClientFactory factory;
        private final RedisClientSettings settings;
        private final UnifiedJedis client;
        private DeletionListener deletions;
        private int users;

        private Link(UnifiedJedis client, RedisClientFactory factory, RedisClientSettings settings)
        {
            this.client = client;
            this.factory = factory;
            this.settings = settings;
            this.availability = new RedisAvailability(client, settings.address());
        }

        /** @return whether the client's Redis answers */
        public RedisAvailability availability()
        {
            return availability;
        }

        /** @return the one listener for deletions on the client's Redis, made at first use */
        public synchronized DeletionListener deletions()
        {
            if (deletions == null)
                deletions = new DeletionListener(client, () -> factory.openSubscriberConnection(client, settings),
                    settings.address(), settings.getSocketTimeoutMs());
            return deletions;
        }

        private synchronized void close() throws InterruptedException
        {
            availability.close();
            if (deletions != null)
                deletions.close();
        }
    }

    /**
     * @param client a client a store got from its factory
     * @param factory that factory
     * @param settings the settings it was given
     * @return what the stores of that client share; give it back with {@link #release}
     */
    public synchronized Link acquire(UnifiedJedis client, RedisClientFactory factory, RedisClientSettings settings)
    {
        Link link = links.computeIfAbsent(client, c -> new Link(c, factory, settings));
        link.users++;
        return link;
    }

    /**
     * @param client a client given to {@link #acquire}, whose store stopped
     */
    public void release(UnifiedJedis client) throws InterruptedException
    {
        Link closing;
        synchronized (this)
        {
            Link link = links.get(client);
            if (link == null || --link.users > 0)
                return;
            links.remove(client);
            closing = link;
        }
        closing.close();
    }
}
