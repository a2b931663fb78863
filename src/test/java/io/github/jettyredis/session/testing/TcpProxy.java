// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on the loopback interface between a node and its Redis, for the network faults a real
 * deployment meets: {@link #blackhole()} silently drops everything on the connections open now, as a NAT or
 * load balancer does when it forgets an idle flow (the peers are told nothing; new connections work), and
 * {@link #refuse()} cuts every connection and refuses new ones, as an unreachable Redis looks, until
 * {@link #restore()}; {@link #delayReplies} makes Redis slow, as a congested network or an overloaded
 * server does; {@link #retarget} leads new connections to another server, as a name does after a failover.
 */
public final class TcpProxy implements AutoCloseable
{
    private volatile int targetPort;
    private final ServerSocket listener;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean refusing;
    private volatile long replyDelayMs;
    private volatile boolean closed;

    /**
     * @param targetPort the port on 127.0.0.1 to forward to
     * @throws IOException if no port is free for the proxy
     */
    public TcpProxy(int targetPort) throws IOException
    {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "tcp-proxy-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @return {@code redis://127.0.0.1:<the proxy's port>} */
    public String uri()
    {
        return "redis://127.0.0.1:" + listener.getLocalPort();
    }

    /** Stops forwarding on every connection open now, without telling either side; new connections work. */
    public void blackhole()
    {
        for (Link link : links)
            link.blackholed = true;
    }

    /**
     * Leads new connections to another server from now on; those open now stay with the one they reached, as
     * a DNS name or a virtual IP moved to a new master does.
     *
     * @param port the port on 127.0.0.1 to forward new connections to
     */
    public void retarget(int port)
    {
        targetPort = port;
    }

    /** Closes every connection and refuses new ones until {@link #restore()}. */
    public void refuse()
    {
        refusing = true;
        for (Link link : links)
            link.close();
    }

    /** Accepts and forwards new connections again. */
    public void restore()
    {
        refusing = false;
    }

    /**
     * @param delay how much later each reply (each chunk Redis sends) reaches the client, from now on, on
     * every connection; zero for none
     */
    public void delayReplies(Duration delay)
    {
        replyDelayMs = delay.toMillis();
    }

    /** @return the number of connections the proxy forwards now */
    public int openConnections()
    {
        return (int)links.stream().filter(link -> !link.closed).count();
    }

    private void accept()
    {
        while (!closed)
        {
            try
            {
                Socket client = listener.accept();
                if (refusing)
                {
                    client.close();
                    continue;
                }
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
                Link link = new Link(client, server);
                links.add(link);
                link.start();
            }
            catch (IOException e)
            {
                if (closed)
                    return;
            }
        }
    }

    @Override
    public void close() throws IOException
    {
        closed = true;
        listener.close();
        for (Link link : links)
            link.close();
    }

    /** One proxied connection: a thread per direction. */
    private final class Link
    {
        private final Socket client;
        private final Socket server;
        private volatile boolean blackholed;
        private volatile boolean closed;
        /** Sends the replies, each when its delay is up; one thread, so they go out in the order they came. */
        private final ScheduledExecutorService replySender = Executors.newSingleThreadScheduledExecutor(r ->
        {
            Thread thread = new Thread(r, "tcp-proxy-replies");
            thread.setDaemon(true);
            return thread;
        });
        /** When the last reply queued goes out (nanoTime): a shorter delay must not let a reply overtake it. */
        private long lastReplyDue;

        Link(Socket client, Socket server)
        {
            this.client = client;
            this.server = server;
        }

        void start() throws IOException
        {
            pump(client.getInputStream(), server.getOutputStream(), "up", false);
            pump(server.getInputStream(), client.getOutputStream(), "down", true);
        }

        private void pump(InputStream in, OutputStream out, String direction, boolean replies)
        {
            Thread thread = new Thread(() ->
            {
                byte[] buffer = new byte[16 * 1024];
                try
                {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer))
                    {
                        // A black hole reads on, so that neither side notices anything.
                        if (blackholed)
                            continue;
                        if (replies)
                            sendLater(Arrays.copyOf(buffer, n), out);
                        else
                            send(buffer, n, out);
                    }
                }
                catch (IOException e)
                {
                    // The other direction, or close(), ended the link.
                }
                if (!blackholed)
                    close();
            }, "tcp-proxy-" + direction);
            thread.setDaemon(true);
            thread.start();
        }

        private static void send(byte[] bytes, int length, OutputStream out) throws IOException
        {
            out.write(bytes, 0, length);
            out.flush();
        }

        /** The fault itself, not a wait for a condition: the reply travels {@link #delayReplies} longer. */
        private void sendLater(byte[] reply, OutputStream out)
        {
            long now = System.nanoTime();
            lastReplyDue = Math.max(now + TimeUnit.MILLISECONDS.toNanos(replyDelayMs), lastReplyDue);
            try
            {
                replySender.schedule(() ->
                {
                    try
                    {
                        if (!blackholed)
                            send(reply, reply.length, out);
                    }
                    catch (IOException e)
                    {
                        close();
                    }
                }, lastReplyDue - now, TimeUnit.NANOSECONDS);
            }
            catch (RejectedExecutionException e)
            {
                // Closed meanwhile.
            }
        }

        void close()
        {
            closed = true;
            replySender.shutdownNow();
            links.remove(this);
            try
            {
                client.close();
            }
            catch (IOException e)
            {
                // closing anyway
            }
            try
            {
                server.close();
            }
            catch (IOException e)
            {
                // closing anyway
            }
        }
    }
}
