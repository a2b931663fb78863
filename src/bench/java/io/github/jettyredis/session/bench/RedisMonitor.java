// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisMonitor;
import redis.clients.jedis.UnifiedJedis;

/**
 * Counts the commands on keys of one prefix that Redis runs, by name, with {@code MONITOR}: both those that
 * clients send and all that Redis runs, Lua scripts' included (MONITOR shows those as coming from {@code lua}),
 * so that a script's call ({@code EVALSHA}) and the commands inside it can be told apart, as {@code INFO
 * commandstats} cannot. The key prefix leaves out the commands of other clients of the same Redis (other
 * configurations' idle nodes ping and subscribe now and then). Slows Redis down: only outside timed runs.
 */
final class RedisMonitor implements AutoCloseable
{
    private final Jedis connection;
    private final Thread reader;
    private final String keyPrefix;
    private final Map<String, Long> sent = new TreeMap<>();
    private final Map<String, Long> ran = new TreeMap<>();
    private final String marker = "bench-monitor-" + UUID.randomUUID();
    private final CountDownLatch markerSeen = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);

    /**
     * Starts monitoring; commands count from the first one Redis shows after this returns.
     *
     * @param keyPrefix only commands with an argument that starts with it count
     * @param admin a connection to the same Redis, for the marker that shows the monitor is on
     */
    RedisMonitor(String host, int port, String keyPrefix, UnifiedJedis admin) throws InterruptedException
    {
        this.keyPrefix = keyPrefix;
        connection = new Jedis(host, port);
        reader = new Thread(() ->
        {
            try
            {
                connection.monitor(new JedisMonitor()
                {
                    @Override
                    public void onCommand(String line)
                    {
                        take(line);
                    }
                });
            }
            catch (RuntimeException e)
            {
                // The connection closed by close(): the end of monitoring.
            }
        }, "bench-redis-monitor");
        reader.setDaemon(true);
        reader.start();
        // MONITOR shows only what runs after it started: echo until it shows the marker.
        for (int i = 0; i < 200 && !started.await(25, TimeUnit.MILLISECONDS); i++)
            admin.echo(marker + "-start");
        if (started.getCount() > 0)
            throw new IllegalStateException("MONITOR showed nothing");
    }

    private synchronized void take(String line)
    {
        // <time> [<db> <client address> or lua] "<command>" "<argument>"...
        int open = line.indexOf('[');
        int close = line.indexOf(']', open + 1);
        if (open < 0 || close < 0)
            return;
        String rest = line.substring(close + 1).trim();
        if (rest.contains(marker + "-start"))
        {
            started.countDown();
            return;
        }
        if (rest.contains(marker + "-end"))
        {
            markerSeen.countDown();
            return;
        }
        if (started.getCount() > 0 || !rest.startsWith("\"") || !rest.contains("\"" + keyPrefix))
            return;
        String command = rest.substring(1, rest.indexOf('"', 1)).toLowerCase(Locale.ROOT);
        ran.merge(command, 1L, Long::sum);
        if (!line.substring(open + 1, close).endsWith(" lua"))
            sent.merge(command, 1L, Long::sum);
    }

    /**
     * What was counted since monitoring started.
     *
     * @param sent the commands clients sent, by name (a Lua script's call counts, the commands it runs do not)
     * @param ran every command Redis ran, by name (a script's call and each command it runs)
     */
    record Counts(Map<String, Long> sent, Map<String, Long> ran)
    {
    }

    /**
     * @param admin a connection to the same Redis, for the marker that shows that MONITOR has shown everything
     * before it
     * @return the commands counted since monitoring started
     */
    Counts stop(UnifiedJedis admin) throws InterruptedException
    {
        admin.echo(marker + "-end");
        if (!markerSeen.await(10, TimeUnit.SECONDS))
            throw new IllegalStateException("MONITOR did not show the end marker");
        synchronized (this)
        {
            return new Counts(new TreeMap<>(sent), new TreeMap<>(ran));
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        connection.disconnect();
        reader.join(5000);
    }
}
