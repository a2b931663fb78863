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
import java.util.Arrays;

/**
 * What the codec needs of one record class, worked out once per class: its components' names and types,
 * their accessors and the canonical constructor, as method handles.
 */
final class RecordShape extends ValueShape
{
    private static final ClassValue<RecordShape> SHAPES = new ClassValue<>()
    {
        @Override
        protected RecordShape computeValue(Class<?> type)
        {
            return new RecordShape(type, components(type));
        }
    };
    private static final MethodType ACCESSOR = MethodType.methodType(Object.class, Object.class);

    private final MethodHandle[] accessors;
    // (Object[]) -> Object: the canonical constructor, its arguments spread from an array.
    private final MethodHandle constructor;
    // Why the class cannot be written or read as a record value, or null if it can.
    private final String unusable;

    private RecordShape(Class<?> type, RecordComponent[] components)
    {
        super(type, Arrays.stream(components).map(RecordComponent::getName).toArray(String[]::new),
            Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        int count = components.length;
        accessors = new MethodHandle[count];
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
                Class<?>[] parameterTypes = new Class<?>[count];
                for (int i = 0; i < count; i++)
                {
                    Method accessor = components[i].getAccessor();
                    accessor.setAccessible(true);
                    accessors[i] = lookup.unreflect(accessor).asType(ACCESSOR);
                    parameterTypes[i] = components[i].getType();
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

    // Null for a class that extends Record without being a record (not javac's, but a valid class file).
    private static RecordComponent[] components(Class<?> type)
    {
        return type.isRecord() ? type.getRecordComponents() : new RecordComponent[0];
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

    @Override
    boolean isUsable()
    {
        return unusable == null;
    }

    @Override
    String partName()
    {
        return "component";
    }

    @Override
    String kind()
    {
        return "Record";
    }

    /**
     * @throws IOException if values of the class cannot be read component by component, saying why
     */
    void checkReadable() throws IOException
    {
        if (unusable != null)
            throw new IOException("Cannot read a record value of " + typeName() + ": it is now " + unusable);
    }

    @Override
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
            throw new IOException("The accessor of " + name(index) + " of " + typeName() + " failed: " + e, e);
        }
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
            throw new IOException("The canonical constructor of " + typeName() + " refused the stored values: " + e, e);
        }
        catch (Error e)
        {
            throw e;
        }
        catch (Throwable e)
        {
            throw new IOException("The canonical constructor of " + typeName() + " failed: " + e, e);
        }
    }
}
