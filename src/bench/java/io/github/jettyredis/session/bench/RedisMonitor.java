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
 * Counts the commands clients send to Redis, by name, with {@code MONITOR}: unlike {@code INFO commandstats},
 * which also counts each command a Lua script runs, it tells a script's call ({@code EVALSHA}) from the
 * commands inside it (MONITOR shows those as coming from {@code lua}). Slows Redis down: only outside timed
 * runs.
 */
final class RedisMonitor implements AutoCloseable
{
    private final Jedis connection;
    private final Thread reader;
    private final Map<String, Long> sent = new TreeMap<>();
    private final String marker = "bench-monitor-" + UUID.randomUUID();
    private final CountDownLatch markerSeen = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);

    /**
     * Starts monitoring; the commands of clients count from the first one Redis shows after this returns.
     *
     * @param admin a connection to the same Redis, for the marker that shows the monitor is on
     */
    RedisMonitor(String host, int port, UnifiedJedis admin) throws InterruptedException
    {
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
        if (started.getCount() > 0 || line.substring(open + 1, close).endsWith(" lua") || !rest.startsWith("\""))
            return;
        String command = rest.substring(1, rest.indexOf('"', 1)).toLowerCase(Locale.ROOT);
        if (!command.equals("info") && !command.equals("echo"))
            sent.merge(command, 1L, Long::sum);
    }

    /**
     * @param admin a connection to the same Redis, for the marker that shows that MONITOR has shown everything
     * before it
     * @return the commands clients sent since monitoring started, by name ({@code INFO} and {@code ECHO} left out)
     */
    Map<String, Long> stop(UnifiedJedis admin) throws InterruptedException
    {
        admin.echo(marker + "-end");
        if (!markerSeen.await(10, TimeUnit.SECONDS))
            throw new IllegalStateException("MONITOR did not show the end marker");
        synchronized (this)
        {
            return new TreeMap<>(sent);
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        connection.disconnect();
        reader.join(5000);
    }
}
