// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.InvalidObjectException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.Objects;

import org.eclipse.jetty.util.ClassLoadingObjectInputStream;

/**
 * Java serialization, for the attribute values that have no typed representation. Reading is guarded by
 * an {@link ObjectInputFilter} and by a time budget per value ({@link #DEFAULT_READ_BUDGET}), and resolves
 * classes (and the interfaces of {@link java.lang.reflect.Proxy} instances) through the thread context class
 * loader, i.e. the webapp's. Thread safe.
 */
public final class JavaSerialization
{
    /**
     * How long reading one value may take: 1 second. The stream consults its filter for every class, object,
     * array and back reference it reads, so each read gets a filter of its own that asks the shared one and
     * refuses once the read has run longer than the budget; the read then fails with
     * {@link InvalidClassException}, as for a refused class. It bounds values that are cheap to send and slow to
     * read while every limit of the filter holds, e.g. sets nested in sets with four sets per level: 14 levels
     * (2.4 KB, 15 deep) took 6.5 s to read and are now refused after about 1 s.
     *
     * <p>What it does not bound: time spent inside one class's {@code readObject} between two filter calls,
     * typically a {@code HashMap} or {@code HashSet} hashing an element it has just read. For the nested sets of
     * "SerialDOS" the depth limit bounds that (see {@link SessionSerialFilter#DEFAULT_LIMITS}). Neither bounds an
     * element whose hash walks a graph that repeats itself, such as a set holding a list that holds the same list
     * 80 times, 5 levels of them: 2.1 KB and 7 deep, it took 3.4 s to read, all of it after the last filter call.
     * Only keeping such values from being written rules that out: write access to Redis for the store's nodes
     * alone, or an {@link EncryptingAttributeSerializer}, whose values cannot be forged without its keys.</p>
     *
     * <p>The budget is wall-clock time, so a garbage collection pause or a busy CPU counts too. The default leaves
     * room for that: on a 2-core VM, values at the filter's default limits (about 100,000 references, or 16 MiB
     * of strings) read in 0.15 to 0.35 s, the first one after start in up to 0.6 s.</p>
     */
    public static final Duration DEFAULT_READ_BUDGET = Duration.ofSeconds(1);

    private final ObjectInputFilter filter;
    private final Duration budget;

    /**
     * Reads with the {@link #DEFAULT_READ_BUDGET default time budget}.
     *
     * @param filter checks every class and the resource use of each value read, e.g. one built by
     * {@link SessionSerialFilter#create(String)}
     */
    public JavaSerialization(ObjectInputFilter filter)
    {
        this(filter, DEFAULT_READ_BUDGET);
    }

    // Package-private: only tests need another budget, to make an ordinary read outlast it.
    JavaSerialization(ObjectInputFilter filter, Duration budget)
    {
        this.filter = Objects.requireNonNull(filter, "filter");
        if (budget.isNegative() || budget.isZero())
            throw new IllegalArgumentException("The read budget must be positive: " + budget);
        this.budget = budget;
    }

    /**
     * @return the filter that decides what is read; {@link ProtobufAttributeSerializer}'s typed records,
     * enums and collections are decided by it too
     */
    ObjectInputFilter filter()
    {
        return filter;
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
     * @throws InvalidClassException if the filter refuses a class or a limit, or the read takes longer than
     * the time budget; a refused class is never instantiated
     * @throws IOException if the bytes are not a valid serialization, including bytes that a class's own
     * {@code readObject} or {@code readResolve} refuses with an unchecked exception, and a value whose read
     * overflows the stack ({@link InvalidObjectException})
     * @throws ClassNotFoundException if a class is visible neither to the context class loader nor to this
     * class's loader
     */
    public Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException
    {
        Budgeted budgeted = new Budgeted(filter, budget.toNanos());
        try (ObjectInputStream in = new ClassLoadingObjectInputStream(new ByteArrayInputStream(bytes)))
        {
            // Set before the first read: the stream consults the filter before it instantiates anything.
            in.setObjectInputFilter(budgeted);
            return in.readObject();
        }
        catch (InvalidClassException e)
        {
            if (!budgeted.exceeded)
                throw e;
            // The JDK's message only says "filter status: REJECTED".
            InvalidClassException refused = new InvalidClassException(
                "Refused: reading the value took longer than its budget of " + budget.toMillis() + " ms");
            refused.initCause(e);
            throw refused;
        }
        catch (RuntimeException e)
        {
            // Damaged bytes the stream, or a class's readObject or readResolve, refuses with an unchecked exception
            // (a Currency code that does not exist, a field of the wrong type, "unread block data"...): unreadable,
            // as any other damage is.
            InvalidObjectException invalid = new InvalidObjectException("Invalid Java serialization: " + e);
            invalid.initCause(e);
            throw invalid;
        }
        catch (StackOverflowError e)
        {
            // A value whose read recurses without end, e.g. a set holding a list that holds itself: adding the list
            // hashes it, and its hash is its own. The stack is unwound by now, and nothing of the read is kept.
            InvalidObjectException invalid = new InvalidObjectException("Reading the value overflowed the stack " +
                "(a collection that holds itself, hashed as it is read?)");
            invalid.initCause(e);
            throw invalid;
        }
    }

    @Override
    public String toString()
    {
        return "JavaSerialization[filter=" + filter + ", budget=" + budget + "]";
    }

    /**
     * The filter of one read: the shared filter, and a refusal once the read has run longer than its budget.
     * Once over budget it refuses every later call too, so a {@code readObject} that swallows the exception
     * cannot keep the read going.
     */
    private static final class Budgeted implements ObjectInputFilter
    {
        private final ObjectInputFilter filter;
        private final long start = System.nanoTime();
        private final long budgetNanos;
        private boolean exceeded;

        private Budgeted(ObjectInputFilter filter, long budgetNanos)
        {
            this.filter = filter;
            this.budgetNanos = budgetNanos;
        }

        @Override
        public Status checkInput(FilterInfo info)
        {
            if (exceeded || System.nanoTime() - start > budgetNanos)
            {
                exceeded = true;
                return Status.REJECTED;
            }
            return filter.checkInput(info);
        }

        @Override
        public String toString()
        {
            return filter.toString();
        }
    }
}
