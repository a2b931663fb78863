package io.github.jettyredis.session.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Objects;

import org.eclipse.jetty.util.ClassLoadingObjectInputStream;

/**
 * Java serialization, for the attribute values that have no typed representation. Reading is guarded by
 * an {@link ObjectInputFilter} and resolves classes (and the interfaces of {@link java.lang.reflect.Proxy}
 * instances) through the thread context class loader, i.e. the webapp's. Thread safe.
 */
public final class JavaSerialization
{
    private final ObjectInputFilter filter;

    /**
     * @param filter checks every class and the resource use of each value read, e.g. one built by
     * {@link SessionSerialFilter#create(String)}
     */
    public JavaSerialization(ObjectInputFilter filter)
    {
        this.filter = Objects.requireNonNull(filter, "filter");
    }

    /**
     * @param value the value to write
     * @return its Java serialization
     * @throws java.io.NotSerializableException if the value, or an object it refers to, is not
     * {@link java.io.Serializable}
     * @throws IOException if the value cannot be written for another reason
     */
    public byte[] serialize(Object value) throws IOException
    {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes))
        {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /**
     * @param bytes the Java serialization of one value
     * @return the value
     * @throws java.io.InvalidClassException if the filter refuses a class or a limit; a refused class is
     * never instantiated
     * @throws IOException if the bytes are not a valid serialization
     * @throws ClassNotFoundException if a class is visible neither to the context class loader nor to this
     * class's loader
     */
    public Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException
    {
        try (ObjectInputStream in = new ClassLoadingObjectInputStream(new ByteArrayInputStream(bytes)))
        {
            // Set before the first read: the stream consults the filter before it instantiates anything.
            in.setObjectInputFilter(filter);
            return in.readObject();
        }
    }

    @Override
    public String toString()
    {
        return "JavaSerialization[filter=" + filter + "]";
    }
}
