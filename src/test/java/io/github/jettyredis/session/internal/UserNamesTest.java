// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.security.Principal;

import org.eclipse.jetty.security.UserIdentity;
import org.eclipse.jetty.security.authentication.SessionAuthentication;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Which attribute values name a user: names, principals, Jetty's own {@link SessionAuthentication} (read
 * without a compile-time dependency), and ee9's shape, whose principal is behind {@code getUserIdentity()}.
 */
public class UserNamesTest
{
    private static final Principal ALICE = () -> "alice";

    /** ee9's SessionAuthentication: no getUserPrincipal(), a getUserIdentity() that has one. */
    public static final class IdentityHolder
    {
        public UserIdentity getUserIdentity()
        {
            return UserIdentity.from(null, ALICE);
        }
    }

    @Test
    public void namesPrincipalsAndJettysAuthenticationsNameTheUser()
    {
        UserNames names = new UserNames(null);
        assertEquals("alice", names.nameOf("alice"));
        assertNull(names.nameOf(""));
        assertEquals("alice", names.nameOf(ALICE));
        assertEquals("alice", names.nameOf(new SessionAuthentication("FORM", UserIdentity.from(null, ALICE), "secret")));
        assertEquals("alice", names.nameOf(new IdentityHolder()));
        assertNull(names.nameOf(42));
        assertNull(names.nameOf(null));
    }

    @Test
    public void theContainersAttributeUnlessAnotherIsNamed()
    {
        SessionData data = new SessionData("id", "/", "0.0.0.0", 0, 0, 0, 0);
        data.setAttribute(UserNames.CONTAINER_ATTRIBUTE, ALICE);
        data.setAttribute("login", "bob");
        assertEquals("alice", new UserNames("").userOf(data));
        assertEquals("bob", new UserNames("login").userOf(data));
        assertEquals("org.eclipse.jetty.security.UserIdentity", SessionAuthentication.AUTHENTICATED_ATTRIBUTE);
    }
}
