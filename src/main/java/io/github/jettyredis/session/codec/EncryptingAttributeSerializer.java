// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An {@link AttributeSerializer} that encrypts the bytes of another one (by default a
 * {@link ProtobufAttributeSerializer}) with AES-256-GCM, so that Redis holds no plaintext attribute values.
 *
 * <p><b>Envelope.</b> Each value is stored as</p>
 * <pre>
 *   offset  size  content
 *   0       1     format, {@value #FORMAT} (no protobuf message starts with this byte)
 *   1       1     L, the length of the key id in bytes (1..{@value #MAX_KEY_ID_LENGTH})
 *   2       L     key id, ASCII
 *   2+L     12    nonce, random per value
 *   14+L    n+16  AES-GCM ciphertext of the wrapped serializer's n bytes, then the 128-bit tag
 * </pre>
 * <p>Bytes {@code 0 .. 2+L} (format, length and key id) are the GCM associated data: changing any of them,
 * like any byte of the nonce, ciphertext or tag, makes the value unreadable.</p>
 *
 * <p><b>Keys.</b> A keyring maps key ids to 256-bit keys; the first key of the spec is the <em>current</em>
 * one, used for every new value, and all of them can read. To rotate, put a new key first and keep the old
 * ones after it until the values they wrote are gone (sessions rewrite every attribute on each save, so
 * after the longest session lifetime). A key spec is
 * {@code id:BASE64KEY[,id:BASE64KEY]...}, e.g. {@code k2:<base64>,k1:<base64>}; an id is 1 to
 * {@value #MAX_KEY_ID_LENGTH} characters of {@code A-Z a-z 0-9 . _ -}; a key is 32 bytes in Base64
 * (standard or URL-safe alphabet), e.g. from {@code openssl rand -base64 32}. Key material is never logged,
 * put in exception messages, or shown by {@link #toString()}.</p>
 *
 * <p><b>Where keys come from.</b> The no-argument constructor (used when the store is configured by class
 * name, {@code jetty.session.redis.serializer}) reads the environment variable {@value #KEYS_ENV}, or if
 * that is unset the system property {@value #KEYS_PROPERTY}; {@link #setKeys} and {@link #setKeysEnv}
 * (e.g. from Jetty XML) replace that keyring. Until a keyring is set, reading and writing values fail with
 * an {@link IOException}.</p>
 *
 * <p><b>Limits.</b> Attribute names, session ids and the session metadata are not encrypted. A value is not
 * bound to its session or attribute name: someone who can write to Redis cannot read or forge values, but
 * can copy a whole encrypted value to another session or attribute. With random nonces one key should
 * encrypt at most 2<sup>32</sup> values (every save writes every attribute of the session), so rotate keys
 * well before that. Thread safe.</p>
 */
public final class EncryptingAttributeSerializer implements AttributeSerializer
{
    /** The environment variable the no-argument constructor reads the key spec from. */
    public static final String KEYS_ENV = "JETTY_SESSION_REDIS_KEYS";
    /** The system property the no-argument constructor reads the key spec from when {@link #KEYS_ENV} is unset. */
    public static final String KEYS_PROPERTY = "jetty.session.redis.keys";
    /** The envelope format this version writes and reads. */
    public static final int FORMAT = 1;
    /** The longest key id, in characters. */
    public static final int MAX_KEY_ID_LENGTH = 32;

    private static final String NO_KEYS = "EncryptingAttributeSerializer has no keys: set the environment variable " + KEYS_ENV +
        " or the system property " + KEYS_PROPERTY + " before it is created, or call setKeys/setKeysEnv";
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int TAG_BYTES = TAG_BITS / 8;
    // Ids are written in the clear and echoed in messages; this alphabet keeps them printable and, with the
    // length limit, ensures a 44-character Base64 key can never pass for an id and end up in a message.
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_KEY_ID_LENGTH + "}");
    // SecureRandom is thread safe; one instance avoids re-seeding on every value.
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AttributeSerializer delegate;
    // Replaced as a whole by the setters, so a request sees either the old or the new keyring, never a mix.
    private volatile Keyring keyring;

    /**
     * Wraps a {@link ProtobufAttributeSerializer} and takes the key spec from the environment variable
     * {@value #KEYS_ENV}, else from the system property {@value #KEYS_PROPERTY}, else has no keys until
     * {@link #setKeys} or {@link #setKeysEnv} is called.
     *
     * @throws IllegalArgumentException if the spec found is invalid; the message names its source
     */
    public EncryptingAttributeSerializer()
    {
        this.delegate = new ProtobufAttributeSerializer();
        String env = System.getenv(KEYS_ENV);
        if (env != null && !env.isBlank())
            this.keyring = Keyring.parse(env, "environment variable " + KEYS_ENV);
        else
        {
            String property = System.getProperty(KEYS_PROPERTY);
            if (property != null && !property.isBlank())
                this.keyring = Keyring.parse(property, "system property " + KEYS_PROPERTY);
        }
    }

    /**
     * Wraps a {@link ProtobufAttributeSerializer}.
     *
     * @param keys a key spec, {@code id:BASE64KEY[,id:BASE64KEY]...}, the current key first
     * @throws IllegalArgumentException if the spec is invalid
     */
    public EncryptingAttributeSerializer(String keys)
    {
        this(new ProtobufAttributeSerializer(), keys);
    }

    /**
     * @param delegate the serializer whose bytes are encrypted
     * @param keys a key spec, {@code id:BASE64KEY[,id:BASE64KEY]...}, the current key first
     * @throws IllegalArgumentException if the spec is invalid
     */
    public EncryptingAttributeSerializer(AttributeSerializer delegate, String keys)
    {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.keyring = Keyring.parse(keys, "key spec");
    }

    /**
     * Replaces the keyring.
     *
     * @param keys a key spec, {@code id:BASE64KEY[,id:BASE64KEY]...}, the current key first
     * @throws IllegalArgumentException if the spec is invalid
     */
    public void setKeys(String keys)
    {
        this.keyring = Keyring.parse(keys, "key spec");
    }

    /**
     * Replaces the keyring with the key spec held by an environment variable, read now.
     *
     * @param name the name of the environment variable, e.g. {@value #KEYS_ENV}
     * @throws IllegalArgumentException if the variable is unset or blank, or its spec is invalid
     */
    public void setKeysEnv(String name)
    {
        if (name == null || name.isBlank())
            throw new IllegalArgumentException("No environment variable name given for the encryption keys");
        String spec = System.getenv(name.trim());
        if (spec == null || spec.isBlank())
            throw new IllegalArgumentException("Environment variable " + name.trim() + " (encryption keys) is not set");
        this.keyring = Keyring.parse(spec, "environment variable " + name.trim());
    }

    /** @return the id of the key new values are encrypted with, or null if no keys are set */
    public String getCurrentKeyId()
    {
        Keyring keys = keyring;
        return keys == null ? null : keys.currentId;
    }

    /** @return the ids of every key that can read, the current one first; empty if no keys are set */
    public List<String> getKeyIds()
    {
        Keyring keys = keyring;
        return keys == null ? List.of() : List.copyOf(keys.keys.keySet());
    }

    @Override
    public byte[] serialize(Object value) throws IOException
    {
        Keyring keys = requireKeys();
        byte[] plaintext = delegate.serialize(value);
        byte[] header = header(keys.currentIdBytes);
        byte[] envelope = new byte[header.length + NONCE_BYTES + plaintext.length + TAG_BYTES];
        System.arraycopy(header, 0, envelope, 0, header.length);
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        System.arraycopy(nonce, 0, envelope, header.length, NONCE_BYTES);
        try
        {
            // A Cipher per call: Cipher is not thread safe, and GCM forbids re-using one for encryption
            // without a new init anyway.
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, keys.current, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(header);
            int written = cipher.doFinal(plaintext, 0, plaintext.length, envelope, header.length + NONCE_BYTES);
            if (written != plaintext.length + TAG_BYTES)
                throw new IOException("AES-GCM wrote " + written + " bytes, expected " + (plaintext.length + TAG_BYTES));
        }
        catch (GeneralSecurityException e)
        {
            throw new IOException("Cannot encrypt with AES-256-GCM under key id '" + keys.currentId + "'", e);
        }
        return envelope;
    }

    @Override
    public Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException
    {
        Keyring keys = requireKeys();
        if (bytes.length < 2)
            throw new IOException("Encrypted attribute value is truncated (" + bytes.length + " bytes)");
        if (bytes[0] != FORMAT)
            throw new IOException("Not an encrypted attribute value of a known format: format byte " + (bytes[0] & 0xff) +
                ", expected " + FORMAT + " (unencrypted, written by a newer version, or corrupt)");
        int idLength = bytes[1] & 0xff;
        if (idLength < 1 || idLength > MAX_KEY_ID_LENGTH)
            throw new IOException("Encrypted attribute value has an invalid key id length " + idLength);
        int headerLength = 2 + idLength;
        if (bytes.length < headerLength + NONCE_BYTES + TAG_BYTES)
            throw new IOException("Encrypted attribute value is truncated (" + bytes.length + " bytes)");
        String id = new String(bytes, 2, idLength, StandardCharsets.ISO_8859_1);
        SecretKey key = keys.keys.get(id);
        if (key == null)
            throw new IOException(KEY_ID.matcher(id).matches()
                ? "Encrypted attribute value uses key id '" + id + "', which is not in the keyring " + keys.keys.keySet()
                : "Encrypted attribute value has an invalid key id");
        byte[] plaintext;
        try
        {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, headerLength, NONCE_BYTES));
            cipher.updateAAD(bytes, 0, headerLength);
            int offset = headerLength + NONCE_BYTES;
            plaintext = cipher.doFinal(bytes, offset, bytes.length - offset);
        }
        catch (AEADBadTagException e)
        {
            throw new IOException("Encrypted attribute value failed authentication under key id '" + id +
                "': it was altered, or encrypted with another key of that id", e);
        }
        catch (GeneralSecurityException e)
        {
            throw new IOException("Cannot decrypt attribute value under key id '" + id + "'", e);
        }
        return delegate.deserialize(plaintext);
    }

    /**
     * A node without keys must not start: it could read no session, and its writes would replace what the
     * other nodes wrote.
     *
     * @throws IllegalStateException if no keys are set
     */
    @Override
    public void checkUsable()
    {
        if (keyring == null)
            throw new IllegalStateException(NO_KEYS);
    }

    private Keyring requireKeys() throws IOException
    {
        Keyring keys = keyring;
        if (keys == null)
            throw new IOException(NO_KEYS);
        return keys;
    }

    private static byte[] header(byte[] id)
    {
        byte[] header = new byte[2 + id.length];
        header[0] = FORMAT;
        header[1] = (byte)id.length;
        System.arraycopy(id, 0, header, 2, id.length);
        return header;
    }

    /** Every encryption uses a fresh nonce, so changes are told by the wrapped serializer's fingerprint. */
    @Override
    public byte[] fingerprint(Object value) throws IOException
    {
        return delegate.fingerprint(value);
    }

    @Override
    public boolean isFingerprintTheOutput()
    {
        return false;
    }

    /** Shows the key ids and the wrapped serializer, never key material. */
    @Override
    public String toString()
    {
        Keyring keys = keyring;
        return "EncryptingAttributeSerializer[AES-256-GCM, current=" + (keys == null ? "none" : keys.currentId) +
            ", keyIds=" + getKeyIds() + ", delegate=" + delegate.getClass().getSimpleName() + "]";
    }

    /** The key ids in spec order (the first is current) and their keys; immutable. */
    private static final class Keyring
    {
        final String currentId;
        final byte[] currentIdBytes;
        final SecretKey current;
        final Map<String, SecretKey> keys;

        private Keyring(Map<String, SecretKey> keys)
        {
            this.keys = Collections.unmodifiableMap(keys);
            this.currentId = keys.keySet().iterator().next();
            this.currentIdBytes = currentId.getBytes(StandardCharsets.US_ASCII);
            this.current = keys.get(currentId);
        }

        // Messages name the source, the entry's position and the id once it is known to be a valid id, but
        // never the key text nor a decoder message (which can quote characters of the key).
        static Keyring parse(String spec, String source)
        {
            if (spec == null || spec.isBlank())
                throw new IllegalArgumentException("The " + source + " of the encryption keys is empty; expected id:BASE64KEY[,id:BASE64KEY]...");
            Map<String, SecretKey> keys = new LinkedHashMap<>();
            String[] entries = spec.split(",", -1);
            for (int i = 0; i < entries.length; i++)
            {
                String where = "Entry " + (i + 1) + " of the " + source;
                String entry = entries[i].trim();
                if (entry.isEmpty())
                    throw new IllegalArgumentException(where + " is empty; expected id:BASE64KEY[,id:BASE64KEY]...");
                int colon = entry.indexOf(':');
                if (colon < 0)
                    throw new IllegalArgumentException(where + " has no ':' between key id and key; expected id:BASE64KEY");
                String id = entry.substring(0, colon).trim();
                if (!KEY_ID.matcher(id).matches())
                    throw new IllegalArgumentException(where + " has an invalid key id: expected 1 to " + MAX_KEY_ID_LENGTH +
                        " characters of A-Z a-z 0-9 . _ - before the ':'");
                if (keys.containsKey(id))
                    throw new IllegalArgumentException(where + " repeats key id '" + id + "'");
                byte[] key = decodeBase64(entry.substring(colon + 1).trim());
                if (key == null)
                    throw new IllegalArgumentException(where + ": the key of id '" + id + "' is not valid Base64");
                if (key.length != KEY_BYTES)
                    throw new IllegalArgumentException(where + ": the key of id '" + id + "' is " + key.length +
                        " bytes after Base64 decoding; AES-256 needs " + KEY_BYTES);
                keys.put(id, new SecretKeySpec(key, "AES"));
                Arrays.fill(key, (byte)0); // SecretKeySpec keeps its own copy
            }
            return new Keyring(keys);
        }

        private static byte[] decodeBase64(String text)
        {
            if (text.isEmpty())
                return null;
            try
            {
                return Base64.getDecoder().decode(text);
            }
            catch (IllegalArgumentException standard)
            {
                try
                {
                    return Base64.getUrlDecoder().decode(text);
                }
                catch (IllegalArgumentException urlSafe)
                {
                    return null;
                }
            }
        }
    }
}
