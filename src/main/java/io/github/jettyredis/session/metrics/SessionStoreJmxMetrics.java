// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.metrics;

import java.util.Hashtable;
import java.util.function.ToDoubleFunction;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds the counters of every Redis session store of this JVM to a Micrometer registry, read from JMX (the
 * beans Jetty's {@code jmx} module registers), with the same meters and tags as {@link SessionStoreMetrics}.
 * For a webapp in a jetty-base: the store's classes are hidden from webapps, but the platform MBean server
 * is not. The webapp bundles this project's jar (only this class and the meter table are used, and they
 * refer to no class of the store) and binds once it starts:
 * <pre>{@code
 * new SessionStoreJmxMetrics(ManagementFactory.getPlatformMBeanServer()).bindTo(registry);
 * }</pre>
 * It binds the stores registered by then (the stores of contexts that started before; a webapp's own store
 * starts before its listeners run), every context's, each tagged with its own.
 */
public class SessionStoreJmxMetrics implements MeterBinder
{
    private static final String DOMAIN = "io.github.jettyredis.session";
    private final MBeanServer mbeans;

    /** @param mbeans where Jetty's jmx module registers its beans: the platform MBean server */
    public SessionStoreJmxMetrics(MBeanServer mbeans)
    {
        this.mbeans = mbeans;
    }

    @Override
    public void bindTo(MeterRegistry registry)
    {
        ObjectName pattern = name(DOMAIN + ":type=sessionstorecounters,*");
        for (ObjectName counters : mbeans.queryNames(pattern, null))
        {
            Hashtable<String, String> keys = new Hashtable<>(counters.getKeyPropertyList());
            keys.put("type", "redissessiondatastore");
            ObjectName store;
            String context;
            try
            {
                store = new ObjectName(DOMAIN, keys);
                context = (String)mbeans.getAttribute(store, "contextName");
            }
            catch (JMException e)
            {
                // Counters without their store: it is going away.
                continue;
            }
            SessionStoreMeters.register(registry, context, mbeans, attribute -> reader(counters, attribute),
                mbeans, reader(store, SessionStoreMeters.LIVE_SESSIONS));
        }
    }

    /** @return how to read an attribute of a bean; no value once the bean is gone or cannot answer */
    private static ToDoubleFunction<MBeanServer> reader(ObjectName bean, String attribute)
    {
        return mbeans ->
        {
            try
            {
                return ((Number)mbeans.getAttribute(bean, attribute)).doubleValue();
            }
            catch (JMException | RuntimeException e)
            {
                return Double.NaN;
            }
        };
    }

    private static ObjectName name(String name)
    {
        try
        {
            return new ObjectName(name);
        }
        catch (JMException e)
        {
            throw new IllegalArgumentException(name, e);
        }
    }
}
