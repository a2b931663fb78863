// SPDX-License-Identifier: Apache-2.0
/**
 * Session ids of your own: a {@link io.github.jettyredis.session.ids.SessionIdGenerator} and the session id
 * manager that uses it. API.
 */
package io.github.jettyredis.session.ids;
