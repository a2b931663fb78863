// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.slf4j.LoggerFactory;

/**
 * What this JVM logs while it is open, as Jetty's logging writes it (the store's lines and Jetty's), still
 * written where it went before. For tests of what the log says, or must never say.
 */
public final class CapturedLog implements AutoCloseable
{
    private static Tee tee;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private CapturedLog()
    {
    }

    /** @return a capture of everything logged from now until it is closed */
    public static CapturedLog start()
    {
        CapturedLog log = new CapturedLog();
        tee().capture = log.captured;
        return log;
    }

    /**
     * Puts the tee in front of the appender's stream once, for good: taking it away again could leave a
     * logging thread with no stream (Jetty's appender reads its field twice).
     */
    private static synchronized Tee tee()
    {
        if (tee == null)
        {
            // Every logger of Jetty's logging writes through the one appender of its factory.
            if (!(LoggerFactory.getLogger(CapturedLog.class) instanceof JettyLogger logger && logger.getAppender() instanceof StdErrAppender appender))
                throw new IllegalStateException("The tests log through jetty-slf4j-impl's StdErrAppender, but " +
                    LoggerFactory.getLogger(CapturedLog.class).getClass().getName() + " is bound");
            tee = new Tee(appender.getStream());
            appender.setStream(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }
        return tee;
    }

    /** @return what was logged so far */
    public String text()
    {
        synchronized (captured)
        {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close()
    {
        tee().capture = null;
    }

    /** Writes to the capture, if one is open, and on to where the appender wrote before (System.err when it had no stream). */
    private static final class Tee extends OutputStream
    {
        private final PrintStream before;
        private volatile ByteArrayOutputStream capture;

        private Tee(PrintStream before)
        {
            this.before = before;
        }

        @Override
        public void write(int b)
        {
            write(new byte[]{(byte)b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length)
        {
            ByteArrayOutputStream into = capture;
            if (into != null)
            {
                synchronized (into)
                {
                    into.write(bytes, offset, length);
                }
            }
            out().write(bytes, offset, length);
        }

        @Override
        public void flush()
        {
            out().flush();
        }

        private PrintStream out()
        {
            return before != null ? before : System.err;
        }
    }
}
