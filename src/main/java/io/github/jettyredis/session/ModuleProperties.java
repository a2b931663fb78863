// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.lang.reflect.InvocationTargetException;

/**
 * Turns property values into typed settings and plug-in objects, for the Jetty XML of the
 * {@code session-store-redis} module ({@code etc/sessions/redis/session-store.xml}) and the factory, so that a
 * bad value stops the server at start with a message that names the property.
 *
 * <p>Without them, Jetty XML turns {@code jetty.session.redis.maxConnections=abc} into an
 * {@code InvocationTargetException} caused by {@code NumberFormatException: For input string: "abc"}, and a bad
 * URI or prefix only fails each webapp's start (the server runs and answers 503).</p>
 */
public final class ModuleProperties
{
    private ModuleProperties()
    {
    }

    /**
     * @param property the name of the property, for the message
     * @param value its value
     * @return the value as an int
     * @throws IllegalArgumentException naming the property if the value is not a whole number
     */
    public static int toInt(String property, String value)
    {
        try
        {
            return Integer.parseInt(value == null ? "" : value.trim());
        }
        catch (NumberFormatException e)
        {
            throw new IllegalArgumentException(property + " must be a whole number, not '" + value + "'", e);
        }
    }

    /**
     * @param property the name of the property, for the message
     * @param value its value
     * @return the value as a boolean
     * @throws IllegalArgumentException naming the property unless the value is {@code true} or {@code false}
     *     (Jetty XML alone would read any other word as false)
     */
    public static boolean toBoolean(String property, String value)
    {
        String trimmed = value == null ? "" : value.trim();
        if (trimmed.equalsIgnoreCase("true"))
            return true;
        if (trimmed.equalsIgnoreCase("false"))
            return false;
        throw new IllegalArgumentException(property + " must be true or false, not '" + value + "'");
    }

    /**
     * Makes a plug-in named by class name in a property, with the server's class loader (where the module's
     * {@code lib/redis/} jars are).
     *
     * @param property the name of the property, for the message
     * @param className the class, with a public no-argument constructor
     * @param type what the class must be
     * @param <T> that type
     * @return a new instance
     * @throws IllegalArgumentException naming the property if the class is missing, of the wrong type, or
     * fails to construct (with its own message)
     */
    public static <T> T newInstance(String property, String className, Class<T> type)
    {
        try
        {
            Class<?> loaded = Class.forName(className.trim(), true, ModuleProperties.class.getClassLoader());
            return type.cast(loaded.getConstructor().newInstance());
        }
        catch (ClassCastException e)
        {
            throw new IllegalArgumentException(property + "=" + className + " is not a " + type.getName(), e);
        }
        catch (InvocationTargetException e)
        {
            throw new IllegalArgumentException(property + "=" + className + " failed to construct: " + e.getCause().getMessage(), e.getCause());
        }
        catch (ReflectiveOperationException | LinkageError e)
        {
            throw new IllegalArgumentException(property + "=" + className + " cannot be instantiated with a public no-argument constructor: " + e, e);
        }
    }
}
