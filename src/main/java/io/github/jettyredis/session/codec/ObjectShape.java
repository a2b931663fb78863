// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import sun.reflect.ReflectionFactory;

/**
 * What the codec needs of one plain {@code Serializable} class of the application (a class that is neither a
 * record nor an enum, whose serializable form is Java serialization's default one): the fields that form
 * writes, and the way Java serialization makes an instance without running the class's own constructors (the
 * no-argument constructor of its first superclass that is not {@code Serializable}). Values of such a class
 * are then written field by field, by name, and read back as Java serialization reads them: the stored fields
 * set on a new instance, a stored field the class no longer has ignored, a field not stored left at its
 * default, refused when the class's {@code serialVersionUID} is not the one stored.
 *
 * <p>A class is usable only when Java serialization would write nothing but those fields: not
 * {@code Externalizable}, no {@code writeObject}, {@code readObject}, {@code readObjectNoData},
 * {@code writeReplace}, {@code readResolve} or {@code serialPersistentFields} in its hierarchy, no field name
 * used twice in it, every class of it defined by an application class loader in an unnamed module (no JDK
 * class, whose fields this library may not set). Anything else stays with Java serialization.</p>
 */
final class ObjectShape extends ValueShape
{
    private static final ClassValue<ObjectShape> SHAPES = new ClassValue<>()
    {
        @Override
        protected ObjectShape computeValue(Class<?> type)
        {
            List<Field> fields = new ArrayList<>();
            String why = unusable(type, fields);
            return new ObjectShape(type, why == null ? fields : List.of(), why);
        }
    };
    private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);
    private static final MethodType SETTER = MethodType.methodType(void.class, Object.class, Object.class);

    // The class and its serializable superclasses: the classes Java serialization would describe in the stream.
    private final Class<?>[] serializableClasses;
    private final long serialVersionUid;
    private final MethodHandle[] getters;
    private final MethodHandle[] setters;
    // The constructor Java serialization uses: called through reflection, which makes it build an instance of the
    // class (a method handle of it would build one of the superclass that declares it).
    private final Constructor<?> instantiator;
    private final String unusable;

    private ObjectShape(Class<?> type, List<Field> fields, String unusable)
    {
        super(type, fields.stream().map(Field::getName).toArray(String[]::new),
            fields.stream().map(Field::getType).toArray(Class<?>[]::new));
        List<Class<?>> hierarchy = new ArrayList<>();
        for (Class<?> c = type; c != null && Serializable.class.isAssignableFrom(c); c = c.getSuperclass())
            hierarchy.add(c);
        serializableClasses = hierarchy.toArray(new Class<?>[0]);
        getters = new MethodHandle[fields.size()];
        setters = new MethodHandle[fields.size()];
        long uid = 0;
        Constructor<?> newInstance = null;
        String why = unusable;
        if (why == null)
        {
            try
            {
                uid = ObjectStreamClass.lookup(type).getSerialVersionUID();
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                for (int i = 0; i < getters.length; i++)
                {
                    Field field = fields.get(i);
                    field.setAccessible(true);
                    getters[i] = lookup.unreflectGetter(field).asType(GETTER);
                    setters[i] = lookup.unreflectSetter(field).asType(SETTER);
                }
                newInstance = ReflectionFactory.getReflectionFactory().newConstructorForSerialization(type);
                if (newInstance == null)
                    why = "a class whose first superclass that is not Serializable has no accessible no-argument constructor";
            }
            catch (ReflectiveOperationException | RuntimeException e)
            {
                // InaccessibleObjectException, IllegalAccessException: fields that cannot be reached after all.
                why = "a class whose fields cannot be reached: " + e;
            }
        }
        this.serialVersionUid = uid;
        this.instantiator = newInstance;
        this.unusable = why;
    }

    /**
     * @param type the class of a value that is neither a record nor an enum
     * @return its shape; check {@link #isUsable()}
     */
    static ObjectShape of(Class<?> type)
    {
        return SHAPES.get(type);
    }

    /**
     * @return why values of the class cannot be written field by field, or null if they can; {@code fields}
     * gets the fields of each serializable class, from the top of the hierarchy down, by name within a class
     */
    private static String unusable(Class<?> type, List<Field> fields)
    {
        if (!Serializable.class.isAssignableFrom(type))
            return "not Serializable";
        if (Externalizable.class.isAssignableFrom(type))
            return "Externalizable";
        if (type.isRecord() || type.isEnum() || type.isArray() || type.isHidden() || Proxy.isProxyClass(type) ||
            Enum.class.isAssignableFrom(type) || Record.class.isAssignableFrom(type))
            return "not a plain class";
        Set<String> names = new HashSet<>();
        List<Class<?>> hierarchy = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass())
        {
            // writeReplace and readResolve apply from any class of the hierarchy, serializable or not.
            if (declares(c, "writeReplace") || declares(c, "readResolve"))
                return "a class with writeReplace or readResolve in its hierarchy";
            if (Serializable.class.isAssignableFrom(c))
                hierarchy.add(0, c);
        }
        for (Class<?> c : hierarchy)
        {
            // Classes of the JDK (or of a named module) keep their fields to themselves, and most of them have a
            // serialized form of their own.
            ClassLoader loader = c.getClassLoader();
            if (loader == null || loader == ClassLoader.getPlatformClassLoader() || c.getModule().isNamed())
                return "a class with " + c.getName() + " in its hierarchy, of the JDK or of a named module";
            if (declares(c, "writeObject", ObjectOutputStream.class) || declares(c, "readObject", ObjectInputStream.class) ||
                declares(c, "readObjectNoData"))
                return "a class with a serialized form of its own (" + c.getName() + ")";
            List<Field> declared = new ArrayList<>();
            for (Field field : c.getDeclaredFields())
            {
                if (field.getName().equals("serialPersistentFields") && Modifier.isStatic(field.getModifiers()))
                    return "a class with serialPersistentFields (" + c.getName() + ")";
                if ((field.getModifiers() & (Modifier.STATIC | Modifier.TRANSIENT)) == 0)
                    declared.add(field);
            }
            declared.sort(Comparator.comparing(Field::getName));
            for (Field field : declared)
                if (!names.add(field.getName()))
                    return "a class whose hierarchy has two fields named " + field.getName();
            fields.addAll(declared);
        }
        return null;
    }

    private static boolean declares(Class<?> type, String name, Class<?>... parameters)
    {
        try
        {
            type.getDeclaredMethod(name, parameters);
            return true;
        }
        catch (NoSuchMethodException e)
        {
            return false;
        }
    }

    @Override
    boolean isUsable()
    {
        return unusable == null;
    }

    @Override
    String partName()
    {
        return "field";
    }

    @Override
    String kind()
    {
        return "Class";
    }

    /** @return the class and its serializable superclasses, each of which the read filter decides */
    Class<?>[] serializableClasses()
    {
        return serializableClasses;
    }

    /** @return the class's serialVersionUID, as Java serialization computes it */
    long serialVersionUid()
    {
        return serialVersionUid;
    }

    /**
     * @param storedUid the serialVersionUID the value was written with
     * @throws IOException if values of the class cannot be read field by field, or the class is not the one the
     * value was written with, saying why
     */
    void checkReadable(long storedUid) throws IOException
    {
        if (unusable != null)
            throw new IOException("Cannot read an object value of " + typeName() + ": it is now " + unusable);
        if (storedUid != serialVersionUid)
            throw new IOException("Class " + typeName() + " changed: its serialVersionUID is " + serialVersionUid +
                " now, the value was written with " + storedUid);
    }

    @Override
    Object get(Object value, int index)
    {
        try
        {
            return (Object)getters[index].invokeExact(value);
        }
        catch (RuntimeException | Error e)
        {
            throw e;
        }
        catch (Throwable e)
        {
            // A field getter throws nothing else.
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param values a value for each field, by index, each {@link #checkAccepts accepted}
     * @param present which fields the stored value had; the others are left at their defaults
     * @return a new instance, made as Java serialization makes one, with the fields set
     */
    Object instantiate(Object[] values, boolean[] present) throws IOException
    {
        try
        {
            Object instance = instantiator.newInstance();
            for (int i = 0; i < values.length; i++)
                if (present[i])
                    setters[i].invokeExact(instance, values[i]);
            return instance;
        }
        catch (InvocationTargetException e)
        {
            throw new IOException("The constructor of the first superclass of " + typeName() + " that is not Serializable failed: " +
                e.getCause(), e.getCause());
        }
        catch (Exception | LinkageError e)
        {
            throw new IOException("Cannot make an instance of " + typeName() + ": " + e, e);
        }
        catch (Error e)
        {
            throw e;
        }
        catch (Throwable e)
        {
            throw new IOException("Cannot make an instance of " + typeName() + ": " + e, e);
        }
    }
}
