// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.ObjectInputFilter;
import java.io.ObjectInputFilter.FilterInfo;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds the {@link ObjectInputFilter} that guards the Java deserialization of session attributes (only
 * values without a typed representation are Java-serialized, see {@link ProtobufAttributeSerializer}). The same
 * filter decides the typed records, enums and collections: their classes, depth, element counts and size are put
 * to it as a Java deserialization would put them (see {@code TypedDecoder}).
 *
 * <p>The filter decides each value as follows:</p>
 * <ol>
 *   <li><b>Resource limits</b> are checked first and always apply, whatever the class: {@link #DEFAULT_LIMITS},
 *   except that a limit named in the user pattern replaces the default one (e.g. {@code maxdepth=200}).
 *   Exceeding a limit refuses the whole value.</li>
 *   <li><b>The user's class patterns</b>, in their order: the first that matches a class allows or refuses
 *   it. They can therefore allow a class of the deny list, or refuse anything: {@code com.acme.**;java.base/*;!*}
 *   is an allowlist of the application's and the JDK's base classes.</li>
 *   <li><b>The deny list</b> {@link #DEFAULT_DENY} of known deserialization gadgets refuses the classes that no
 *   user pattern matched.</li>
 *   <li><b>Anything else is allowed</b>, so the application's own classes work without configuration.</li>
 *   <li><b>A JVM-wide filter</b> ({@code -Djdk.serialFilter} or {@link ObjectInputFilter.Config#setSerialFilter}),
 *   if one is set when the filter is created, applies as well: a class or limit that either filter refuses
 *   is refused. (A filter set on a stream would otherwise replace the JVM-wide one.)</li>
 * </ol>
 * <p>Array classes are decided by their component type. A refused class fails the read with
 * {@link java.io.InvalidClassException} before any instance of it is created. {@link JavaSerialization} also
 * refuses a value whose read outlasts a time budget ({@link JavaSerialization#DEFAULT_READ_BUDGET}).</p>
 *
 * <p>The user pattern has the syntax of {@link ObjectInputFilter.Config#createFilter(String)} (that of
 * {@code jdk.serialFilter}): elements separated by {@code ;}, each a limit {@code name=value} ({@code maxdepth},
 * {@code maxrefs}, {@code maxarray}, {@code maxbytes}) or a class pattern ({@code a.b.C}, {@code a.b.*}
 * for a package, {@code a.b.**} for a package and its subpackages, {@code prefix*}, {@code module/pattern},
 * prefixed with {@code !} to refuse). Whitespace around elements is ignored.</p>
 */
public final class SessionSerialFilter
{
    /**
     * The default resource limits: an object graph at most 20 deep, 100,000 references, arrays of at most
     * 1,000,000 elements and 16 MiB of stream per value. JDK collections such as {@code ArrayList} and
     * {@code HashMap} check their size against the array limit as well.
     *
     * <p>Why 20 deep: the depth bounds the "SerialDOS" value, sets nested in sets where every set of a level is
     * in both sets of the level above. Reading it hashes each set as it is added to its parent, and that hash
     * walks every path below it, so the time doubles with each level while the value grows by 57 bytes. Measured
     * on a 2-core VM with JDK 17 (median of 3, after warm-up): 20 deep 25 ms (1.1 KB; about 0.1 s as the first
     * read after start), 22 deep 91 ms, 24 deep 0.37 s, 26 deep 1.5 s, 28 deep 6.3 s; the former limit, 64, let
     * through values that never finish. At 20 deep the worst such value costs about 25 ms. With the limit raised,
     * {@link JavaSerialization}'s time budget still stops it, but only once the budget is spent: with
     * {@code maxdepth=40}, a 40-deep one was refused after 1.06 s. Ordinary session values stay well below 20: a
     * map holding a list of maps of strings, numbers and dates is 7 deep, three levels of beans holding lists and
     * maps of beans 8, and each further level of beans in collections adds 2. The first read of a class adds one
     * level per serializable superclass. The JDK's RMI registry uses the same limit. Deeper values, such as
     * component trees that some web frameworks keep in the session, need {@code maxdepth} raised in the user
     * pattern.</p>
     */
    public static final String DEFAULT_LIMITS = "maxdepth=20;maxrefs=100000;maxarray=1000000;maxbytes=16777216";

    /**
     * The classes refused unless a user pattern allows them: the links of the published gadget chains
     * (ysoserial and the like) that turn deserialization into code execution, file writes or network calls.
     * Ordinary JDK classes, collections included, are not in it, and {@code java.net.URL} is the one exception.
     *
     * <p>The entries for frameworks name the gadget classes, not their packages, because applications keep other
     * classes of the same packages in sessions (MyFaces' server-side view state, Hibernate's collections and
     * proxies of detached entities). An entry also refuses the subclasses of the class it names: the stream
     * holds the descriptor of every serializable superclass, and the filter is asked about each. Some of these
     * classes are also ordinary application state: Vaadin 7 keeps {@code PropertysetItem} (the superclass of
     * {@code BeanItem}) and {@code NestedMethodProperty} in the UIs it stores in the session, Click's stateful
     * pages keep their {@code Table}. Such applications allow them in the user pattern, e.g.
     * {@code com.vaadin.data.util.PropertysetItem;com.vaadin.data.util.NestedMethodProperty}.</p>
     */
    public static final String DEFAULT_DENY =
        // Transformer and comparator chains that invoke arbitrary methods: Commons Collections 3 and 4,
        // Commons BeanUtils, Groovy closures, Spring's ObjectFactory proxies.
        "!org.apache.commons.collections.functors.*;" +
        "!org.apache.commons.collections4.functors.*;" +
        "!org.apache.commons.beanutils.BeanComparator;" +
        "!org.codehaus.groovy.runtime.*;" +
        "!org.springframework.beans.factory.ObjectFactory;" +
        "!org.springframework.beans.factory.support.AutowireUtils$ObjectFactoryDelegatingInvocationHandler;" +
        "!org.springframework.core.SerializableTypeWrapper*;" +
        // Reflective getters and expression evaluation reached from hashCode(), compare() or toString():
        // Hibernate's TypedValue and ComponentType, their tuplizer and its getters (Hibernate1/2); MyFaces'
        // ValueExpressionMethodExpression, which evaluates its EL in hashCode() (Myfaces1/2); Vaadin 7's
        // PropertysetItem and NestedMethodProperty (Vaadin1), also as copied into Vaadin 8's compatibility
        // package; Click's Column comparator and the Table it consults (Click1).
        "!org.hibernate.engine.spi.*;" +
        "!org.hibernate.type.ComponentType;" +
        "!org.hibernate.tuple.component.AbstractComponentTuplizer;" +
        "!org.hibernate.property.**;" +
        "!org.apache.myfaces.view.facelets.el.ValueExpressionMethodExpression;" +
        "!com.vaadin.data.util.NestedMethodProperty;" +
        "!com.vaadin.data.util.PropertysetItem;" +
        "!com.vaadin.v7.data.util.NestedMethodProperty;" +
        "!com.vaadin.v7.data.util.PropertysetItem;" +
        "!org.apache.click.control.Column$ColumnComparator;" +
        "!org.apache.click.control.Table;" +
        // JDK trampolines: the annotation proxy handler, BadAttributeValueExpException (calls toString() on
        // read) and the rest of JMX, TemplatesImpl (defines classes from bytes).
        "!sun.reflect.annotation.AnnotationInvocationHandler;" +
        "!javax.management.**;" +
        "!com.sun.org.apache.xalan.internal.xsltc.trax.*;" +
        "!org.apache.xalan.xsltc.trax.*;" +
        // Outbound RMI/JNDI/JDBC/DNS requests to an attacker's server: Spring's JtaTransactionManager looks up its
        // JNDI names when read (SpringJta); URL.hashCode() resolves the host name and reading a HashMap hashes
        // its keys (URLDNS, the usual probe for a deserialization hole).
        "!org.springframework.transaction.jta.JtaTransactionManager;" +
        "!java.net.URL;" +
        "!java.rmi.server.*;" +
        "!sun.rmi.**;" +
        "!com.sun.jndi.**;" +
        "!com.sun.rowset.**;" +
        "!com.mchange.v2.c3p0.**;" +
        // Arbitrary file writes.
        "!org.apache.commons.fileupload.disk.DiskFileItem;" +
        "!org.apache.wicket.util.upload.DiskFileItem;" +
        "!org.aspectj.weaver.tools.cache.SimpleCache*;" +
        // Script interpreters.
        "!bsh.**;" +
        "!clojure.**;" +
        "!org.python.core.**;" +
        "!org.mozilla.javascript.**;" +
        // ROME's reflective bean helpers (ObjectBean, ToStringBean).
        "!com.sun.syndication.feed.impl.*;" +
        "!com.rometools.rome.feed.impl.*";

    private SessionSerialFilter()
    {
    }

    /**
     * @param userPattern the user's pattern (property {@code jetty.session.redis.serialFilter}), or null or
     * blank for none
     * @return the filter described in the {@link SessionSerialFilter class documentation}
     * @throws IllegalArgumentException if the user pattern is malformed; the message contains the pattern
     */
    public static ObjectInputFilter create(String userPattern)
    {
        String user = userPattern == null ? "" : userPattern.strip().replaceAll("\\s*;\\s*", ";");
        String pattern = DEFAULT_LIMITS + ";" + user + ";" + DEFAULT_DENY;
        ObjectInputFilter patterns;
        try
        {
            // One JDK filter: the FIRST matching class pattern decides (so the user's come before the deny
            // list); its limits are read again by Limits, where the LAST occurrence wins, as in the JDK.
            patterns = ObjectInputFilter.Config.createFilter(pattern);
        }
        catch (IllegalArgumentException e)
        {
            throw new IllegalArgumentException(
                "Invalid serial filter pattern \"" + userPattern + "\": " + e.getMessage(), e);
        }
        ObjectInputFilter filter = new CachingFilter(Limits.of(pattern), patterns);
        ObjectInputFilter jvmWide = ObjectInputFilter.Config.getSerialFilter();
        return jvmWide == null ? filter : ObjectInputFilter.merge(filter, jvmWide);
    }

    /**
     * The resource limits of a pattern.
     */
    private record Limits(long maxDepth, long maxReferences, long maxArrayLength, long maxStreamBytes)
    {
        static Limits of(String pattern)
        {
            Map<String, Long> limits = new HashMap<>();
            for (String element : pattern.split(";"))
            {
                int equals = element.indexOf('=');
                if (equals > 0)
                    limits.put(element.substring(0, equals), Long.parseLong(element.substring(equals + 1)));
            }
            return new Limits(limits.getOrDefault("maxdepth", Long.MAX_VALUE), limits.getOrDefault("maxrefs", Long.MAX_VALUE),
                limits.getOrDefault("maxarray", Long.MAX_VALUE), limits.getOrDefault("maxbytes", Long.MAX_VALUE));
        }

        boolean exceededBy(FilterInfo info)
        {
            return info.depth() < 0 || info.references() < 0 || info.streamBytes() < 0 || info.depth() > maxDepth ||
                info.references() > maxReferences || info.streamBytes() > maxStreamBytes ||
                info.serialClass() != null && info.serialClass().isArray() && info.arrayLength() > maxArrayLength;
        }
    }

    /**
     * Decides as the JDK's pattern filter does, but remembers the decision for each class: the JDK's filter
     * walks every pattern for every class of every value read, which was the largest single cost of reading
     * a Java-serialized attribute. Limits are checked on every call.
     */
    private static final class CachingFilter implements ObjectInputFilter
    {
        private final Limits limits;
        private final ObjectInputFilter patterns;
        private final ClassValue<Status> decisions = new ClassValue<>()
        {
            @Override
            protected Status computeValue(Class<?> type)
            {
                return patterns.checkInput(new ClassOnly(type));
            }
        };

        private CachingFilter(Limits limits, ObjectInputFilter patterns)
        {
            this.limits = limits;
            this.patterns = patterns;
        }

        @Override
        public Status checkInput(FilterInfo info)
        {
            if (limits.exceededBy(info))
                return Status.REJECTED;
            Class<?> type = info.serialClass();
            if (type == null)
                return Status.UNDECIDED;
            // An array is decided by its component type, as the JDK's filters do.
            while (type.isArray())
                type = type.getComponentType();
            return type.isPrimitive() ? Status.UNDECIDED : decisions.get(type);
        }

        @Override
        public String toString()
        {
            return patterns.toString();
        }
    }

    /** A class to decide, within every limit. */
    private record ClassOnly(Class<?> serialClass) implements FilterInfo
    {
        @Override
        public long arrayLength()
        {
            return -1;
        }

        @Override
        public long depth()
        {
            return 1;
        }

        @Override
        public long references()
        {
            return 1;
        }

        @Override
        public long streamBytes()
        {
            return 1;
        }
    }
}
