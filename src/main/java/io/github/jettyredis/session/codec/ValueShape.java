// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the codec needs of one class whose values it writes part by part, by name: a record's components
 * ({@link RecordShape}) or the fields of a plain {@code Serializable} class ({@link ObjectShape}). Worked out
 * once per class and held in a {@link ClassValue}, so it goes away with the class (a redeployed webapp's
 * classes are new classes with shapes of their own).
 */
abstract class ValueShape
{
    private final Class<?> type;
    private final byte[] className;
    private final String[] names;
    private final byte[][] encodedNames;
    // The class a part's value must be an instance of: the wrapper for a primitive part.
    private final Class<?>[] accepted;
    private final boolean[] primitive;

    /**
     * @param type the class
     * @param names the names of its parts, in the order they are written
     * @param types the declared types of its parts, by index
     */
    ValueShape(Class<?> type, String[] names, Class<?>[] types)
    {
        this.type = type;
        this.className = type.getName().getBytes(StandardCharsets.UTF_8);
        this.names = names;
        int count = names.length;
        encodedNames = new byte[count][];
        accepted = new Class<?>[count];
        primitive = new boolean[count];
        for (int i = 0; i < count; i++)
        {
            encodedNames[i] = names[i].getBytes(StandardCharsets.UTF_8);
            primitive[i] = types[i].isPrimitive();
            accepted[i] = primitive[i] ? MethodType.methodType(types[i]).wrap().returnType() : types[i];
        }
    }

    /** @return what the parts are called in messages: "component" or "field" */
    abstract String partName();

    /** @return true if values of the class can be written and read part by part */
    abstract boolean isUsable();

    /**
     * @return the value of part {@code index} of {@code value}, boxed if primitive
     * @throws IOException if it cannot be had (a record accessor that throws a checked exception)
     */
    abstract Object get(Object value, int index) throws IOException;

    /** @return the binary name of the class */
    String typeName()
    {
        return type.getName();
    }

    /** @return the class */
    Class<?> type()
    {
        return type;
    }

    /** @return the binary name of the class, in UTF-8 */
    byte[] className()
    {
        return className;
    }

    /** @return the number of parts */
    int size()
    {
        return names.length;
    }

    /** @return the name of part {@code index}, in UTF-8 */
    byte[] encodedName(int index)
    {
        return encodedNames[index];
    }

    /** @return the name of part {@code index} */
    String name(int index)
    {
        return names[index];
    }

    /**
     * @return true if the {@code length} bytes at {@code offset} of {@code bytes} are the UTF-8 name of part
     * {@code index}
     */
    boolean isNamed(int index, byte[] bytes, int offset, int length)
    {
        byte[] name = encodedNames[index];
        return length == name.length && Arrays.equals(name, 0, length, bytes, offset, offset + length);
    }

    /** @return the index of the part named {@code name}, or -1 if the class has none of that name */
    int indexOf(String name)
    {
        for (int i = 0; i < names.length; i++)
            if (names[i].equals(name))
                return i;
        return -1;
    }

    /** @return true if part {@code index} is of a primitive type */
    boolean isPrimitive(int index)
    {
        return primitive[index];
    }

    /**
     * @param index a part
     * @param value a value read for it
     * @throws IOException if the part's type does not accept the value (it changed since the value was written)
     */
    void checkAccepts(int index, Object value) throws IOException
    {
        if (value == null ? primitive[index] : !accepted[index].isInstance(value))
            throw new IOException(kind() + " " + type.getName() + " changed: its " + partName() + " '" + names[index] +
                "' is a " + accepted[index].getName() + " now, which does not take the stored " +
                (value == null ? "null" : value.getClass().getName()));
    }

    /** @return "Record" or "Class", to begin messages */
    abstract String kind();
}
