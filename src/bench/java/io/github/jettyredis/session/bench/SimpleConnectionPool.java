// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A minimal pooling {@link DataSource} for Jetty's JDBC session store. Without one, Jetty's
 * {@code DatabaseAdaptor} opens a new database connection for every load and save, which no production
 * setup does; a pool of the same size as the Redis store's keeps the comparison fair.
 */
final class SimpleConnectionPool implements DataSource, AutoCloseable
{
    private final String url;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
    private final List<Connection> all = new CopyOnWriteArrayList<>();

    /**
     * @param url the JDBC URL
     * @param size the most connections open at once
     */
    SimpleConnectionPool(String url, int size)
    {
        this.url = url;
        this.permits = new Semaphore(size);
    }

    @Override
    public Connection getConnection() throws SQLException
    {
        try
        {
            if (!permits.tryAcquire(30, TimeUnit.SECONDS))
                throw new SQLException("No pooled connection within 30 s");
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new SQLException(e);
        }
        Connection real = idle.poll();
        try
        {
            if (real == null || real.isClosed())
            {
                real = DriverManager.getConnection(url);
                all.add(real);
            }
        }
        catch (SQLException | RuntimeException e)
        {
            permits.release();
            throw e;
        }
        return lease(real);
    }

    /** A view of the connection whose close() gives it back to the pool, once. */
    private Connection lease(Connection real)
    {
        AtomicBoolean returned = new AtomicBoolean();
        return (Connection)Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class}, (proxy, method, args) ->
        {
            switch (method.getName())
            {
                case "close" ->
                {
                    if (returned.compareAndSet(false, true))
                    {
                        idle.offer(real);
                        permits.release();
                    }
                    return null;
                }
                case "isClosed" ->
                {
                    return returned.get() || real.isClosed();
                }
                default ->
                {
                    if (returned.get())
                        throw new SQLException("Connection was given back to the pool");
                    try
                    {
                        return method.invoke(real, args);
                    }
                    catch (InvocationTargetException e)
                    {
                        throw e.getCause();
                    }
                }
            }
        });
    }

    @Override
    public void close()
    {
        for (Connection connection : all)
        {
            try
            {
                connection.close();
            }
            catch (SQLException ignored)
            {
                // Closing at the end of the run: nothing left to do with it.
            }
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException
    {
        throw new SQLFeatureNotSupportedException("Credentials go in the URL");
    }

    @Override
    public PrintWriter getLogWriter()
    {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out)
    {
    }

    @Override
    public void setLoginTimeout(int seconds)
    {
    }

    @Override
    public int getLoginTimeout()
    {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException
    {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException
    {
        throw new SQLException("Not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> type)
    {
        return false;
    }
}
