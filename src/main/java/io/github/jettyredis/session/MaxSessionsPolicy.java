// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What happens when a user logs in once more than {@code maxSessionsPerUser} allows. */
public enum MaxSessionsPolicy
{
    /** The new session stays; the user's least recently used other sessions are invalidated. */
    INVALIDATE_OLDEST,
    /**
     * The new login is refused: by {@link SessionLimitingLoginService} before any session is logged in, or,
     * for a login it did not see (another login service, or a user attribute the application sets), by
     * invalidating the new session right after its save.
     */
    REFUSE;

    /** @return its name in configuration: {@code invalidate-oldest} or {@code refuse} */
    public String configName()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @param property the property's name, for the message
     * @param value {@code invalidate-oldest} or {@code refuse}
     * @return the policy
     * @throws IllegalArgumentException naming the property for any other value
     */
    public static MaxSessionsPolicy of(String property, String value)
    {
        String trimmed = value == null ? "" : value.trim();
        for (MaxSessionsPolicy policy : values())
            if (policy.configName().equalsIgnoreCase(trimmed))
                return policy;
        throw new IllegalArgumentException(property + " must be one of " +
            Arrays.stream(values()).map(MaxSessionsPolicy::configName).collect(Collectors.joining(", ")) + ", not '" + value + "'");
    }
}
