// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.lang.reflect.Method;
import java.security.Principal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.session.SessionData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the name of a session's user in one of its attributes: by default the one where Jetty's security
 * layer keeps a form login ({@value #CONTAINER_ATTRIBUTE}, the same in ee9, ee10 and ee11), or one the
 * operator names. The value may be the name itself, a {@link Principal}, anything with a public
 * {@code getUserPrincipal()} (ee10 and ee11's {@code SessionAuthentication}) or with a public
 * {@code getUserIdentity()} that has one (ee9's), found by reflection so that the store needs no
 * compile-time dependency on Jetty's security module.
 */
public final class UserNames
{
    /** The session attribute where Jetty's security layer keeps a form login's {@code SessionAuthentication}. */
    public static final String CONTAINER_ATTRIBUTE = "org.eclipse.jetty.security.UserIdentity";

    private static final Logger LOG = LoggerFactory.getLogger(UserNames.class);
    /** A class without a usable {@code getUserPrincipal()}. */
    private static final Method NONE;

    static
    {
        try
        {
            NONE = Object.class.getMethod("toString");
        }
        catch (NoSuchMethodException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String attribute;
    /** Per class of value: its {@code getUserPrincipal()}, else its {@code getUserIdentity()}, else {@link #NONE}. */
    private final Map<Class<?>, Method> getters = new ConcurrentHashMap<>();

    /**
     * @param attribute the attribute that names the user; null or empty for {@value #CONTAINER_ATTRIBUTE}
     */
    public UserNames(String attribute)
    {
        this.attribute = attribute == null || attribute.isBlank() ? CONTAINER_ATTRIBUTE : attribute;
    }

    /** @return the attribute read */
    public String attribute()
    {
        return attribute;
    }

    /**
     * @param data a session
     * @return the name of its user, or null if it has none (not logged in)
     */
    public String userOf(SessionData data)
    {
        return nameOf(data.getAttribute(attribute));
    }

    /**
     * @param value an attribute value
     * @return the user name it holds, or null if none
     */
    String nameOf(Object value)
    {
        return nameOf(value, true);
    }

    private String nameOf(Object value, boolean identityToo)
    {
        if (value == null)
            return null;
        if (value instanceof String name)
            return name.isEmpty() ? null : name;
        if (value instanceof Principal principal)
            return principal.getName();
        Method getter = getters.computeIfAbsent(value.getClass(), UserNames::getter);
        boolean identity = getter.getName().equals("getUserIdentity");
        if (getter == NONE || (identity && !identityToo))
            return null;
        try
        {
            Object got = getter.invoke(value);
            return identity ? nameOf(got, false) : got instanceof Principal principal ? principal.getName() : null;
        }
        catch (ReflectiveOperationException | RuntimeException e)
        {
            LOG.debug("Cannot read the user of {}", value.getClass().getName(), e);
            return null;
        }
    }

    private static Method getter(Class<?> type)
    {
        for (String name : new String[]{"getUserPrincipal", "getUserIdentity"})
        {
            try
            {
                return type.getMethod(name);
            }
            catch (NoSuchMethodException | RuntimeException e)
            {
                // The next, or none.
            }
        }
        LOG.warn("Session attribute values of {} name no user (no public getUserPrincipal() or getUserIdentity()): their sessions are " +
            "not indexed by user", type.getName());
        return NONE;
    }
}
