// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.util.ArrayList;
import java.util.List;

import io.github.jettyredis.session.testing.JettyNode;
import io.github.jettyredis.session.testing.JettyNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The coherent cache ({@code session-cache-redis}) on two nodes run by the least-privileged ACL user the README
 * gives ({@link ReadmeAclUser}): its scripts read Redis's clock ({@code TIME}) for leases, as a logout everywhere's
 * does for its mark, which the README's line must grant. After each test the server's {@code ACL LOG} must be empty.
 */
public class RedisAclCoherentCacheIT
{
    @RegisterExtension
    final JettyNodes cluster = new JettyNodes(ReadmeAclUser.server());

    @AfterEach
    public void nothingWasRefused()
    {
        ReadmeAclUser.assertNothingRefused(List.of(ReadmeAclUser.server()));
    }

    private JettyNode node(String name) throws Exception
    {
        return cluster.start(name, JettyNode.Cache.REDIS, node ->
        {
            ReadmeAclUser.use(node.sessions());
            node.sessions().setUserSessions(true);
        });
    }

    @Test
    public void alternatingRequestsLeasesInvalidationAndALogoutEverywhereNeedNothingTheLineDoesNotGrant() throws Exception
    {
        JettyNode a = node("nodeA");
        JettyNode b = node("nodeB");
        String id = cluster.get(a.url("op=create"));
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 6; i++)
            seen.add(cluster.get((i % 2 == 0 ? a : b).url("op=incr&name=n")));
        assertEquals(List.of("1", "2", "3", "4", "5", "6"), seen);
        cluster.awaitIdle();

        cluster.get(a.url("op=invalidate"));
        cluster.awaitIdle();
        assertEquals("none", cluster.get(b.url("op=get&name=n")), "node B sees the invalidation made on node A at once");
        assertEquals(1, cluster.destroyedCount(id));

        // Nobody is logged in: the logout finds nothing, and still leaves its mark.
        assertEquals(0, a.store().getUserSessions().invalidateAll("nobody"));
    }
}
