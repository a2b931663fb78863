// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.ids;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A generator as a user might write one: {@value #PREFIX} and 32 hex digits (128 random bits, so as
 * unguessable as Jetty's own ids). The distribution test installs it into a jetty-base through the
 * {@code session-id-generator} module and tells its ids from Jetty's by the prefix.
 */
public class HexIdGenerator implements SessionIdGenerator
{
    /** How every id starts; Jetty's own start with the worker name, e.g. {@code node1}. */
    public static final String PREFIX = "hex";

    private final SecureRandom random = new SecureRandom();

    @Override
    public String newSessionId()
    {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return PREFIX + HexFormat.of().formatHex(bytes);
    }
}
