// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.jettyredis.session.StoreProperty;
import io.github.jettyredis.session.client.RedisClientSettings;
import io.github.jettyredis.session.client.TlsSettings;
import io.github.jettyredis.session.codec.EncryptingAttributeSerializer;

/**
 * The command line of {@link SessionTool}, parsed without a library: options ({@code --name value} or
 * {@code --name=value}) anywhere, the rest positional (the command, then its operands). Secrets (the Redis
 * password, the store passwords, the encryption keys) are taken from environment variables or standard
 * input, never from an option's value, so that they do not show in the process list or shell history.
 */
final class ToolArguments
{
    /** Options that take a value. */
    private static final Set<String> VALUED = Set.of("uri", "prefix", "user", "password-env", "trust-store", "trust-store-type",
        "trust-store-password-env", "key-store", "key-store-type", "key-store-password-env", "connect-timeout-ms", "socket-timeout-ms",
        "serial-filter", "keys-env", "limit");
    /** Options that are flags. */
    private static final Set<String> FLAGS = Set.of("password-stdin", "no-verify-hostname", "values", "yes", "help");

    private final Map<String, String> environment;
    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new HashMap<>();

    /**
     * @param args the command line
     * @param environment where {@code --...-env NAME} options look names up (the process environment)
     * @throws ToolFailure (usage) for an unknown option or one without its value
     */
    ToolArguments(String[] args, Map<String, String> environment) throws ToolFailure
    {
        this.environment = environment;
        for (int i = 0; i < args.length; i++)
        {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2)
            {
                positional.add(arg);
                continue;
            }
            int equals = arg.indexOf('=');
            String name = arg.substring(2, equals < 0 ? arg.length() : equals);
            if (FLAGS.contains(name) && equals < 0)
                options.put(name, "true");
            else if (VALUED.contains(name))
            {
                if (equals >= 0)
                    options.put(name, arg.substring(equals + 1));
                else if (i + 1 < args.length)
                    options.put(name, args[++i]);
                else
                    throw ToolFailure.usage("--" + name + " needs a value");
            }
            else
                throw ToolFailure.usage("Unknown option " + (equals < 0 ? arg : arg.substring(0, equals)));
        }
    }

    /** @return the command and its operands */
    List<String> positional()
    {
        return positional;
    }

    /** @return whether the flag was given */
    boolean flag(String name)
    {
        return options.containsKey(name);
    }

    /** @return the option's value, or the default */
    String option(String name, String defaultValue)
    {
        return options.getOrDefault(name, defaultValue);
    }

    /**
     * @param name an option that takes a positive number
     * @param defaultValue its default
     * @return its value
     * @throws ToolFailure (usage) if it is not a positive number
     */
    int positive(String name, int defaultValue) throws ToolFailure
    {
        String value = options.get(name);
        if (value == null)
            return defaultValue;
        try
        {
            int number = Integer.parseInt(value.trim());
            if (number > 0)
                return number;
        }
        catch (NumberFormatException e)
        {
            // Said below.
        }
        throw ToolFailure.usage("--" + name + " must be a positive number, not " + value);
    }

    /** @return the key prefix, as {@code jetty.session.redis.prefix} */
    String prefix()
    {
        return option("prefix", StoreProperty.PREFIX.defaultValue());
    }

    /**
     * @param stdin where {@code --password-stdin} reads the password from (its first line)
     * @return the connection settings the options describe, checked as the store checks its own
     * @throws ToolFailure (usage) naming the option of a bad value
     */
    RedisClientSettings settings(InputStream stdin) throws ToolFailure
    {
        String password = flag("password-stdin") ? firstLine(stdin) : secret("password-env");
        try
        {
            TlsSettings tls = new TlsSettings(path("trust-store"), secret("trust-store-password-env"),
                option("trust-store-type", StoreProperty.TRUST_STORE_TYPE.defaultValue()), path("key-store"), secret("key-store-password-env"),
                option("key-store-type", StoreProperty.KEY_STORE_TYPE.defaultValue()), !flag("no-verify-hostname"));
            return new RedisClientSettings(option("uri", StoreProperty.URI.defaultValue()), option("user", null), password,
                positive("connect-timeout-ms", StoreProperty.CONNECT_TIMEOUT_MS.defaultInt()),
                positive("socket-timeout-ms", StoreProperty.SOCKET_TIMEOUT_MS.defaultInt()), 2, "jetty-session-redis-tool", null, tls);
        }
        catch (IllegalArgumentException e)
        {
            // The messages name the module's properties (jetty.session.redis.uri, ...), which the options mirror.
            throw ToolFailure.usage(e.getMessage());
        }
    }

    /**
     * The encryption keys, found as {@link EncryptingAttributeSerializer} finds them: {@code --keys-env NAME}
     * as its {@code setKeysEnv}, else its environment variable, else its system property.
     *
     * @return the key spec, or null if none is given
     * @throws ToolFailure (usage) if {@code --keys-env} names a variable that is not set
     */
    String encryptionKeys() throws ToolFailure
    {
        if (options.containsKey("keys-env"))
            return secret("keys-env");
        String env = environment.get(EncryptingAttributeSerializer.KEYS_ENV);
        if (env != null && !env.isBlank())
            return env;
        String property = System.getProperty(EncryptingAttributeSerializer.KEYS_PROPERTY);
        return property == null || property.isBlank() ? null : property;
    }

    /** @return the value of the environment variable an {@code --...-env} option names, or null without the option */
    private String secret(String option) throws ToolFailure
    {
        String name = options.get(option);
        if (name == null)
            return null;
        String value = environment.get(name.trim());
        if (value == null || value.isEmpty())
            throw ToolFailure.usage("--" + option + ": environment variable " + name.trim() + " is not set");
        return value;
    }

    private Path path(String option)
    {
        String value = options.get(option);
        return value == null || value.isBlank() ? null : Path.of(value.trim());
    }

    private static String firstLine(InputStream stdin) throws ToolFailure
    {
        try
        {
            String line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty())
                throw ToolFailure.usage("--password-stdin: standard input holds no password");
            return line;
        }
        catch (IOException e)
        {
            throw ToolFailure.usage("--password-stdin: cannot read standard input: " + e.getMessage());
        }
    }
}
