// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.SSLException;

import io.github.jettyredis.session.StoreProperty;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;

/**
 * How connections of a {@code rediss...} URI check the server and prove who they are: the trust store that
 * holds the certificates (or CA) the server's certificate must chain to (none: the JVM's default trust,
 * its {@code cacerts}), an optional key store with the client's own key and certificate for mutual TLS,
 * and whether the server's certificate must also name the host the URI connects to. Immutable;
 * {@link #toString()} never shows a password.
 *
 * @param trustStore the trust store file, or null for the JVM's default trust
 * @param trustStorePassword its password, or null for none (a store without a password is read without
 * its integrity check)
 * @param trustStoreType its {@link KeyStore} type, e.g. {@code PKCS12} or {@code JKS}
 * @param keyStore the key store file with the client's key and certificate chain, or null for none
 * @param keyStorePassword its password, also that of the key in it, or null for none
 * @param keyStoreType its {@link KeyStore} type
 * @param verifyHostname whether the server's certificate must name the host connected to (its subject
 * alternative names); false checks only that it chains to a trusted certificate
 */
public record TlsSettings(Path trustStore, String trustStorePassword, String trustStoreType, Path keyStore, String keyStorePassword,
                          String keyStoreType, boolean verifyHostname)
{
    /** The defaults: the JVM's trust, no client certificate, host names verified. */
    public static final TlsSettings DEFAULT = new TlsSettings(null, null, StoreProperty.TRUST_STORE_TYPE.defaultValue(), null, null,
        StoreProperty.KEY_STORE_TYPE.defaultValue(), StoreProperty.VERIFY_HOSTNAME.defaultBoolean());

    /**
     * @throws NullPointerException if a store type is null
     */
    public TlsSettings
    {
        Objects.requireNonNull(trustStoreType, "trustStoreType");
        Objects.requireNonNull(keyStoreType, "keyStoreType");
    }

    /**
     * Reads both stores as the connections will, so that a missing file, a wrong password or type, or a store
     * that holds nothing usable fails the start instead of every connection later.
     *
     * @return these settings
     * @throws IllegalArgumentException naming the property of the first bad value
     */
    public TlsSettings check()
    {
        if (trustStore != null)
        {
            KeyStore store = load(trustStore, trustStorePassword, trustStoreType, StoreProperty.TRUST_STORE, StoreProperty.TRUST_STORE_PASSWORD,
                StoreProperty.TRUST_STORE_TYPE);
            if (aliases(store).stream().noneMatch(alias -> isCertificateEntry(store, alias)))
                throw new IllegalArgumentException(StoreProperty.TRUST_STORE + " holds no trusted certificate: " + trustStore +
                    (trustStorePassword == null ? " (a store whose certificates are encrypted needs " + StoreProperty.TRUST_STORE_PASSWORD + ")" : ""));
        }
        if (keyStore != null)
        {
            KeyStore store = load(keyStore, keyStorePassword, keyStoreType, StoreProperty.KEY_STORE, StoreProperty.KEY_STORE_PASSWORD,
                StoreProperty.KEY_STORE_TYPE);
            checkHasKey(store);
        }
        return this;
    }

    private void checkHasKey(KeyStore store)
    {
        char[] password = chars(keyStorePassword);
        for (String alias : aliases(store))
        {
            try
            {
                if (store.isKeyEntry(alias) && store.getKey(alias, password) != null)
                    return;
            }
            catch (UnrecoverableKeyException e)
            {
                // Jedis reads the key with the store's password: a key with a password of its own is unusable.
                throw new IllegalArgumentException(StoreProperty.KEY_STORE_PASSWORD + " does not open the key '" + alias + "' in " + keyStore +
                    " (the key must have the store's password)", e);
            }
            catch (GeneralSecurityException e)
            {
                throw new IllegalArgumentException(StoreProperty.KEY_STORE + " cannot be read: " + keyStore + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(StoreProperty.KEY_STORE + " holds no private key: " + keyStore);
    }

    private static KeyStore load(Path file, String password, String type, StoreProperty fileProperty, StoreProperty passwordProperty,
                                 StoreProperty typeProperty)
    {
        KeyStore store;
        try
        {
            store = KeyStore.getInstance(type);
        }
        catch (GeneralSecurityException e)
        {
            throw new IllegalArgumentException(typeProperty + " is not a key store type of this JVM: " + type, e);
        }
        try (InputStream in = Files.newInputStream(file))
        {
            store.load(in, chars(password));
            return store;
        }
        catch (NoSuchFileException e)
        {
            throw new IllegalArgumentException(fileProperty + " names no file: " + file, e);
        }
        catch (IOException e)
        {
            // KeyStore reports a wrong password as an IOException caused by an UnrecoverableKeyException.
            if (e.getCause() instanceof UnrecoverableKeyException)
                throw new IllegalArgumentException(passwordProperty + " is wrong for " + file, e);
            throw new IllegalArgumentException(fileProperty + " cannot be read as " + type + ": " + file + ": " + e.getMessage(), e);
        }
        catch (GeneralSecurityException e)
        {
            throw new IllegalArgumentException(fileProperty + " cannot be read as " + type + ": " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> aliases(KeyStore store)
    {
        try
        {
            return Collections.list(store.aliases());
        }
        catch (GeneralSecurityException e)
        {
            throw new IllegalStateException("A loaded key store lists no aliases", e);
        }
    }

    private static boolean isCertificateEntry(KeyStore store, String alias)
    {
        try
        {
            return store.isCertificateEntry(alias) || store.getCertificate(alias) != null;
        }
        catch (GeneralSecurityException e)
        {
            return false;
        }
    }

    private static char[] chars(String password)
    {
        return password == null ? null : password.toCharArray();
    }

    /**
     * @return the Jedis TLS options these settings describe; Jedis reads the stores again for each new
     * connection, so replaced certificates are taken up without a restart
     */
    public SslOptions sslOptions()
    {
        SslOptions.Builder builder = SslOptions.builder()
            .trustStoreType(trustStoreType)
            .keyStoreType(keyStoreType)
            .sslVerifyMode(verifyHostname ? SslVerifyMode.FULL : SslVerifyMode.CA);
        if (trustStore != null)
            builder.truststore(trustStore.toFile(), chars(trustStorePassword));
        if (keyStore != null)
            builder.keystore(keyStore.toFile(), chars(keyStorePassword));
        return builder.build();
    }

    /**
     * @param failure why a connection failed
     * @return for a failed TLS handshake, which setting to look at, e.g.
     * {@code " (TLS: the server's certificate does not name the host; see jetty.session.redis.verifyHostname)"};
     * else empty
     */
    public static String hint(Throwable failure)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof SSLException)
            {
                String message = String.valueOf(t.getMessage());
                if (message.contains("subject alternative") || message.contains("No name matching"))
                    return " (TLS: the server's certificate does not name the host; see " + StoreProperty.VERIFY_HOSTNAME + ")";
                if (message.contains("PKIX path"))
                    return " (TLS: the server's certificate does not chain to a trusted one; see " + StoreProperty.TRUST_STORE + ")";
                if (message.contains("certificate_required") || message.contains("bad_certificate") || message.contains("unknown_ca"))
                    return " (TLS: the server refused this client's certificate or its lack of one; see " + StoreProperty.KEY_STORE + ")";
                return " (TLS handshake failed)";
            }
        }
        return "";
    }

    /**
     * @param failure why a TLS connection failed
     * @return which setting to look at, as {@link #hint(Throwable)} says, or, for a connection that broke
     * without an alert while this client has no key store, the key store: with TLS 1.3 a server that requires
     * client certificates ({@code tls-auth-clients yes}, Redis's default) refuses a client without one after
     * the client's side of the handshake ended, so that the client may only see the connection close
     */
    public String hintFor(Throwable failure)
    {
        String hint = hint(failure);
        if (!hint.isEmpty() || keyStore != null)
            return hint;
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            String message = String.valueOf(t.getMessage());
            if (t instanceof SocketException && (message.contains("Broken pipe") || message.contains("Connection reset")) ||
                message.contains("Unexpected end of stream"))
                return " (TLS: the server closed the connection; if it requires client certificates (tls-auth-clients yes, " +
                    "Redis's default), see " + StoreProperty.KEY_STORE + ")";
        }
        return "";
    }

    @Override
    public String toString()
    {
        return "TlsSettings[trustStore=" + (trustStore == null ? "default" : trustStore) + ",trustStorePassword=" + masked(trustStorePassword) +
            ",trustStoreType=" + trustStoreType + ",keyStore=" + (keyStore == null ? "none" : keyStore) + ",keyStorePassword=" +
            masked(keyStorePassword) + ",keyStoreType=" + keyStoreType + ",verifyHostname=" + verifyHostname + "]";
    }

    private static String masked(String password)
    {
        return password == null ? "none" : "****";
    }
}
