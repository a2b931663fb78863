// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * An application object kept in the session, a plain Serializable class: the "serializable object" of the typical
 * shape. Jetty's path Java-serializes it; this project's codec wrote it the same way until it wrote plain objects
 * field by field.
 */
public final class UserProfile implements Serializable
{
    @Serial
    private static final long serialVersionUID = 1L;

    private final String displayName;
    private final String email;
    private final ArrayList<String> roles;
    private final long createdAt;
    private final int tier;

    /**
     * @param displayName shown name
     * @param email address
     * @param roles granted roles
     * @param createdAt ms since the epoch
     * @param tier a small number
     */
    public UserProfile(String displayName, String email, List<String> roles, long createdAt, int tier)
    {
        this.displayName = displayName;
        this.email = email;
        this.roles = new ArrayList<>(roles);
        this.createdAt = createdAt;
        this.tier = tier;
    }

    /** @return the shown name */
    public String getDisplayName()
    {
        return displayName;
    }

    /** @return the tier */
    public int getTier()
    {
        return tier;
    }

    @Override
    public boolean equals(Object o)
    {
        return o instanceof UserProfile p && p.displayName.equals(displayName) && p.email.equals(email) &&
            p.roles.equals(roles) && p.createdAt == createdAt && p.tier == tier;
    }

    @Override
    public int hashCode()
    {
        return displayName.hashCode() * 31 + tier;
    }
}
