// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

import redis.clients.jedis.UnifiedJedis;

/** Reads Redis's own counters ({@code INFO}) and this JVM's CPU time, to say where time goes. */
final class RedisInfo
{
    private RedisInfo()
    {
    }

    /** @return one numeric field of an INFO section, e.g. {@code used_memory} of {@code memory} */
    static double field(UnifiedJedis redis, String section, String name)
    {
        for (String line : redis.info(section).split("\r\n"))
            if (line.startsWith(name + ":"))
                return Double.parseDouble(line.substring(name.length() + 1).trim());
        throw new IllegalStateException("No " + name + " in INFO " + section);
    }

    /** @return CPU seconds the redis-server process used so far (user + system) */
    static double cpuSeconds(UnifiedJedis redis)
    {
        String info = redis.info("cpu");
        double total = 0;
        for (String line : info.split("\r\n"))
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:"))
                total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
        return total;
    }

    /** @return command name to {calls, usec} from {@code INFO commandstats} */
    static Map<String, long[]> commandStats(UnifiedJedis redis)
    {
        Map<String, long[]> stats = new LinkedHashMap<>();
        for (String line : redis.info("commandstats").split("\r\n"))
        {
            if (!line.startsWith("cmdstat_"))
                continue;
            String command = line.substring("cmdstat_".length(), line.indexOf(':'));
            long calls = 0;
            long usec = 0;
            for (String part : line.substring(line.indexOf(':') + 1).split(","))
            {
                if (part.startsWith("calls="))
                    calls = Long.parseLong(part.substring(6));
                else if (part.startsWith("usec="))
                    usec = Long.parseLong(part.substring(5));
            }
            stats.put(command, new long[]{calls, usec});
        }
        return stats;
    }

    /** @return CPU nanoseconds this JVM used so far, all threads */
    static long processCpuNanos()
    {
        return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
