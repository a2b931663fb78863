// SPDX-License-Identifier: Apache-2.0
/**
 * How the store gets its Redis client: {@link io.github.jettyredis.session.client.RedisClientFactory} (the
 * plug-in point), the default {@link io.github.jettyredis.session.client.PooledRedisClientFactory} (one pooled
 * Jedis client from the settings: standalone, Sentinel or Cluster, TLS, ACL user), the routing
 * {@link io.github.jettyredis.session.client.ContextRoutingClientFactory}, and the settings and URIs they are
 * given. API.
 */
package io.github.jettyredis.session.client;
