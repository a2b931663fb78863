// SPDX-License-Identifier: Apache-2.0
/**
 * The store's counters as Micrometer meters, for applications that have Micrometer (an optional dependency:
 * nothing outside this package uses it): {@link io.github.jettyredis.session.metrics.SessionStoreMetrics}
 * binds the stores of an embedded server, {@link io.github.jettyredis.session.metrics.SessionStoreJmxMetrics}
 * reads them from JMX, for a webapp that cannot see the server's classes. API.
 */
package io.github.jettyredis.session.metrics;
