// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.jettyredis.session.ReadmeAclUser;
import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SessionTool} run as the store's least-privileged ACL user, as the README says it can be: every command,
 * on a session indexed by user, so that its deletion takes the user's entry out too. The server's {@code ACL LOG}
 * must be empty after it.
 */
public class SessionToolAclIT
{
    private final String prefix = RedisTestServer.uniquePrefix();

    @AfterEach
    public void nothingWasRefused()
    {
        ReadmeAclUser.assertNothingRefused(List.of(ReadmeAclUser.server()));
    }

    private SessionToolTest.Run tool(String... args)
    {
        List<String> all = new ArrayList<>(List.of("--uri", ReadmeAclUser.server().uri(), "--prefix", prefix,
            "--user", ReadmeAclUser.USER, "--password-env", "REDIS_PASSWORD"));
        all.addAll(List.of(args));
        return SessionToolTest.tool(Map.of("REDIS_PASSWORD", ReadmeAclUser.PASSWORD), "", all.toArray(new String[0]));
    }

    @Test
    public void everyCommandRunsAsTheReadmesUser() throws Exception
    {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory();
        factory.setUri(ReadmeAclUser.server().uri());
        factory.setPrefix(prefix);
        factory.setUserSessions(true);
        factory.setUserAttribute("login");
        try (StoreHarness harness = new StoreHarness(factory, "/app"))
        {
            SessionToolTest.save(harness.store(), "acl1", 600_000, Map.of("login", "alice"));
        }

        SessionToolTest.Run contexts = tool("contexts");
        assertEquals(0, contexts.exitCode(), contexts.err());
        assertEquals(List.of("_app_0.0.0.0", "1", "0"), contexts.line("_app_0.0.0.0"));
        SessionToolTest.Run sessions = tool("sessions", "/app");
        assertEquals(0, sessions.exitCode(), sessions.err());
        assertTrue(sessions.out().contains("acl1"), sessions.out());
        SessionToolTest.Run show = tool("show", "/app", "acl1", "--values");
        assertEquals(0, show.exitCode(), show.err());
        assertTrue(show.out().contains("alice"), show.out());
        SessionToolTest.Run deleted = tool("delete", "/app", "acl1", "--yes");
        assertEquals(0, deleted.exitCode(), deleted.err());
        SessionToolTest.Run gone = tool("show", "/app", "acl1");
        assertEquals(1, gone.exitCode(), gone.out());
    }
}
