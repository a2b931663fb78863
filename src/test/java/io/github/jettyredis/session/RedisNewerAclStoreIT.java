// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.jettyredis.session.testing.RedisTestServer;
import io.github.jettyredis.session.testing.StoreHarness;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.AccessControlLogEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The store's own tests ({@link RedisSessionDataStoreTest}) run by the README's least-privileged ACL user on
 * a server of a newer line than the usual Redis 7.0: Redis 7.2 or later, or Valkey (7.2 compatible), which has
 * commands and ACL rules 7.0 lacks ({@link RedisTestServer#newerBinary()}; {@code .ci/run} fetches Valkey 8).
 * The user has the README's line with what it says to add for such a server ({@link ReadmeAclUser#NEWER_SERVER_RULES}),
 * and after each test the server's {@code ACL LOG} must be empty. Skipped, saying so, without such a binary.
 */
public class RedisNewerAclStoreIT extends RedisSessionDataStoreTest
{
    private static final Path binary = RedisTestServer.newerBinary().orElse(null);

    @BeforeEach
    public void newerServerAtHand()
    {
        assumeTrue(binary != null, "No Redis 7.2+ or Valkey server here: set NEWER_REDIS_SERVER to one (.ci/valkey prints " +
            "a Valkey 8 it fetches) or put valkey-server on the PATH; these tests ran on none");
    }

    @Override
    protected UnifiedJedis newTestClient()
    {
        // Made with the test instance, before newerServerAtHand skips the test if there is no such server.
        return binary == null ? super.newTestClient() : ReadmeAclUser.newerServer(binary).newClient();
    }

    @Override
    protected RedisSessionDataStoreFactory factory(String prefix)
    {
        RedisSessionDataStoreFactory factory = super.factory(prefix);
        factory.setUri(ReadmeAclUser.newerServer(binary).uri());
        return ReadmeAclUser.use(factory);
    }

    // What the README says of its line alone on such a server: Jedis's CLIENT SETINFO is refused (and logged by
    // the server), and the store works all the same.
    @Test
    public void withTheLineAloneOnlyTheClientLibraryNameIsRefused() throws Exception
    {
        try (RedisTestServer lineAlone = RedisTestServer.startPrivateWith(binary))
        {
            ReadmeAclUser.create(lineAlone, List.of());
            RedisSessionDataStoreFactory factory = super.factory(RedisTestServer.uniquePrefix());
            factory.setUri(lineAlone.uri());
            try (StoreHarness app = new StoreHarness(ReadmeAclUser.use(factory), "/app"))
            {
                RedisSessionDataStore store = app.store();
                long now = System.currentTimeMillis();
                SessionData data = store.newSessionData("s", now, now, now, 60_000);
                data.setAttribute("user", "alice");
                store.store("s", data);
                assertEquals("alice", store.load("s").getAttribute("user"));
            }
            try (Jedis admin = lineAlone.connect())
            {
                Set<String> refused = admin.aclLog().stream().map(AccessControlLogEntry::getObject).collect(Collectors.toSet());
                assertEquals(Set.of("client|setinfo"), refused);
            }
        }
    }

    @AfterEach
    public void nothingWasRefused()
    {
        if (binary == null)
            return;
        ReadmeAclUser.assertNothingRefused(List.of(ReadmeAclUser.newerServer(binary)));
    }
}
