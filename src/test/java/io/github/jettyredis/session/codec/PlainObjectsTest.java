// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.InvalidClassException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.github.jettyredis.session.codec.CodecFixtures.Colour;
import io.github.jettyredis.session.codec.CodecFixtures.Item;
import io.github.jettyredis.session.codec.PlainObjects.Account;
import io.github.jettyredis.session.codec.PlainObjects.Node;
import io.github.jettyredis.session.codec.PlainObjects.Pair;
import io.github.jettyredis.session.codec.PlainObjects.PremiumAccount;
import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.AttributeValue.KindCase;
import io.github.jettyredis.session.codec.proto.ObjectValue;
import io.github.jettyredis.session.codec.proto.RecordComponent;
import io.github.jettyredis.session.testing.WebappClasses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Plain {@code Serializable} objects of the application, written field by field ({@code ObjectValue}) and read
 * back as Java serialization reads them, without any Java serialization; and the objects that stay with Java
 * serialization because their serialized form is not the default one.
 */
class PlainObjectsTest
{
    private static final String ACCOUNT = "shop.Account";
    private static final String V1 = account("private static final long serialVersionUID = 1L; private final String name; private int visits;",
        "this.name = name; this.visits = visits;");
    private static WebappClasses versions;

    private final ProtobufAttributeSerializer serializer = new ProtobufAttributeSerializer();

    @BeforeAll
    static void compileTheVersions() throws IOException
    {
        versions = WebappClasses.compile(Map.of(
            "v1", Map.of(ACCOUNT, V1),
            "fieldAdded", Map.of(ACCOUNT, account("private static final long serialVersionUID = 1L; private final String name;" +
                " private int visits; private String note = \"initialized\";", "this.name = name; this.visits = visits;")),
            "fieldRemoved", Map.of(ACCOUNT, account("private static final long serialVersionUID = 1L; private final String name;",
                "this.name = name;")),
            "retyped", Map.of(ACCOUNT, account("private static final long serialVersionUID = 1L; private final String name;" +
                " private String visits;", "this.name = name;")),
            "uidChanged", Map.of(ACCOUNT, account("private static final long serialVersionUID = 2L; private final String name;" +
                " private int visits;", "this.name = name; this.visits = visits;")),
            "customForm", Map.of(ACCOUNT, account("private static final long serialVersionUID = 1L; private final String name;" +
                " private int visits; private void readObject(java.io.ObjectInputStream in) throws Exception { in.defaultReadObject(); }",
                "this.name = name; this.visits = visits;"))));
    }

    @AfterAll
    static void deleteTheVersions() throws IOException
    {
        versions.close();
    }

    private static String account(String fields, String constructor)
    {
        return "package shop; public class Account implements java.io.Serializable { " + fields +
            " public Account(String name, int visits) { " + constructor + " } }";
    }

    static Stream<Arguments> plainObjects()
    {
        return Stream.of(
            arguments(new Account("alice", List.of("customer", "beta"), 3, 1_700_000_000_000L)),
            arguments(new Account("bob", List.of(), 0, -1L).with(true, Colour.GREEN, new Item("pen", 2, null, List.of("x")))),
            arguments(new Account("carol", List.of("a"), 1, 1L).with(false, null, new Account("nested", List.of(), 0, 0L))),
            arguments(new PremiumAccount("dave", "gold")),
            // Fields that hold other objects, but none twice.
            arguments(new Pair(new Node("a"), new ArrayList<>(List.of(new Node("b"))))));
    }

    @ParameterizedTest
    @MethodSource("plainObjects")
    void aPlainObjectIsWrittenFieldByFieldAndReadBackEqual(Object value) throws Exception
    {
        byte[] bytes = serializer.serialize(value);
        assertEquals(KindCase.OBJECT_VALUE, AttributeValue.parseFrom(bytes).getKindCase());
        Object copy = serializer.deserialize(bytes);
        assertSame(value.getClass(), copy.getClass());
        if (value instanceof Account)
            assertEquals(value, copy);
        // Protobuf's own code writes the same bytes from what it reads of them.
        assertTrue(java.util.Arrays.equals(AttributeValue.parseFrom(bytes).toByteArray(), bytes), "canonical protobuf bytes");
        assertTrue(java.util.Arrays.equals(bytes, serializer.serialize(copy)), "the copy writes the same bytes");
    }

    @Test
    void aReadRunsNoConstructorOfTheClassButThatOfItsFirstSuperclassThatIsNotSerializable() throws Exception
    {
        Account account = new Account("alice", List.of("customer"), 3, 4L);
        byte[] bytes = serializer.serialize(account);
        int constructions = PlainObjects.CONSTRUCTIONS.get();
        Account copy = (Account)serializer.deserialize(bytes);
        assertEquals(constructions, PlainObjects.CONSTRUCTIONS.get(), "Account's constructor must not run");
        assertEquals(1, copy.baseRuns, "Base's no-argument constructor runs, as in Java serialization");
        assertEquals("not stored", copy.notStored, "a field of a superclass that is not Serializable is not stored");
        assertNull(copy.cache(), "a transient field is left at its default, as Java serialization leaves it");
        // What Java serialization makes of it, for comparison.
        Account javaCopy = (Account)new JavaSerialization(SessionSerialFilter.create(null))
            .deserialize(new JavaSerialization(SessionSerialFilter.create(null)).serialize(account));
        assertEquals(javaCopy, copy);
        assertEquals(javaCopy.baseRuns, copy.baseRuns);
        assertEquals(javaCopy.cache(), copy.cache());
    }

    static Stream<Arguments> javaSerializedObjects()
    {
        Node loop = new Node("loop");
        loop.next = loop;
        List<String> shared = new ArrayList<>(List.of("x"));
        Account sharedAccount = new Account("shared", List.of(), 0, 0L);
        return Stream.of(
            arguments("a serialized form of its own", new PlainObjects.CustomForm("x")),
            arguments("readResolve", PlainObjects.Canonical.INSTANCE),
            arguments("a field without a typed value", new PlainObjects.HoldsVector()),
            arguments("itself, through a field", loop),
            arguments("one list in two fields", new Pair(shared, shared)),
            arguments("one object in two fields", new Pair(sharedAccount, sharedAccount)),
            arguments("a JDK class with fields of its own", new java.text.SimpleDateFormat("yyyy")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("javaSerializedObjects")
    void anObjectWhoseFormIsNotTheDefaultOrThatHoldsAnObjectTwiceStaysWithJavaSerialization(String what, Object value) throws Exception
    {
        byte[] bytes = serializer.serialize(value);
        assertEquals(KindCase.JAVA_SERIALIZED, AttributeValue.parseFrom(bytes).getKindCase());
        Object copy = serializer.deserialize(bytes);
        if (value instanceof Pair pair)
            assertSame(((Pair)copy).first, ((Pair)copy).second, "Java serialization keeps identity: " + pair.first);
        else if (value instanceof PlainObjects.Canonical)
            assertSame(PlainObjects.Canonical.INSTANCE, copy);
    }

    static Stream<Arguments> classChanges()
    {
        return Stream.of(
            arguments("fieldAdded", true),
            arguments("fieldRemoved", true),
            arguments("retyped", false),
            arguments("uidChanged", false),
            arguments("customForm", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("classChanges")
    void aClassChangedOnRedeployIsReadAsJavaSerializationWouldOrIsUnreadable(String version, boolean readable) throws Exception
    {
        WebappClasses.Loader v1 = versions.load("v1");
        Object written = v1.load(ACCOUNT).getConstructor(String.class, int.class).newInstance("alice", 3);
        byte[] bytes = v1.inContext(() -> serializer.serialize(written));
        assertEquals(KindCase.OBJECT_VALUE, AttributeValue.parseFrom(bytes).getKindCase());

        WebappClasses.Loader v2 = versions.load(version);
        if (readable)
        {
            Object read = v2.inContext(() -> serializer.deserialize(bytes));
            assertEquals("alice", field(read, "name"));
            if (version.equals("fieldAdded"))
            {
                assertEquals(3, field(read, "visits"));
                assertNull(field(read, "note"), "a field not stored is left at its default; initializers do not run");
            }
        }
        else
        {
            IOException unreadable = assertThrows(IOException.class, () -> v2.inContext(() -> serializer.deserialize(bytes)));
            assertTrue(unreadable.getMessage().contains(ACCOUNT), () -> "names the class: " + unreadable.getMessage());
        }
    }

    private static Object field(Object value, String name) throws Exception
    {
        java.lang.reflect.Field field = value.getClass().getDeclaredField(name);
        field.setAccessible(true);
        return field.get(value);
    }

    @Test
    void aPlainObjectJavaSerializedByAnEarlierVersionIsStillRead() throws Exception
    {
        // What versions before object values wrote for it: the whole object, Java-serialized.
        Account account = new Account("alice", List.of("customer"), 3, 4L).with(true, Colour.RED, null);
        byte[] earlier = AttributeValue.newBuilder().setJavaSerialized(com.google.protobuf.ByteString.copyFrom(
            new JavaSerialization(SessionSerialFilter.create(null)).serialize(account))).build().toByteArray();
        assertEquals(account, serializer.deserialize(earlier));
        // Written again, it is written field by field.
        assertEquals(KindCase.OBJECT_VALUE, AttributeValue.parseFrom(serializer.serialize(serializer.deserialize(earlier))).getKindCase());
    }

    @Test
    void theFilterDecidesTheClassAndItsSerializableSuperclasses() throws Exception
    {
        PremiumAccount premium = new PremiumAccount("dave", "gold");
        byte[] bytes = serializer.serialize(premium);
        for (String refused : List.of(PremiumAccount.class.getName(), Account.class.getName()))
        {
            ProtobufAttributeSerializer filtered = new ProtobufAttributeSerializer(
                new JavaSerialization(SessionSerialFilter.create("!" + refused)));
            assertThrows(InvalidClassException.class, () -> filtered.deserialize(bytes), refused);
            // Writing asks the filter too: the value goes to Java serialization, which the same filter refuses.
            assertThrows(IOException.class, () -> filtered.checkReadable(filtered.serialize(premium)), refused);
        }
    }

    @Test
    void storedFieldsOfTheWrongTypeOrTwiceAreUnreadable() throws Exception
    {
        ObjectValue.Builder account = ObjectValue.newBuilder().setClassName(Account.class.getName()).setSerialVersionUid(7L)
            .addFields(RecordComponent.newBuilder().setName("name").setValue(AttributeValue.newBuilder().setStringValue("a")))
            .addFields(RecordComponent.newBuilder().setName("roles").setValue(AttributeValue.newBuilder().setStringValue("not a list")));
        byte[] wrongType = AttributeValue.newBuilder().setObjectValue(account).build().toByteArray();
        IOException unreadable = assertThrows(IOException.class, () -> serializer.deserialize(wrongType));
        assertTrue(unreadable.getMessage().contains("roles"), unreadable.getMessage());

        account.setFields(1, RecordComponent.newBuilder().setName("name").setValue(AttributeValue.newBuilder().setStringValue("b")));
        byte[] twice = AttributeValue.newBuilder().setObjectValue(account).build().toByteArray();
        assertThrows(IOException.class, () -> serializer.deserialize(twice));

        byte[] primitiveNull = AttributeValue.newBuilder().setObjectValue(ObjectValue.newBuilder().setClassName(Account.class.getName())
            .setSerialVersionUid(7L).addFields(RecordComponent.newBuilder().setName("visits")
                .setValue(AttributeValue.newBuilder().setNullValue(io.github.jettyredis.session.codec.proto.Null.getDefaultInstance()))))
            .build().toByteArray();
        assertThrows(IOException.class, () -> serializer.deserialize(primitiveNull));

        byte[] notPlain = AttributeValue.newBuilder().setObjectValue(ObjectValue.newBuilder()
            .setClassName(PlainObjects.CustomForm.class.getName()).setSerialVersionUid(1L)).build().toByteArray();
        IOException customForm = assertThrows(IOException.class, () -> serializer.deserialize(notPlain));
        assertTrue(customForm.getMessage().contains("serialized form of its own"), customForm.getMessage());
    }
}
