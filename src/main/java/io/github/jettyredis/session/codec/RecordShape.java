// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the codec needs of one record class, worked out once per class: its components' names and types,
 * their accessors and the canonical constructor, as method handles. Held in a {@link ClassValue}, so it goes
 * away with the class (a redeployed webapp's classes are new classes with shapes of their own).
 */
final class RecordShape
{
    private static final ClassValue<RecordShape> SHAPES = new ClassValue<>()
    {
        @Override
        protected RecordShape computeValue(Class<?> type)
        {
            return new RecordShape(type);
        }
    };
    private static final MethodType ACCESSOR = MethodType.methodType(Object.class, Object.class);

    private final Class<?> type;
    private final byte[] className;
    private final String[] names;
    private final byte[][] encodedNames;
    // The class a component's value must be an instance of: the wrapper for a primitive component.
    private final Class<?>[] accepted;
    private final boolean[] primitive;
    private final MethodHandle[] accessors;
    // (Object[]) -> Object: the canonical constructor, its arguments spread from an array.
    private final MethodHandle constructor;
    // Why the class cannot be written or read as a record value, or null if it can.
    private final String unusable;

    private RecordShape(Class<?> type)
    {
        this.type = type;
        this.className = type.getName().getBytes(StandardCharsets.UTF_8);
        // Null for a class that extends Record without being a record (not javac's, but a valid class file).
        RecordComponent[] components = type.isRecord() ? type.getRecordComponents() : new RecordComponent[0];
        int count = components.length;
        names = new String[count];
        encodedNames = new byte[count][];
        accepted = new Class<?>[count];
        primitive = new boolean[count];
        accessors = new MethodHandle[count];
        Class<?>[] parameterTypes = new Class<?>[count];
        for (int i = 0; i < count; i++)
        {
            names[i] = components[i].getName();
            encodedNames[i] = names[i].getBytes(StandardCharsets.UTF_8);
            parameterTypes[i] = components[i].getType();
            primitive[i] = parameterTypes[i].isPrimitive();
            accepted[i] = primitive[i] ? MethodType.methodType(parameterTypes[i]).wrap().returnType() : parameterTypes[i];
        }
        MethodHandle canonical = null;
        String why = null;
        if (!type.isRecord())
            why = "not a record class";
        // As Java serialization: only classes that chose to be serialized are built from stored bytes.
        else if (!Serializable.class.isAssignableFrom(type))
            why = "a record class that is not Serializable";
        else
        {
            try
            {
                // Records of the webapp are often nested and private; Java serialization reaches them too.
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                for (int i = 0; i < count; i++)
                {
                    Method accessor = components[i].getAccessor();
                    accessor.setAccessible(true);
                    accessors[i] = lookup.unreflect(accessor).asType(ACCESSOR);
                }
                Constructor<?> constructor = type.getDeclaredConstructor(parameterTypes);
                constructor.setAccessible(true);
                canonical = lookup.unreflectConstructor(constructor)
                    .asType(MethodType.genericMethodType(count))
                    .asSpreader(Object[].class, count);
            }
            catch (ReflectiveOperationException | RuntimeException e)
            {
                // InaccessibleObjectException: a record of a named module that is not open to this one.
                why = "a record class whose accessors or canonical constructor cannot be reached: " + e;
            }
        }
        this.constructor = canonical;
        this.unusable = why;
    }

    /**
     * @param type a subclass of {@link Record} (only those get a shape, which their class holds: never a class of
     * the JDK or of another loader that bytes merely name); one that is not a record class cannot be used
     * @return its shape
     */
    static RecordShape of(Class<?> type)
    {
        return SHAPES.get(type);
    }

    /** @return true if values of the class can be written and read component by component */
    boolean isUsable()
    {
        return unusable == null;
    }

    /**
     * @throws IOException if values of the class cannot be read component by component, saying why
     */
    void checkReadable() throws IOException
    {
        if (unusable != null)
            throw new IOException("Cannot read a record value of " + type.getName() + ": it is now " + unusable);
    }

    /** @return the binary name of the class */
    String typeName()
    {
        return type.getName();
    }

    /** @return the binary name of the class, in UTF-8 */
    byte[] className()
    {
        return className;
    }

    /** @return the number of components */
    int size()
    {
        return names.length;
    }

    /** @return the name of component {@code index}, in UTF-8 */
    byte[] encodedName(int index)
    {
        return encodedNames[index];
    }

    /**
     * @return the value of component {@code index} of {@code value}, boxed if primitive
     * @throws IOException if its accessor throws a checked exception
     */
    Object get(Object value, int index) throws IOException
    {
        try
        {
            return (Object)accessors[index].invokeExact(value);
        }
        catch (RuntimeException | Error e)
        {
            throw e;
        }
        catch (Throwable e)
        {
            throw new IOException("The accessor of " + names[index] + " of " + type.getName() + " failed: " + e, e);
        }
    }

    /**
     * @return true if the {@code length} bytes at {@code offset} of {@code bytes} are the UTF-8 name of component
     * {@code index}
     */
    boolean isNamed(int index, byte[] bytes, int offset, int length)
    {
        byte[] name = encodedNames[index];
        return length == name.length && Arrays.equals(name, 0, length, bytes, offset, offset + length);
    }

    /** @return the index of the component named {@code name}, or -1 if the class has none of that name */
    int indexOf(String name)
    {
        for (int i = 0; i < names.length; i++)
            if (names[i].equals(name))
                return i;
        return -1;
    }

    /**
     * @param index a component
     * @param value a value read for it
     * @throws IOException if the component's type does not accept the value (it changed since the value was
     * written)
     */
    void checkAccepts(int index, Object value) throws IOException
    {
        if (value == null ? primitive[index] : !accepted[index].isInstance(value))
            throw new IOException("Record " + type.getName() + " changed: its component '" + names[index] + "' is a " +
                accepted[index].getName() + " now, which does not take the stored " +
                (value == null ? "null" : value.getClass().getName()));
    }

    /** @return the name of component {@code index} */
    String name(int index)
    {
        return names[index];
    }

    /**
     * @param arguments a value for every component, by index, each {@link #checkAccepts accepted}
     * @return the record, from its canonical constructor
     * @throws IOException if the constructor throws (a compact constructor that refuses the values)
     */
    Object construct(Object[] arguments) throws IOException
    {
        try
        {
            return (Object)constructor.invokeExact(arguments);
        }
        catch (Exception | LinkageError e)
        {
            throw new IOException("The canonical constructor of " + type.getName() + " refused the stored values: " + e, e);
        }
        catch (Error e)
        {
            throw e;
        }
        catch (Throwable e)
        {
            throw new IOException("The canonical constructor of " + type.getName() + " failed: " + e, e);
        }
    }
}
