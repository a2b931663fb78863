package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class JavaSerializationTest
{
    private static final JavaSerialization DEFAULT = new JavaSerialization(SessionSerialFilter.create(null));

    @TempDir
    Path classDir;

    static Stream<Arguments> filterCases()
    {
        List<Object> deep = nestedLists(200);
        byte[] large = new byte[1_000_001];
        Payload payload = new Payload("x");
        ArrayList<Integer> jdkOnly = new ArrayList<>(List.of(1, 2));
        return Stream.of(
            arguments(null, payload, false),
            arguments(null, deep, true),
            arguments("maxdepth=500", deep, false),
            arguments(null, large, true),
            arguments("maxarray=2000000", large, false),
            arguments("java.base/*;!*", jdkOnly, false),
            arguments("java.base/*;!*", payload, true),
            arguments("!java.util.LinkedList", deep, true),
            arguments("!" + Payload.class.getName(), new ArrayList<>(List.of(payload)), true));
    }

    @ParameterizedTest
    @MethodSource("filterCases")
    void filterDecidesWhatIsRead(String userPattern, Object value, boolean refused) throws Exception
    {
        JavaSerialization java = new JavaSerialization(SessionSerialFilter.create(userPattern));
        byte[] bytes = java.serialize(value);
        if (refused)
            assertThrows(InvalidClassException.class, () -> java.deserialize(bytes));
        else
            assertTrue(Objects.deepEquals(value, java.deserialize(bytes)));
    }

    static Stream<Arguments> gadgetFilters()
    {
        return Stream.of(
            arguments(null, false),
            arguments("!" + Gadget.class.getName(), true),
            arguments("java.base/*;!*", true));
    }

    @ParameterizedTest
    @MethodSource("gadgetFilters")
    void refusedClassIsNeverInstantiated(String userPattern, boolean refused) throws Exception
    {
        JavaSerialization java = new JavaSerialization(SessionSerialFilter.create(userPattern));
        byte[] bytes = java.serialize(new ArrayList<>(List.of(new Gadget())));
        GadgetBase.INSTANTIATED.set(false);
        if (refused)
            assertThrows(InvalidClassException.class, () -> java.deserialize(bytes));
        else
            java.deserialize(bytes);
        assertEquals(!refused, GadgetBase.INSTANTIATED.get());
    }

    @Test
    void resolvesClassesThroughTheContextClassLoader() throws Exception
    {
        try (URLClassLoader webapp = isolatedLoader(Payload.class))
        {
            Object value = webapp.loadClass(Payload.class.getName()).getConstructor(String.class).newInstance("x");
            Object copy = deserializeInContext(webapp, DEFAULT.serialize(value));
            assertSame(webapp, copy.getClass().getClassLoader());
            assertEquals(value, copy);
        }
    }

    @Test
    void resolvesProxyInterfacesThroughTheContextClassLoader() throws Exception
    {
        try (URLClassLoader webapp = isolatedLoader(Greeter.class, GreeterHandler.class))
        {
            Class<?> greeter = webapp.loadClass(Greeter.class.getName());
            InvocationHandler handler =
                (InvocationHandler)webapp.loadClass(GreeterHandler.class.getName()).getConstructor().newInstance();
            Object proxy = Proxy.newProxyInstance(webapp, new Class<?>[]{greeter}, handler);
            Object copy = deserializeInContext(webapp, DEFAULT.serialize(proxy));
            assertTrue(greeter.isInstance(copy), () -> "not a proxy of the webapp's interface: " + copy.getClass());
            assertEquals("hello", greeter.getMethod("greet").invoke(copy));
        }
    }

    @Test
    void corruptBytesThrowIOException()
    {
        assertThrows(IOException.class, () -> DEFAULT.deserialize(new byte[]{1, 2, 3, 4, 5}));
    }

    private static List<Object> nestedLists(int depth)
    {
        List<Object> list = new LinkedList<>();
        for (int i = 1; i < depth; i++)
        {
            List<Object> outer = new LinkedList<>();
            outer.add(list);
            list = outer;
        }
        return list;
    }

    // Copies of the classes' files that only this loader sees: its parent, the platform loader, does not
    // know the test classpath.
    private URLClassLoader isolatedLoader(Class<?>... classes) throws Exception
    {
        for (Class<?> type : classes)
        {
            String resource = type.getName().replace('.', '/') + ".class";
            Path copy = classDir.resolve(resource);
            Files.createDirectories(copy.getParent());
            try (InputStream in = type.getClassLoader().getResourceAsStream(resource))
            {
                Files.copy(Objects.requireNonNull(in, resource), copy);
            }
        }
        return new URLClassLoader(new URL[]{classDir.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    }

    private static Object deserializeInContext(ClassLoader loader, byte[] bytes) throws Exception
    {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try
        {
            return DEFAULT.deserialize(bytes);
        }
        finally
        {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * A value of a webapp class.
     */
    public static final class Payload implements Serializable
    {
        private static final long serialVersionUID = 1L;

        private final String value;

        public Payload(String value)
        {
            this.value = value;
        }

        @Override
        public boolean equals(Object o)
        {
            return o != null && o.getClass() == getClass() && ((Payload)o).value.equals(value);
        }

        @Override
        public int hashCode()
        {
            return value.hashCode();
        }
    }

    /**
     * A webapp interface, only ever seen through a proxy.
     */
    public interface Greeter
    {
        String greet();
    }

    /**
     * The serializable handler behind a {@link Greeter} proxy.
     */
    public static final class GreeterHandler implements InvocationHandler, Serializable
    {
        private static final long serialVersionUID = 1L;

        @Override
        public Object invoke(Object proxy, Method method, Object[] args)
        {
            return method.getName().equals("greet") ? "hello" : null;
        }
    }

    /**
     * Deserialization runs the constructor of the first non-serializable superclass: the moment a
     * {@link Gadget} is instantiated.
     */
    static class GadgetBase
    {
        static final AtomicBoolean INSTANTIATED = new AtomicBoolean();

        GadgetBase()
        {
            INSTANTIATED.set(true);
        }
    }

    /**
     * Stands for a gadget class: what matters is whether it is instantiated.
     */
    static final class Gadget extends GadgetBase implements Serializable
    {
        private static final long serialVersionUID = 1L;
    }
}
