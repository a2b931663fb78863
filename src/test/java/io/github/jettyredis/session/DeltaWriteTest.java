// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.List;
import java.util.Map;

import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import io.github.jettyredis.session.testing.PrivateRedis;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A save sends only what changed, measured with Redis's own byte counter ({@code INFO stats
 * total_net_input_bytes}) on a private Redis, over real HTTP: a session holding a 100 KiB attribute and
 * ten small ones, touched, then changed one small attribute at a time.
 */
public class DeltaWriteTest
{
    private static final int BIG = 100 * 1024;
    private static final int REQUESTS = 20;
    /** The goals of the issue: bytes sent to Redis per request. */
    private static final long TOUCH_GOAL = 1024;
    private static final long SMALL_CHANGE_GOAL = 2048;

    @RegisterExtension
    static final PrivateRedis REDIS = new PrivateRedis();

    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(REDIS);

    /** Sends a request and waits until the node has saved its session. */
    private String get(JettyNode node, String query) throws Exception
    {
        String reply = cluster.client().GET(node.url(query)).getContentAsString();
        node.awaitIdle();
        return reply;
    }

    private long inputBytes()
    {
        String stats = cluster.redis().info("stats");
        for (String line : stats.split("\r\n"))
            if (line.startsWith("total_net_input_bytes:"))
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        throw new IllegalStateException(stats);
    }

    /** Bytes Redis received per request of the given kind, less what the INFO calls themselves cost. */
    private long bytesPerRequest(JettyNode node, String query) throws Exception
    {
        long infoCost = -(inputBytes() - inputBytes());
        long before = inputBytes();
        for (int i = 0; i < REQUESTS; i++)
            assertEquals("ok", get(node, query.replace("{i}", Integer.toString(i))));
        long after = inputBytes();
        return (after - before - infoCost) / REQUESTS;
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void touchesAndSmallChangesSendOnlyWhatChanged(JettyNode.Cache cache) throws Exception
    {
        JettyNode node = cluster.start("node", cache);
        String id = get(node, "op=create");
        get(node, "op=bytes&name=big&size=" + BIG);
        for (int i = 0; i < 10; i++)
            get(node, "op=set&name=small" + i + "&value=value" + i);
        long wholeSession = cluster.redis().hgetAll(node.store().getKeys().session(id)).entrySet().stream()
            .mapToLong(field -> field.getKey().length + field.getValue().length).sum();

        long touch = bytesPerRequest(node, "op=touch");
        long smallChange = bytesPerRequest(node, "op=set&name=small3&value=changed{i}");
        System.out.printf("BYTES %s cache: whole session %d B; per touch request %d B (goal <= %d); per small change %d B (goal <= %d)%n",
            cache, wholeSession, touch, TOUCH_GOAL, smallChange, SMALL_CHANGE_GOAL);
        assertTrue(wholeSession > BIG, "the whole session is over 100 KiB: " + wholeSession);
        assertTrue(touch <= TOUCH_GOAL, "bytes per touch " + touch);
        assertTrue(smallChange <= SMALL_CHANGE_GOAL, "bytes per small change " + smallChange);
    }

    /**
     * Jetty saves a changed session when the response commits and again as the request leaves; the second
     * save, whose only change is the expiry's few milliseconds, is not sent. An immortal session's expiry does
     * not move at all: its second save was sent, writing the metadata again after the client had its answer,
     * and so over a new interval another node had set meanwhile.
     */
    @ParameterizedTest
    @ValueSource(ints = {600, -1})
    public void theSaveAsAChangingRequestLeavesIsNotSent(int intervalSec) throws Exception
    {
        JettyNode node = cluster.start("node", JettyNode.Cache.NULL);
        get(node, "op=create&ttl=" + intervalSec);
        SessionStoreCounters counters = node.store().getCounters();
        long sent = counters.getSavesWhole() + counters.getSavesDelta();
        long skipped = counters.getSavesSkipped();

        assertEquals("ok", get(node, "op=set&name=colour&value=red"));
        assertEquals(sent + 1, counters.getSavesWhole() + counters.getSavesDelta(), "saves sent");
        assertEquals(skipped + 1, counters.getSavesSkipped(), "saves not sent");
    }

    @ParameterizedTest
    @EnumSource(JettyNode.Cache.class)
    public void anAttributeChangedInPlaceIsSaved(JettyNode.Cache cache) throws Exception
    {
        JettyNode a = cluster.start("nodeA", cache);
        String id = get(a, "op=create");
        get(a, "op=append&name=cart&value=book");
        // No setAttribute: the servlet adds to the list it got from the session.
        get(a, "op=append&name=cart&value=pen");
        // The request's save lands as it leaves, which can be after its answer.
        cluster.awaitIdle();

        Map<String, Object> stored = a.store().load(id).getAllAttributes();
        assertEquals(List.of("book", "pen"), stored.get("cart"));
    }
}
