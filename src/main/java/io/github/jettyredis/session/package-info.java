// SPDX-License-Identifier: Apache-2.0
/**
 * A Redis session store for Eclipse Jetty 12.1: the API.
 *
 * <ul>
 *   <li>{@link io.github.jettyredis.session.RedisSessionDataStoreFactory}: add it as a bean of the
 *   {@code Server} (the {@code session-store-redis} module does so) and every context keeps its sessions in
 *   Redis; every setting is a bean property.</li>
 *   <li>{@link io.github.jettyredis.session.RedisSessionDataStore}: the store of one context, with its JMX
 *   attributes, and its {@link io.github.jettyredis.session.SessionOperations} for operators.</li>
 *   <li>{@link io.github.jettyredis.session.SessionLockHandler} (opt-in: one request of a session at a time
 *   across the cluster) and {@link io.github.jettyredis.session.SessionIdLimitHandler} (refuses requests that
 *   name too many session ids).</li>
 *   <li>{@link io.github.jettyredis.session.ModuleProperties}: for the module's Jetty XML.</li>
 * </ul>
 *
 * <p>The plug-in points are in {@link io.github.jettyredis.session.client} (the Redis client),
 * {@link io.github.jettyredis.session.codec} (how attribute values become bytes) and
 * {@link io.github.jettyredis.session.ids} (session ids). {@code io.github.jettyredis.session.internal} is
 * not API.</p>
 */
package io.github.jettyredis.session;
