// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import io.github.jettyredis.session.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Named.named;
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

    // SerialDOS: each level's two sets are both in the two sets of the level above, so hashing a set on read
    // walks 2^(levels below) paths; each level more doubles the time. In a list, as the reproduction
    // sends it: 22 deep, which the old limit (64) let through.
    @Test
    void nestedHashSetBombIsRefused() throws Exception
    {
        byte[] bytes = DEFAULT.serialize(new ArrayList<>(List.of(nestedSets(20))));
        assertThrows(InvalidClassException.class, () -> DEFAULT.deserialize(bytes));
    }

    // Allowed by every other limit (a thousand small objects, 3 deep): only the budget refuses it.
    @Test
    void readThatOutlastsItsBudgetIsRefused() throws Exception
    {
        JavaSerialization java = new JavaSerialization(SessionSerialFilter.create(null), Duration.ofNanos(1));
        byte[] bytes = java.serialize(payloads(1_000));
        InvalidClassException refused = assertThrows(InvalidClassException.class, () -> java.deserialize(bytes));
        assertTrue(refused.getMessage().contains("budget"), refused.getMessage());
    }

    // A session-sized value: far from the budget even on a slow, busy machine.
    @Test
    void ordinaryValueIsReadWithinTheDefaultBudget() throws Exception
    {
        List<Payload> value = payloads(100);
        assertEquals(value, DEFAULT.deserialize(DEFAULT.serialize(value)));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void budgetMustBePositive(long nanos)
    {
        ObjectInputFilter filter = SessionSerialFilter.create(null);
        assertThrows(IllegalArgumentException.class, () -> new JavaSerialization(filter, Duration.ofNanos(nanos)));
    }

    @Test
    void deniedSuperclassRefusesItsSubclasses() throws Exception
    {
        // Deny entries name abstract gadget classes (Hibernate's AbstractComponentTuplizer): the stream carries
        // the descriptor of every serializable superclass, and the filter is asked about each.
        JavaSerialization java = new JavaSerialization(SessionSerialFilter.create("!" + Base.class.getName()));
        byte[] bytes = java.serialize(new Derived());
        assertThrows(InvalidClassException.class, () -> java.deserialize(bytes));
    }

    static Stream<Arguments> urlDnsFilters()
    {
        return Stream.of(
            arguments("", "refused lookups=[]"),
            // The probe sees a lookup when there is one: the user's pattern can still allow URL.
            arguments("java.net.URL", "read lookups=[attacker.example]"));
    }

    // ysoserial's URLDNS: reading a HashMap hashes its keys, and URL.hashCode() resolves the host name, a DNS
    // query to the attacker. A JVM of its own, because the probe replaces the "http" handler for good.
    @ParameterizedTest
    @MethodSource("urlDnsFilters")
    void urlDnsChainIsRefusedBeforeTheHostIsLookedUp(String userPattern, String expected) throws Exception
    {
        ChildJvm.Result probe = ChildJvm.run(Duration.ofMinutes(1), List.of(), UrlDnsProbe.class, userPattern);
        assertEquals(0, probe.exitCode(), probe.output());
        assertEquals(expected, probe.output());
    }

    @Test
    void corruptBytesThrowIOException()
    {
        assertThrows(IOException.class, () -> DEFAULT.deserialize(new byte[]{1, 2, 3, 4, 5}));
    }

    // Found by DecoderFuzzIT: damage that makes ObjectInputStream, or a JDK class's readObject or readResolve,
    // throw an unchecked exception. Callers take an IOException for "unreadable", as for any other damage.
    static Stream<Arguments> damagedStreams() throws IOException
    {
        return Stream.of(
            arguments(named("a Currency of no known code (IllegalArgumentException in readResolve)",
                replace(DEFAULT.serialize(Currency.getInstance("EUR")), "EUR", "ZZZ"))),
            arguments(named("a BigInteger whose magnitude is an int[] (ClassCastException in readObject)",
                replace(DEFAULT.serialize(BigInteger.ZERO), "ur\0\2[B", "ur\0\2[I"))),
            arguments(named("a Locale with an ill-formed extension (IllformedLocaleException in readObject)",
                replace(DEFAULT.serialize(Locale.forLanguageTag("en-x-abc")), "x-abc", "x-a!c"))));
    }

    @ParameterizedTest
    @MethodSource("damagedStreams")
    void damageThatJdkClassesRefuseUncheckedIsAnIOException(byte[] bytes)
    {
        IOException unreadable = assertThrows(IOException.class, () -> DEFAULT.deserialize(bytes));
        assertTrue(unreadable.getCause() instanceof RuntimeException, unreadable::toString);
    }

    // Found by DecoderFuzzIT: reading the set hashes the list, whose hash recurses into itself until the stack
    // overflows. A value an application can write: the error must not escape as an Error, which the store's load
    // does not catch.
    @Test
    void valueWhoseReadOverflowsTheStackIsAnIOException() throws Exception
    {
        List<Object> itself = new ArrayList<>();
        Set<Object> holder = new HashSet<>();
        holder.add(itself);
        itself.add(itself);
        byte[] bytes = DEFAULT.serialize(holder);
        IOException unreadable = assertThrows(IOException.class, () -> DEFAULT.deserialize(bytes));
        assertTrue(unreadable.getCause() instanceof StackOverflowError, unreadable::toString);
    }

    /** @return {@code bytes} with the first occurrence of {@code from} (as ISO-8859-1 bytes) replaced by {@code to} */
    private static byte[] replace(byte[] bytes, String from, String to)
    {
        byte[] needle = from.getBytes(StandardCharsets.ISO_8859_1);
        byte[] replacement = to.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i + needle.length <= bytes.length; i++)
        {
            if (Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length))
            {
                byte[] out = bytes.clone();
                System.arraycopy(replacement, 0, out, i, replacement.length);
                return out;
            }
        }
        throw new AssertionError("'" + from + "' is not in the bytes");
    }

    private static List<Payload> payloads(int count)
    {
        List<Payload> payloads = new ArrayList<>();
        for (int i = 0; i < count; i++)
            payloads.add(new Payload("value " + i));
        return payloads;
    }

    // As the reproduction builds it.
    private static Set<Object> nestedSets(int levels)
    {
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < levels; i++)
        {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("foo");
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        return root;
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
     * A serializable superclass: its descriptor is in the stream of every {@link Derived}.
     */
    static class Base implements Serializable
    {
        private static final long serialVersionUID = 1L;
    }

    /**
     * A class that no pattern names.
     */
    static final class Derived extends Base
    {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Run in a JVM of its own: reads ysoserial's URLDNS value (a HashMap whose key is an http URL) with the
     * default filter and the user pattern given as argument, and prints whether it was read and which host
     * names the reader asked to resolve. The "http" handler is replaced by one that records the lookups instead
     * of making them, so no DNS is involved.
     */
    public static final class UrlDnsProbe
    {
        public static void main(String[] args) throws Exception
        {
            RecordingHandler handler = new RecordingHandler();
            URL.setURLStreamHandlerFactory(protocol -> protocol.equals("http") ? handler : null);
            HashMap<URL, String> value = new HashMap<>();
            value.put(new URL("http://attacker.example/"), "x");
            JavaSerialization java = new JavaSerialization(SessionSerialFilter.create(args[0]));
            byte[] bytes = java.serialize(value);
            // Putting the key into the map hashed it: only the reader's lookups count.
            handler.lookups.clear();
            String result;
            try
            {
                java.deserialize(bytes);
                result = "read";
            }
            catch (InvalidClassException e)
            {
                result = "refused";
            }
            System.out.print(result + " lookups=" + handler.lookups);
        }
    }

    /**
     * An http handler that records where the JDK's would resolve a host name, and resolves nothing.
     */
    static final class RecordingHandler extends URLStreamHandler
    {
        final List<String> lookups = new CopyOnWriteArrayList<>();

        @Override
        protected URLConnection openConnection(URL url) throws IOException
        {
            throw new IOException("The probe connects nowhere");
        }

        // URL.hashCode() -> URLStreamHandler.hashCode(URL) -> here: the JDK's handler resolves the host.
        @Override
        protected InetAddress getHostAddress(URL url)
        {
            lookups.add(url.getHost());
            return null;
        }

        // -1 is URL's "not computed yet": the writer stores it and the reader hashes the URL again, as
        // ysoserial's URLDNS arranges by resetting the field.
        @Override
        protected int hashCode(URL url)
        {
            super.hashCode(url);
            return -1;
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
