// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

/**
 * One session of a user, as Redis holds it ({@link UserSessions#list(String)}).
 *
 * @param id the session id (without the node suffix of the cookie)
 * @param created when it was created, ms since the epoch
 * @param lastAccessed when a request last used it, ms since the epoch
 * @param lastNode the worker name of the node that served it last, or null
 * @param maxInactiveMs its max-inactive interval in ms; 0 or less for never
 * @param expiry when it expires, ms since the epoch; 0 or less for never
 */
public record UserSession(String id, long created, long lastAccessed, String lastNode, long maxInactiveMs, long expiry)
{
}
