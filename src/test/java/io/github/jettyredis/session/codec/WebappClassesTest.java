// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.InvalidClassException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.AttributeValue.KindCase;
import io.github.jettyredis.session.testing.WebappClasses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Records and enums of a webapp, as the codec meets them: resolved through the webapp's class loader, decided
 * by the read filter before anything of them runs, and unreadable (an {@link IOException}, never anything
 * else) once a redeploy changed their shape. The classes are compiled while the test runs, each version in
 * class loaders of its own, so that two versions of one class can be told apart.
 */
public class WebappClassesTest
{
    /** The classes the tests change. */
    public static final String ORDER = "shop.Order";
    public static final String STATUS = "shop.Status";

    /** The webapp's classes as the values were written: version "v1". */
    private static final String ORDER_V1 = order("String id, int quantity", "");
    private static final String STATUS_V1 = status("NEW, PAID, SHIPPED");

    /**
     * Version "counted": v1, counting in system properties (reading them touches no class) the static
     * initializations of its classes and the constructions of its records.
     */
    private static final String COUNTED = "package shop; public record Order(String id, int quantity) implements java.io.Serializable {" +
        " static { shop.Count.up(\"initialized\"); }" +
        " public Order { shop.Count.up(\"constructed\"); } }";
    private static final String COUNTED_STATUS = "package shop; public enum Status { NEW, PAID, SHIPPED;" +
        " static { shop.Count.up(\"statusInitialized\"); } }";
    private static final String COUNT = "package shop; public final class Count {" +
        " public static void up(String what) { String key = \"webapp-classes-test.\" + what;" +
        " System.setProperty(key, String.valueOf(Integer.getInteger(key, 0) + 1)); } }";

    /** Version name, its Order and Status, and whether the values v1 wrote are still read. */
    private static final List<Arguments> SHAPE_CHANGES = List.of(
        arguments("added", order("String id, int quantity, String note", ""), STATUS_V1, false),
        arguments("removed", order("String id", ""), STATUS_V1, false),
        arguments("renamed", order("String id, int count", ""), STATUS_V1, false),
        // A component of a type that does not take the stored value.
        arguments("retyped", order("String id, long quantity", ""), STATUS_V1, false),
        arguments("boxed", order("String id, Integer quantity", ""), STATUS_V1, true),
        arguments("reordered", order("int quantity, String id", ""), STATUS_V1, true),
        // A compact constructor that refuses the stored value.
        arguments("refusing", order("String id, int quantity",
            "public Order { if (quantity > 1) throw new IllegalArgumentException(\"too many\"); }"), STATUS_V1, false),
        arguments("notRecord", "package shop; public class Order implements java.io.Serializable {}", STATUS_V1, false),
        arguments("notSerializable", "package shop; public record Order(String id, int quantity) {}", STATUS_V1, false),
        arguments("constantRemoved", ORDER_V1, status("NEW, PAID"), false),
        arguments("constantsAddedAndReordered", ORDER_V1, status("SHIPPED, RETURNED, PAID, NEW"), true),
        arguments("notEnum", ORDER_V1, "package shop; public class Status {}", false));

    private static WebappClasses versions;

    @BeforeAll
    static void compileTheVersions() throws IOException
    {
        versions = WebappClasses.compile(sources());
    }

    @AfterAll
    static void deleteTheVersions() throws IOException
    {
        versions.close();
    }

    @AfterEach
    void resetCounts()
    {
        for (String what : List.of("initialized", "constructed", "statusInitialized"))
            System.clearProperty("webapp-classes-test." + what);
    }

    /**
     * @return the sources of every version the tests use: "v1", "counted" and the shape changes, by name (also
     * for the session tests of the internal package)
     */
    public static Map<String, Map<String, String>> sources()
    {
        Map<String, Map<String, String>> sources = new HashMap<>();
        sources.put("v1", Map.of(ORDER, ORDER_V1, STATUS, STATUS_V1));
        sources.put("counted", Map.of(ORDER, COUNTED, STATUS, COUNTED_STATUS, "shop.Count", COUNT));
        for (Arguments change : SHAPE_CHANGES)
            sources.put((String)change.get()[0], Map.of(ORDER, (String)change.get()[1], STATUS, (String)change.get()[2]));
        return sources;
    }

    private static String order(String components, String body)
    {
        return "package shop; public record Order(" + components + ") implements java.io.Serializable {" + body + "}";
    }

    private static String status(String constants)
    {
        return "package shop; public enum Status { " + constants + " }";
    }

    /** @return a new {@code shop.Order} of the loader's version, which must have the components of v1 */
    public static Object newOrder(WebappClasses.Loader classes, String id, int quantity) throws Exception
    {
        return classes.load(ORDER).getConstructor(String.class, int.class).newInstance(id, quantity);
    }

    /** @return a constant of the loader's {@code shop.Status} */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Object constant(WebappClasses.Loader classes, String name) throws Exception
    {
        return Enum.valueOf((Class)classes.load(STATUS), name);
    }

    private static Object component(Object record, String name) throws Exception
    {
        return record.getClass().getMethod(name).invoke(record);
    }

    private static int count(String what)
    {
        return Integer.getInteger("webapp-classes-test." + what, 0);
    }

    @Test
    void recordsAndEnumsAreResolvedThroughTheContextClassLoader() throws Exception
    {
        ProtobufAttributeSerializer serializer = new ProtobufAttributeSerializer();
        WebappClasses.Loader webapp = versions.load("v1");
        List<Object> value = new ArrayList<>(List.of(newOrder(webapp, "A-1", 2), constant(webapp, "PAID")));
        byte[] bytes = webapp.inContext(() -> serializer.serialize(value));
        assertEquals(KindCase.COLLECTION_VALUE, AttributeValue.parseFrom(bytes).getKindCase());
        List<?> copy = (List<?>)webapp.inContext(() -> serializer.deserialize(bytes));
        assertEquals(value, copy);
        assertSame(webapp.load(ORDER), copy.get(0).getClass());
        assertSame(value.get(1), copy.get(1), "enum constants are the webapp's own");
        // Without the webapp's loader the class is not there: the attribute is unreadable, as for Java serialization.
        assertThrows(ClassNotFoundException.class, () -> serializer.deserialize(bytes));
    }

    static Stream<Arguments> shapeChanges()
    {
        return SHAPE_CHANGES.stream().map(change -> arguments(change.get()[0], change.get()[3]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeChanges")
    void aValueWhoseClassChangedShapeIsUnreadable(String version, boolean readable) throws Exception
    {
        ProtobufAttributeSerializer serializer = new ProtobufAttributeSerializer();
        WebappClasses.Loader v1 = versions.load("v1");
        // A record and an enum in a map: the whole value stands or falls together.
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("order", newOrder(v1, "A-1", 2));
        value.put("status", constant(v1, "SHIPPED"));
        byte[] bytes = v1.inContext(() -> serializer.serialize(value));
        assertEquals(KindCase.MAP_VALUE, AttributeValue.parseFrom(bytes).getKindCase());

        WebappClasses.Loader v2 = versions.load(version);
        if (readable)
        {
            Map<?, ?> read = (Map<?, ?>)v2.inContext(() -> serializer.deserialize(bytes));
            assertEquals("A-1", component(read.get("order"), "id"));
            assertEquals(2, component(read.get("order"), "quantity"));
            assertEquals("SHIPPED", ((Enum<?>)read.get("status")).name());
        }
        else
        {
            IOException unreadable = assertThrows(IOException.class, () -> v2.inContext(() -> serializer.deserialize(bytes)));
            assertTrue(unreadable.getMessage().contains("shop."), () -> "names the class: " + unreadable.getMessage());
        }
    }

    static Stream<Arguments> refusingFilters()
    {
        return Stream.of(
            arguments("!" + ORDER, true, false),
            arguments("!" + STATUS, false, true),
            arguments("!shop.*", true, true),
            // An allow-list of the JDK's base module: a webapp class is refused.
            arguments("java.base/*;!*", true, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusingFilters")
    void aClassTheFilterRefusesIsRefusedBeforeItIsInitializedOrInstantiated(String pattern, boolean orderRefused,
                                                                          boolean statusRefused) throws Exception
    {
        ProtobufAttributeSerializer writer = new ProtobufAttributeSerializer();
        WebappClasses.Loader v1 = versions.load("counted");
        // In a list: the record is nested, as it mostly is.
        List<Object> orders = new ArrayList<>(List.of(newOrder(v1, "A-1", 2)));
        byte[] order = v1.inContext(() -> writer.serialize(orders));
        Object shipped = constant(v1, "SHIPPED");
        byte[] status = v1.inContext(() -> writer.serialize(shipped));
        resetCounts();

        // A node that has not initialized the classes yet.
        ProtobufAttributeSerializer reader = new ProtobufAttributeSerializer(new JavaSerialization(SessionSerialFilter.create(pattern)));
        WebappClasses.Loader webapp = versions.load("counted");
        if (orderRefused)
            assertThrows(InvalidClassException.class, () -> webapp.inContext(() -> reader.deserialize(order)));
        else
            assertEquals(orders.toString(), webapp.inContext(() -> reader.deserialize(order)).toString());
        if (statusRefused)
            assertThrows(InvalidClassException.class, () -> webapp.inContext(() -> reader.deserialize(status)));
        else
            assertEquals("SHIPPED", webapp.inContext(() -> reader.deserialize(status)).toString());
        assertEquals(orderRefused ? 0 : 1, count("initialized"));
        assertEquals(orderRefused ? 0 : 1, count("constructed"));
        assertEquals(statusRefused ? 0 : 1, count("statusInitialized"));
    }

    @Test
    void aCollectionOverTheFiltersArrayLimitIsRefusedBeforeAnyElementIsRead() throws Exception
    {
        ProtobufAttributeSerializer writer = new ProtobufAttributeSerializer();
        ProtobufAttributeSerializer reader = new ProtobufAttributeSerializer(new JavaSerialization(SessionSerialFilter.create("maxarray=2")));
        WebappClasses.Loader webapp = versions.load("counted");
        List<Object> orders = new ArrayList<>();
        for (int i = 0; i < 3; i++)
            orders.add(newOrder(webapp, "A-" + i, i));
        byte[] three = webapp.inContext(() -> writer.serialize(orders));
        orders.remove(2);
        byte[] two = webapp.inContext(() -> writer.serialize(orders));
        resetCounts();

        assertThrows(InvalidClassException.class, () -> webapp.inContext(() -> reader.deserialize(three)));
        assertEquals(0, count("constructed"));
        assertEquals(orders, webapp.inContext(() -> reader.deserialize(two)));
        assertEquals(2, count("constructed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"!" + ORDER, "java.base/*;!*"})
    void aValueTheFilterRefusesIsLeftToJavaSerializationWhichTheSaveRefuses(String pattern) throws Exception
    {
        ProtobufAttributeSerializer serializer = new ProtobufAttributeSerializer(new JavaSerialization(SessionSerialFilter.create(pattern)));
        WebappClasses.Loader webapp = versions.load("v1");
        Object order = newOrder(webapp, "A-1", 2);
        byte[] bytes = webapp.inContext(() -> serializer.serialize(order));
        assertEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(bytes).getKindCase());
        assertThrows(InvalidClassException.class, () -> webapp.inContext(() ->
        {
            serializer.checkReadable(bytes);
            return null;
        }));
    }
}
