// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.time.Duration;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.web.http.SessionRepositoryFilter;

/**
 * A {@link BenchNode} whose sessions Spring Session keeps: {@link RedisSessionRepository} (Spring Session Data
 * Redis) over a {@link RedisTemplate} and its default client, Lettuce ({@link LettuceConnectionFactory}, one
 * shared connection), behind {@link SessionRepositoryFilter}. The template is the one Spring Session's own
 * configuration ({@code RedisHttpSessionConfiguration}, which Spring Boot uses) builds: string keys and hash
 * keys, values through the default JDK serializer. No local cache: every request reads its session from Redis
 * and saves what changed, so any node serves the latest session.
 */
final class SpringSessionNode
{
    private SpringSessionNode()
    {
    }

    /**
     * @param worker the node's name
     * @param host Redis's host
     * @param port Redis's port
     * @param namespace the key namespace of this configuration's sessions ({@code <namespace>:sessions:<id>})
     * @return the started node; closing it also closes its Redis connections
     */
    static BenchNode start(String worker, String host, int port, String namespace) throws Exception
    {
        LettuceConnectionFactory connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
        connections.afterPropertiesSet();
        connections.start();
        try
        {
            RedisTemplate<String, Object> template = new RedisTemplate<>();
            template.setConnectionFactory(connections);
            template.setKeySerializer(RedisSerializer.string());
            template.setHashKeySerializer(RedisSerializer.string());
            template.afterPropertiesSet();
            RedisSessionRepository repository = new RedisSessionRepository(template);
            repository.setRedisKeyNamespace(namespace);
            // As the Jetty nodes' sessions: 30 minutes.
            repository.setDefaultMaxInactiveInterval(Duration.ofMinutes(30));
            return new BenchNode(worker, new SessionRepositoryFilter<>(repository), connections::destroy);
        }
        catch (Exception | Error e)
        {
            connections.destroy();
            throw e;
        }
    }
}
