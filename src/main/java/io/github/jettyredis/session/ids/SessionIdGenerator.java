// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.ids;

/**
 * Makes session ids, for deployments that need their own format (the seed's {@code id_generator}).
 * Installed through {@link GeneratedSessionIdManager} (in a jetty-base, by the {@code session-id-generator}
 * module); without one, Jetty's SecureRandom-based ids are used.
 *
 * <p>Ids must be unguessable (they are the session's only credential), non-empty, and free of
 * {@code .} (Jetty appends {@code .<worker>} in the cookie), whitespace, {@code ;} and {@code ,}.
 * An id that happens to be in use already is simply asked for again. Implementations must be thread
 * safe and, to be named by class name, have a public no-argument constructor.</p>
 */
@FunctionalInterface
public interface SessionIdGenerator
{
    /**
     * @return a new session id
     */
    String newSessionId();
}
