// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Vector;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain {@code Serializable} classes, as applications keep them in sessions, for the codec's tests: those whose
 * serialized form is Java serialization's default one (written field by field), and those that keep their own.
 */
final class PlainObjects
{
    /** How many times constructors of these classes ran: a read made as Java serialization makes one runs none. */
    static final AtomicInteger CONSTRUCTIONS = new AtomicInteger();

    private PlainObjects()
    {
    }

    /** Not Serializable: its no-argument constructor runs on a read, as in Java serialization. */
    static class Base
    {
        int baseRuns;
        String notStored = "not stored";

        Base()
        {
            baseRuns++;
        }
    }

    /** Fields of every kind a typical application object has, final and not, a transient one and a record. */
    static class Account extends Base implements Serializable
    {
        @Serial
        private static final long serialVersionUID = 7L;

        private final String name;
        private final ArrayList<String> roles;
        private int visits;
        private long createdAt;
        private boolean admin;
        private CodecFixtures.Colour colour;
        private Object anything;
        private transient String cache = "computed";

        Account(String name, List<String> roles, int visits, long createdAt)
        {
            CONSTRUCTIONS.incrementAndGet();
            this.name = name;
            this.roles = new ArrayList<>(roles);
            this.visits = visits;
            this.createdAt = createdAt;
        }

        Account with(boolean admin, CodecFixtures.Colour colour, Object anything)
        {
            this.admin = admin;
            this.colour = colour;
            this.anything = anything;
            return this;
        }

        String cache()
        {
            return cache;
        }

        @Override
        public boolean equals(Object o)
        {
            return o != null && o.getClass() == getClass() && ((Account)o).name.equals(name) && ((Account)o).roles.equals(roles) &&
                ((Account)o).visits == visits && ((Account)o).createdAt == createdAt && ((Account)o).admin == admin &&
                ((Account)o).colour == colour && Objects.equals(((Account)o).anything, anything);
        }

        @Override
        public int hashCode()
        {
            return name.hashCode();
        }

        @Override
        public String toString()
        {
            return getClass().getSimpleName() + "[" + name + ", " + roles + ", " + visits + ", " + anything + "]";
        }
    }

    /** A subclass with fields of its own, and no serialVersionUID: Java serialization computes one. */
    static class PremiumAccount extends Account
    {
        private String plan;

        PremiumAccount(String name, String plan)
        {
            super(name, List.of("premium"), 1, 2L);
            this.plan = plan;
        }

        @Override
        public boolean equals(Object o)
        {
            return super.equals(o) && Objects.equals(((PremiumAccount)o).plan, plan);
        }

        @Override
        public int hashCode()
        {
            return super.hashCode();
        }
    }

    /** Keeps a serialized form of its own: Java serialization writes it. */
    static final class CustomForm implements Serializable
    {
        @Serial
        private static final long serialVersionUID = 1L;

        private String value;

        CustomForm(String value)
        {
            this.value = value;
        }

        @Serial
        private void writeObject(ObjectOutputStream out) throws IOException
        {
            out.defaultWriteObject();
        }

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException
        {
            in.defaultReadObject();
        }

        @Override
        public boolean equals(Object o)
        {
            return o instanceof CustomForm other && other.value.equals(value);
        }

        @Override
        public int hashCode()
        {
            return value.hashCode();
        }
    }

    /** Replaced by a canonical instance on a read: Java serialization's readResolve must run. */
    static final class Canonical implements Serializable
    {
        @Serial
        private static final long serialVersionUID = 1L;
        static final Canonical INSTANCE = new Canonical();

        @Serial
        private Object readResolve()
        {
            return INSTANCE;
        }
    }

    /** Holds a value that has no typed field. */
    static final class HoldsVector implements Serializable
    {
        @Serial
        private static final long serialVersionUID = 1L;

        private final Vector<String> names = new Vector<>(List.of("a"));

        @Override
        public boolean equals(Object o)
        {
            return o instanceof HoldsVector other && other.names.equals(names);
        }

        @Override
        public int hashCode()
        {
            return names.hashCode();
        }
    }

    /** A link in a chain, which may come back to itself. */
    static final class Node implements Serializable
    {
        @Serial
        private static final long serialVersionUID = 1L;

        String name;
        Node next;

        Node(String name)
        {
            this.name = name;
        }
    }

    /** Two fields that may hold one object. */
    static final class Pair implements Serializable
    {
        @Serial
        private static final long serialVersionUID = 1L;

        Object first;
        Object second;

        Pair(Object first, Object second)
        {
            this.first = first;
            this.second = second;
        }
    }
}
