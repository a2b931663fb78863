// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.demo.webapp;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The counters of the session store of the node that serves the page, as Jetty's {@code jmx} module shows
 * them: the webapp cannot see the store's classes (the module hides them), but it can read the platform
 * MBean server like any JMX client.
 */
final class StoreCountersView
{
    private StoreCountersView()
    {
    }

    /** @return attribute name to value of each store's counters bean, or nothing without the jmx module */
    static Map<String, Object> read()
    {
        Map<String, Object> counters = new LinkedHashMap<>();
        try
        {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> names = server.queryNames(new ObjectName("io.github.jettyredis.session:type=sessionstorecounters,*"), null);
            for (ObjectName name : names)
            {
                for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes())
                    counters.merge(attribute.getName(), server.getAttribute(name, attribute.getName()),
                        (a, b) -> a instanceof Long x && b instanceof Long y ? x + y : a);
            }
        }
        catch (Exception e)
        {
            counters.put("unavailable", e.toString());
        }
        return counters;
    }
}
