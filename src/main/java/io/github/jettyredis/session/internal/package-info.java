// SPDX-License-Identifier: Apache-2.0
/**
 * How the store keeps sessions in Redis and stays in step with it: the key layout, the Lua scripts, the
 * hash codec, the expiry index and claims, the deletion listener, Redis availability and retries, what the
 * session cache holds, catching up after an outage. <b>Not API:</b> public only for the store and the
 * project's own tests and tools; any of it may change in any release.
 */
package io.github.jettyredis.session.internal;
