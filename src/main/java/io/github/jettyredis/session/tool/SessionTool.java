// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.github.jettyredis.session.client.PooledRedisClientFactory;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.internal.SessionKeys;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.resps.Tuple;

/**
 * The operator's command line for the sessions the store keeps in Redis: lists the contexts under a prefix
 * with their session counts, the sessions of a context, shows one session decoded (metadata, and each
 * attribute's kind, type and size; values only with {@code --values}), and deletes one as a node's
 * invalidation does. Read-only unless {@code --yes} is given. Run it with the jars of a jetty-base (README,
 * "Command-line tool"):
 * <pre>
 * java -cp "$JETTY_BASE/lib/redis/*:$JETTY_HOME/lib/*:$JETTY_HOME/lib/logging/*" \
 *   io.github.jettyredis.session.tool.SessionTool --uri redis://10.0.0.5:6379 --prefix shop: contexts
 * </pre>
 * Exit codes: 0 done; 1 the command could not do its work (Redis unreachable, no such context or session);
 * 2 a wrong command line, or a deletion without {@code --yes}.
 */
public final class SessionTool
{
    private static final int DEFAULT_LIMIT = 100;
    private static final String USAGE = """
        Usage: java -cp <class path> io.github.jettyredis.session.tool.SessionTool [options] <command>
        Commands:
          contexts                        contexts under the prefix, with their session counts
          sessions <context> [--limit N]  ids of a context's sessions with their expiry, soonest first (default 100)
          show <context> <id> [--values]  one session: metadata, each attribute's kind, type and size
          delete <context> <id> --yes     deletes one session as an invalidation does (nodes drop their copy)
        <context> is a name that 'contexts' lists (_app_0.0.0.0) or a context path (/app).
        Options (as the session-store-redis properties; secrets come from the environment or standard input):
          --uri URI                       jetty.session.redis.uri (default redis://127.0.0.1:6379)
          --prefix PREFIX                 jetty.session.redis.prefix (default jetty-session:)
          --user USER                     ACL user
          --password-env NAME             the password is in environment variable NAME
          --password-stdin                the password is the first line of standard input
          --trust-store FILE  --trust-store-type TYPE  --trust-store-password-env NAME
          --key-store FILE  --key-store-type TYPE  --key-store-password-env NAME
          --no-verify-hostname            TLS: check the certificate's chain only
          --connect-timeout-ms N  --socket-timeout-ms N
          --serial-filter PATTERN         jetty.session.redis.serialFilter, for --values
          --keys-env NAME                 encryption keys (default: JETTY_SESSION_REDIS_KEYS or -Djetty.session.redis.keys)
          --values                        show: decode and print attribute values
          --yes                           delete: really delete; without it nothing is written
        Exit codes: 0 done, 1 failed (Redis unreachable, no such context or session), 2 wrong usage or no --yes.
        """;

    private final PrintStream out;
    private final InputStream in;
    private final Map<String, String> environment;

    /**
     * @param out where results go
     * @param in where {@code --password-stdin} reads from
     * @param environment where {@code --...-env} options look variables up
     */
    SessionTool(PrintStream out, InputStream in, Map<String, String> environment)
    {
        this.out = out;
        this.in = in;
        this.environment = environment;
    }

    /**
     * Runs the tool and exits with its exit code.
     *
     * @param args the command line, see {@link #run}
     */
    public static void main(String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs one command, with the process's standard input and environment.
     *
     * @param args options and command, as on the command line
     * @param out where results go
     * @param err where errors and the usage go
     * @return the exit code: 0 done, 1 failed, 2 wrong usage
     */
    public static int run(String[] args, PrintStream out, PrintStream err)
    {
        return new SessionTool(out, System.in, System.getenv()).execute(args, err);
    }

    /**
     * @param args options and command
     * @param err where errors and the usage go
     * @return the exit code
     */
    int execute(String[] args, PrintStream err)
    {
        try
        {
            ToolArguments arguments = new ToolArguments(args, environment);
            if (arguments.flag("help") || arguments.positional().isEmpty())
            {
                (arguments.flag("help") ? out : err).print(USAGE);
                return arguments.flag("help") ? 0 : ToolFailure.USAGE;
            }
            command(arguments);
            return 0;
        }
        catch (ToolFailure e)
        {
            err.println(e.getMessage());
            if (e.exitCode() == ToolFailure.USAGE)
                err.println("(--help shows the usage)");
            return e.exitCode();
        }
    }

    private void command(ToolArguments arguments) throws ToolFailure
    {
        List<String> words = arguments.positional();
        String command = words.get(0);
        int operands = switch (command)
        {
            case "contexts" -> 0;
            case "sessions" -> 1;
            case "show", "delete" -> 2;
            default -> throw ToolFailure.usage("Unknown command " + command + "; commands: contexts, sessions, show, delete");
        };
        if (words.size() != operands + 1)
            throw ToolFailure.usage(command + " takes " + operands + " operand" + (operands == 1 ? "" : "s") + ", given " + (words.size() - 1));
        // Before connecting: a bad value fails as it is, not as a connection problem.
        int limit = arguments.positive("limit", DEFAULT_LIMIT);
        AttributeReader attributes = attributeReader(arguments);
        RedisClientSettings settings = arguments.settings(in);
        try (UnifiedJedis redis = connect(settings))
        {
            StoredSessions sessions = new StoredSessions(redis, arguments.prefix());
            switch (command)
            {
                case "contexts" -> contexts(sessions, arguments.prefix(), settings);
                case "sessions" -> sessions(sessions, sessions.context(words.get(1)), limit);
                case "show" -> show(sessions, sessions.context(words.get(1)), words.get(2), attributes, arguments.flag("values"));
                default -> delete(sessions, sessions.context(words.get(1)), words.get(2), arguments.flag("yes"));
            }
        }
        catch (JedisException e)
        {
            throw ToolFailure.failed((e instanceof JedisConnectionException ? "Cannot reach Redis at " + settings.address() + ": "
                : "Redis at " + settings.address() + " answered: ") + e.getMessage() + settings.tlsHint(e), e);
        }
    }

    private static AttributeReader attributeReader(ToolArguments arguments) throws ToolFailure
    {
        String keys = arguments.encryptionKeys();
        try
        {
            return new AttributeReader(arguments.option("serial-filter", null), keys);
        }
        catch (IllegalArgumentException e)
        {
            // Names where the keys came from, never the keys.
            throw ToolFailure.usage(e.getMessage());
        }
    }

    private static UnifiedJedis connect(RedisClientSettings settings) throws ToolFailure
    {
        try
        {
            // Cluster and Sentinel clients connect here; a standalone one at its first command.
            return PooledRedisClientFactory.createPooledClient(settings);
        }
        catch (JedisException e)
        {
            throw ToolFailure.failed("Cannot reach Redis at " + settings.address() + ": " + e.getMessage() + settings.tlsHint(e), e);
        }
    }

    private void contexts(StoredSessions sessions, String prefix, RedisClientSettings settings)
    {
        List<String> contexts = sessions.contexts();
        out.println("Contexts under prefix '" + prefix + "' at " + settings.address() + ": " + contexts.size());
        long now = System.currentTimeMillis();
        Table table = new Table("CONTEXT", "SESSIONS", "PAST EXPIRY");
        for (String context : contexts)
        {
            long[] counts = sessions.counts(SessionKeys.ofRegisteredContext(prefix, context), now);
            table.row(context, Long.toString(counts[0]), Long.toString(counts[1]));
        }
        table.print(out);
        out.println("Counted from each context's expiry index: sessions that never expire (max inactive interval <= 0) are not in it, " +
            "and not counted. Sessions past expiry are deleted by the nodes' scavengers.");
    }

    private void sessions(StoredSessions sessions, SessionKeys keys, int limit)
    {
        long now = System.currentTimeMillis();
        long total = sessions.counts(keys, now)[0];
        Table table = new Table("ID", "EXPIRES (UTC)", "IN");
        List<Tuple> listed = sessions.sessions(keys, limit);
        for (Tuple session : listed)
        {
            long expiry = (long)session.getScore();
            table.row(new String(session.getBinaryElement(), StandardCharsets.UTF_8), TimeText.instant(expiry), TimeText.duration(expiry - now));
        }
        table.print(out);
        out.println(listed.size() + " of " + total + " sessions of " + keys.context() + ", soonest expiry first (from its expiry index: " +
            "sessions that never expire are not in it, and not listed)");
    }

    private void show(StoredSessions sessions, SessionKeys keys, String id, AttributeReader reader, boolean withValues) throws ToolFailure
    {
        Map<byte[], byte[]> hash = sessions.hash(keys, id);
        if (hash.isEmpty())
            throw ToolFailure.failed(absence(sessions, keys, id));
        new SessionReport(keys, id, hash, reader, withValues).print(out, sessions.ttl(keys, id), sessions.indexEntry(keys, id));
    }

    private void delete(StoredSessions sessions, SessionKeys keys, String id, boolean confirmed) throws ToolFailure
    {
        // Looked at first, so that deleting a session that is not there writes nothing (the script would renew a tombstone).
        Map<byte[], byte[]> hash = sessions.hash(keys, id);
        if (hash.isEmpty())
            throw ToolFailure.failed(absence(sessions, keys, id));
        if (!confirmed)
        {
            throw ToolFailure.usage("Not deleting session " + id + " of " + keys.context() + " (" + hash.size() + " fields): " +
                "read-only without --yes");
        }
        if (!sessions.delete(keys, id))
            throw ToolFailure.failed(absence(sessions, keys, id) + " meanwhile");
        out.println("Deleted session " + id + " of " + keys.context() + ": hash removed, tombstone written, expiry index entry removed, " +
            "deletion announced on " + keys.deletionChannel() + " (nodes holding it drop it; no sessionDestroyed fires)");
    }

    /** @return why a session is not there: deleted (its tombstone says so) or unknown */
    private static String absence(StoredSessions sessions, SessionKeys keys, String id)
    {
        long tombstone = sessions.tombstoneTtl(keys, id);
        return tombstone == -2 ? "No session " + id + " in " + keys.context()
            : "Session " + id + " of " + keys.context() + " was deleted (its tombstone stays " +
            (tombstone < 0 ? "with no TTL" : TimeText.duration(tombstone) + " more") + ")";
    }
}
