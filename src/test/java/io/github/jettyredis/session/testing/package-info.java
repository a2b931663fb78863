// SPDX-License-Identifier: Apache-2.0
/**
 * Test support shared by the tests, the demo launcher and the benchmarks: real Redis processes
 * ({@link io.github.jettyredis.session.testing.RedisTestServer}, the one way to start one, and what is built
 * on it: {@link io.github.jettyredis.session.testing.PrivateRedis},
 * {@link io.github.jettyredis.session.testing.RedisTestCluster}), real Jetty nodes
 * ({@link io.github.jettyredis.session.testing.JettyNode}, {@link io.github.jettyredis.session.testing.JettyNodes},
 * {@link io.github.jettyredis.session.testing.StoreHarness}), real network faults
 * ({@link io.github.jettyredis.session.testing.TcpProxy}), and waiting without sleeping
 * ({@link io.github.jettyredis.session.testing.Await}, scavenge cycles counted by
 * {@link io.github.jettyredis.session.testing.JettyNode#awaitScavenges(int)}), and webapp classes that change
 * between two versions ({@link io.github.jettyredis.session.testing.WebappClasses}). Everything a helper starts
 * ends with the test, also when it fails.
 */
package io.github.jettyredis.session.testing;
