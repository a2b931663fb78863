// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputFilter.FilterInfo;
import java.io.ObjectInputFilter.Status;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.jettyredis.session.testing.ChildJvm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class SessionSerialFilterTest
{
    @ParameterizedTest
    @ValueSource(strings = {
        "javax.management.BadAttributeValueExpException",
        "javax.management.openmbean.TabularDataSupport",
        "[Ljavax.management.BadAttributeValueExpException;",
        "sun.reflect.annotation.AnnotationInvocationHandler",
        "com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl",
        "com.sun.rowset.JdbcRowSetImpl",
        "java.rmi.server.UnicastRemoteObject",
        "java.rmi.server.RemoteObjectInvocationHandler",
        "sun.rmi.server.UnicastRef",
        "com.sun.jndi.ldap.LdapCtx",
        "java.net.URL"
    })
    void defaultDenyListRefusesGadgets(String className) throws Exception
    {
        assertEquals(Status.REJECTED, SessionSerialFilter.create(null).checkInput(info(Class.forName(className))));
    }

    @ParameterizedTest
    @ValueSource(classes = {
        String.class, Integer.class, ArrayList.class, LinkedList.class, HashMap.class, TreeMap.class,
        PriorityQueue.class, ConcurrentHashMap.class, TimeUnit.class, java.net.URI.class, java.sql.Timestamp.class,
        int[].class, Object[].class, ProtobufAttributeSerializerTest.Point.class
    })
    void ordinaryClassesAreNotRefused(Class<?> type)
    {
        assertNotEquals(Status.REJECTED, SessionSerialFilter.create(null).checkInput(info(type)));
    }

    // The entries that the README promises; guards against one being dropped by an edit.
    @ParameterizedTest
    @ValueSource(strings = {
        "org.apache.commons.collections.functors.*", "org.apache.commons.collections4.functors.*",
        "org.codehaus.groovy.runtime.*", "org.springframework.beans.factory.ObjectFactory",
        "com.sun.org.apache.xalan.internal.xsltc.trax.*", "org.apache.xalan.xsltc.trax.*", "javax.management.**",
        "java.rmi.server.*", "sun.rmi.**", "com.sun.rowset.**", "org.hibernate.engine.spi.*",
        "com.mchange.v2.c3p0.**", "org.apache.commons.beanutils.BeanComparator", "bsh.**", "com.sun.jndi.**",
        "clojure.**", "org.python.core.**", "java.net.URL",
        "org.apache.myfaces.view.facelets.el.ValueExpressionMethodExpression",
        "com.vaadin.data.util.NestedMethodProperty", "com.vaadin.data.util.PropertysetItem",
        "org.apache.click.control.Column$ColumnComparator", "org.apache.click.control.Table",
        "org.springframework.transaction.jta.JtaTransactionManager",
        "org.hibernate.tuple.component.AbstractComponentTuplizer", "org.hibernate.property.**",
        "org.hibernate.type.ComponentType"
    })
    void defaultDenyListHasWellKnownGadgets(String pattern)
    {
        assertTrue(Arrays.asList(SessionSerialFilter.DEFAULT_DENY.split(";")).contains("!" + pattern));
    }

    // The links of ysoserial's MyFaces, Vaadin, Click, SpringJta and Hibernate chains, and the same Vaadin
    // classes in Vaadin 8's compatibility package. Stand-ins with these names, defined here, are decided as the
    // real classes would be: the filter only sees the name.
    static final List<String> FRAMEWORK_GADGETS = List.of(
        "org.apache.myfaces.view.facelets.el.ValueExpressionMethodExpression",
        "com.vaadin.data.util.NestedMethodProperty",
        "com.vaadin.data.util.PropertysetItem",
        "com.vaadin.v7.data.util.NestedMethodProperty",
        "com.vaadin.v7.data.util.PropertysetItem",
        "org.apache.click.control.Column$ColumnComparator",
        "org.apache.click.control.Table",
        "org.springframework.transaction.jta.JtaTransactionManager",
        "org.hibernate.tuple.component.AbstractComponentTuplizer",
        "org.hibernate.type.ComponentType",
        "org.hibernate.property.BasicPropertyAccessor$BasicGetter",
        "org.hibernate.property.access.spi.GetterMethodImpl",
        "org.hibernate.engine.spi.TypedValue");

    static List<String> frameworkGadgets()
    {
        return FRAMEWORK_GADGETS;
    }

    @ParameterizedTest
    @MethodSource("frameworkGadgets")
    void defaultDenyListRefusesFrameworkGadgets(String className)
    {
        assertEquals(Status.REJECTED, SessionSerialFilter.create(null).checkInput(info(STUBS.define(className))));
    }

    @ParameterizedTest
    @MethodSource("frameworkGadgets")
    void userPatternCanAllowAFrameworkGadget(String className)
    {
        assertEquals(Status.ALLOWED, SessionSerialFilter.create(className).checkInput(info(STUBS.define(className))));
    }

    // Classes of the same frameworks that applications keep in sessions (MyFaces' server-side view state, EL
    // expressions of JSF components, Hibernate's collections and proxies of detached entities, Spring's
    // transaction definitions, Vaadin's bean items): the entries name the gadgets, not their packages.
    @ParameterizedTest
    @ValueSource(strings = {
        "org.apache.myfaces.application.viewstate.SerializedViewCollection",
        "org.apache.myfaces.view.facelets.el.TagValueExpression",
        "org.apache.el.ValueExpressionImpl",
        "org.hibernate.collection.internal.PersistentBag",
        "org.hibernate.proxy.pojo.bytebuddy.SerializableProxy",
        "org.hibernate.type.StringType",
        "org.springframework.transaction.support.DefaultTransactionDefinition",
        "com.vaadin.data.util.ObjectProperty",
        "org.apache.click.control.Column"
    })
    void neighboursOfFrameworkGadgetsAreNotRefused(String className)
    {
        assertNotEquals(Status.REJECTED, SessionSerialFilter.create(null).checkInput(info(STUBS.define(className))));
    }

    static Stream<Arguments> decisions()
    {
        Class<?> gadget = javax.management.BadAttributeValueExpException.class;
        Class<?> local = ProtobufAttributeSerializerTest.Point.class;
        return Stream.of(
            // The user's patterns come first, so they can allow a denied class or refuse anything.
            arguments(gadget.getName(), info(gadget), Status.ALLOWED),
            arguments("!java.util.ArrayList", info(ArrayList.class), Status.REJECTED),
            arguments("java.base/*;!*", info(ArrayList.class), Status.ALLOWED),
            arguments("java.base/*;!*", info(local), Status.REJECTED),
            arguments("  io.github.** ; !*  ", info(local), Status.ALLOWED),
            arguments("  io.github.** ; !*  ", info(ArrayList.class), Status.REJECTED),
            // Default limits, inclusive.
            arguments(null, info(ArrayList.class, 0, 20, 1, 1), Status.UNDECIDED),
            arguments(null, info(ArrayList.class, 0, 21, 1, 1), Status.REJECTED),
            arguments(null, info(null, 0, 1, 100_001, 1), Status.REJECTED),
            arguments(null, info(int[].class, 1_000_000, 1, 1, 1), Status.UNDECIDED),
            arguments(null, info(int[].class, 1_000_001, 1, 1, 1), Status.REJECTED),
            // An array is decided by its component type.
            arguments(null, info(gadget.arrayType().arrayType(), 1, 1, 1, 1), Status.REJECTED),
            arguments(null, info(null, 0, 1, 1, 16 * 1024 * 1024 + 1), Status.REJECTED),
            // Limits apply to allowed classes too, and a user limit replaces the default one.
            arguments("java.util.*", info(ArrayList.class, 0, 21, 1, 1), Status.REJECTED),
            arguments("maxdepth=100", info(ArrayList.class, 0, 100, 1, 1), Status.UNDECIDED),
            arguments("maxdepth=100", info(ArrayList.class, 0, 101, 1, 1), Status.REJECTED),
            arguments("maxdepth=10", info(ArrayList.class, 0, 11, 1, 1), Status.REJECTED),
            arguments("maxarray=2000000", info(int[].class, 2_000_000, 1, 1, 1), Status.UNDECIDED),
            arguments("maxrefs=200000;maxbytes=100000000", info(null, 0, 1, 200_000, 100_000_000), Status.UNDECIDED));
    }

    @ParameterizedTest
    @MethodSource("decisions")
    void decides(String userPattern, FilterInfo info, Status expected)
    {
        assertEquals(expected, SessionSerialFilter.create(userPattern).checkInput(info));
    }

    @ParameterizedTest
    @MethodSource("decisions")
    void decidesTheSameWhenItRemembersTheClass(String userPattern, FilterInfo info, Status expected)
    {
        ObjectInputFilter filter = SessionSerialFilter.create(userPattern);
        assertEquals(List.of(expected, expected, expected),
            List.of(filter.checkInput(info), filter.checkInput(info), filter.checkInput(info)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"maxdepth=abc", "maxdepth=-1", "maxfoo=1", "com.acme/", "!", "/com.acme.Foo"})
    void malformedPatternIsRefusedWithThePattern(String userPattern)
    {
        IllegalArgumentException failure =
            assertThrows(IllegalArgumentException.class, () -> SessionSerialFilter.create(userPattern));
        assertTrue(failure.getMessage().contains(userPattern), failure.getMessage());
    }

    static Stream<Arguments> jvmWideFilters()
    {
        return Stream.of(
            arguments("!java.util.ArrayList", "ArrayList=refused HashMap=read"),
            arguments("!java.util.HashMap", "ArrayList=read HashMap=refused"),
            arguments("maxdepth=1", "ArrayList=refused HashMap=refused"));
    }

    // The JVM-wide filter can be set once per JVM, so each case runs in a JVM of its own.
    @ParameterizedTest
    @MethodSource("jvmWideFilters")
    void jvmWideFilterStillApplies(String jvmWideFilter, String expected) throws Exception
    {
        ChildJvm.Result probe = ChildJvm.run(Duration.ofMinutes(1), List.of("-Djdk.serialFilter=" + jvmWideFilter),
            JvmWideFilterProbe.class);
        assertEquals(0, probe.exitCode(), probe.output());
        assertEquals(expected, probe.output());
    }

    private static final StubClasses STUBS = new StubClasses();

    private static FilterInfo info(Class<?> type)
    {
        return info(type, type.isArray() ? 1 : -1, 1, 1, 100);
    }

    private static FilterInfo info(Class<?> type, long arrayLength, long depth, long references, long streamBytes)
    {
        return new Info(type, arrayLength, depth, references, streamBytes);
    }

    private record Info(Class<?> serialClass, long arrayLength, long depth, long references, long streamBytes)
        implements FilterInfo
    {
    }

    /**
     * Defines empty classes with the names of classes this project does not depend on, so that the filter can
     * decide them (a {@link FilterInfo} carries a {@link Class}, not a name).
     */
    private static final class StubClasses extends ClassLoader
    {
        private final Map<String, Class<?>> defined = new ConcurrentHashMap<>();

        private StubClasses()
        {
            super(null);
        }

        Class<?> define(String binaryName)
        {
            return defined.computeIfAbsent(binaryName, name ->
            {
                byte[] bytes = classFile(name.replace('.', '/'));
                return defineClass(name, bytes, 0, bytes.length);
            });
        }

        // The smallest valid class file: public class <name> extends Object, without members.
        private static byte[] classFile(String internalName)
        {
            try
            {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(bytes);
                out.writeInt(0xCAFEBABE);
                // Version 52.0 (Java 8), so that no attribute is required.
                out.writeShort(0);
                out.writeShort(52);
                // Constant pool: 4 entries, #1 class #2 named by the UTF-8 #2, #3 class #4 named by #4.
                out.writeShort(5);
                out.writeByte(7);
                out.writeShort(2);
                out.writeByte(1);
                out.writeUTF(internalName);
                out.writeByte(7);
                out.writeShort(4);
                out.writeByte(1);
                out.writeUTF("java/lang/Object");
                // ACC_PUBLIC | ACC_SUPER, this class #1, superclass #3.
                out.writeShort(0x0021);
                out.writeShort(1);
                out.writeShort(3);
                // No interfaces, fields, methods or attributes.
                out.writeShort(0);
                out.writeShort(0);
                out.writeShort(0);
                out.writeShort(0);
                return bytes.toByteArray();
            }
            catch (IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Run in a JVM started with {@code -Djdk.serialFilter}: prints whether values pass the default filter.
     */
    public static final class JvmWideFilterProbe
    {
        public static void main(String[] args) throws Exception
        {
            JavaSerialization java = new JavaSerialization(SessionSerialFilter.create(null));
            Map<String, Object> values = new TreeMap<>(Map.of(
                "ArrayList", new ArrayList<>(List.of(1)),
                "HashMap", new HashMap<>(Map.of(1, 2))));
            StringBuilder output = new StringBuilder();
            for (Map.Entry<String, Object> value : values.entrySet())
            {
                String result;
                try
                {
                    java.deserialize(java.serialize(value.getValue()));
                    result = "read";
                }
                catch (InvalidClassException e)
                {
                    result = "refused";
                }
                output.append(output.length() == 0 ? "" : " ").append(value.getKey()).append('=').append(result);
            }
            System.out.print(output);
        }
    }
}
