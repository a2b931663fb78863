// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.RedisSessionDataStoreFactory;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;

/**
 * Certificates for TLS tests, made once per JVM by the JDK's own {@code keytool} (so nothing beyond Java 17
 * is needed): a CA, certificates it signed for a server on {@code 127.0.0.1}/{@code localhost}, for a
 * server that names another host only, and for a client. Redis gets PEM files ({@link #caPem()},
 * {@link ServerCertificate}); the store and test clients get PKCS12 stores ({@link #trustStore()},
 * {@link #clientKeyStore()}), all with the password {@value #PASSWORD}. The files are deleted when the
 * JVM exits.
 */
public final class TestCertificates
{
    /** The password of every store. */
    public static final String PASSWORD = "changeit";
    /** The only host the {@link #wrongHost()} certificate names. */
    public static final String WRONG_HOST = "elsewhere.invalid";
    private static TestCertificates shared;

    private final Path dir;
    private final ServerCertificate server;
    private final ServerCertificate wrongHost;

    /**
     * A server's certificate and private key, as PEM files for {@code tls-cert-file} and {@code tls-key-file}.
     *
     * @param certificate the certificate, PEM
     * @param key its private key, PEM (PKCS#8)
     * @param namesLoopback whether it names {@code 127.0.0.1} and {@code localhost}, so that a client that
     * verifies host names accepts it there
     */
    public record ServerCertificate(Path certificate, Path key, boolean namesLoopback)
    {
    }

    private TestCertificates(Path dir) throws IOException, GeneralSecurityException, InterruptedException
    {
        this.dir = dir;
        Path all = dir.resolve("all.p12");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=jetty-session-redis test CA", "-ext", "bc:c", "-keystore", all.toString());
        keytool("-genkeypair", "-alias", "server", "-dname", "CN=localhost", "-signer", "ca", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
            "-keystore", all.toString());
        keytool("-genkeypair", "-alias", "wrong", "-dname", "CN=" + WRONG_HOST, "-signer", "ca", "-ext", "SAN=dns:" + WRONG_HOST,
            "-keystore", all.toString());
        keytool("-genkeypair", "-alias", "client", "-dname", "CN=jetty-session-redis test client", "-signer", "ca", "-keystore", all.toString());

        KeyStore keys = load(all);
        Files.writeString(caPem(), pem("CERTIFICATE", keys.getCertificate("ca").getEncoded()));
        server = writeServer(keys, "server", true);
        wrongHost = writeServer(keys, "wrong", false);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", keys.getCertificate("ca"));
        store(trust, trustStore());

        KeyStore client = KeyStore.getInstance("PKCS12");
        client.load(null, null);
        client.setKeyEntry("client", keys.getKey("client", PASSWORD.toCharArray()), PASSWORD.toCharArray(), keys.getCertificateChain("client"));
        store(client, clientKeyStore());
    }

    /** @return the certificates of this JVM, made on first use */
    public static synchronized TestCertificates shared()
    {
        if (shared == null)
        {
            Path dir = null;
            try
            {
                dir = Files.createTempDirectory("redis-tls-test");
                shared = new TestCertificates(dir);
                Path made = dir;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> TempDirectories.delete(made), "test-certificates-delete"));
            }
            catch (IOException | GeneralSecurityException e)
            {
                TempDirectories.delete(dir);
                throw new IllegalStateException("Cannot make test certificates with keytool", e);
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                TempDirectories.delete(dir);
                throw new IllegalStateException("Interrupted while making test certificates", e);
            }
        }
        return shared;
    }

    /** @return the CA's certificate, PEM, for {@code tls-ca-cert-file} */
    public Path caPem()
    {
        return dir.resolve("ca.pem");
    }

    /** @return a PKCS12 trust store holding the CA's certificate */
    public Path trustStore()
    {
        return dir.resolve("trust.p12");
    }

    /** @return a PKCS12 key store holding the client's key and its certificate chain */
    public Path clientKeyStore()
    {
        return dir.resolve("client.p12");
    }

    /** @return the certificate of a server on {@code 127.0.0.1} and {@code localhost} */
    public ServerCertificate server()
    {
        return server;
    }

    /** @return a certificate signed by the same CA that names {@value #WRONG_HOST} only */
    public ServerCertificate wrongHost()
    {
        return wrongHost;
    }

    /**
     * Sets a store factory up as a TLS client of the test servers: the CA trusted, the client certificate
     * presented (host names verified, as by default).
     *
     * @param factory the factory to set up
     * @return the factory
     */
    public RedisSessionDataStoreFactory configure(RedisSessionDataStoreFactory factory)
    {
        factory.setTrustStore(trustStore().toString());
        factory.setTrustStorePassword(PASSWORD);
        factory.setKeyStore(clientKeyStore().toString());
        factory.setKeyStorePassword(PASSWORD);
        return factory;
    }

    /**
     * @param verifyHostname whether the server's certificate must name the host connected to
     * @return TLS options of test clients: the CA trusted, the client certificate presented
     */
    public SslOptions clientSslOptions(boolean verifyHostname)
    {
        return SslOptions.builder()
            .truststore(trustStore().toFile(), PASSWORD.toCharArray())
            .keystore(clientKeyStore().toFile(), PASSWORD.toCharArray())
            .sslVerifyMode(verifyHostname ? SslVerifyMode.FULL : SslVerifyMode.CA)
            .build();
    }

    private ServerCertificate writeServer(KeyStore keys, String alias, boolean namesLoopback) throws IOException, GeneralSecurityException
    {
        Key key = keys.getKey(alias, PASSWORD.toCharArray());
        Path certificate = dir.resolve(alias + ".pem");
        Path keyFile = dir.resolve(alias + ".key");
        Files.writeString(certificate, pem("CERTIFICATE", keys.getCertificate(alias).getEncoded()));
        // A PKCS#8 encoding: what OpenSSL reads as "BEGIN PRIVATE KEY".
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
        return new ServerCertificate(certificate, keyFile, namesLoopback);
    }

    private static String pem(String type, byte[] der)
    {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) +
            "\n-----END " + type + "-----\n";
    }

    private void keytool(String... args) throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        // keytool is a short-lived JVM: the quick JIT tier and serial GC halve its start.
        command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(args));
        // EC keys: quick to make; two days: the certificates live as long as the JVM.
        command.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-storetype", "PKCS12",
            "-storepass", PASSWORD, "-keypass", PASSWORD));
        Path log = dir.resolve("keytool.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("keytool did not finish in 60 s: " + command);
        }
        if (process.exitValue() != 0)
            throw new IOException("keytool failed: " + command + ": " + Files.readString(log));
    }

    private static KeyStore load(Path file) throws IOException, GeneralSecurityException
    {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file))
        {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static void store(KeyStore store, Path file) throws IOException, GeneralSecurityException
    {
        try (OutputStream out = Files.newOutputStream(file))
        {
            store.store(out, PASSWORD.toCharArray());
        }
    }
}
