// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;

/**
 * Turns one session attribute value into bytes and back. This is the pluggable point for how values are
 * stored: the default is {@link ProtobufAttributeSerializer}, and an implementation can wrap it, e.g. to
 * encrypt or compress its bytes.
 *
 * <p>Implementations must honour this contract:</p>
 * <ul>
 *   <li><b>Round trip.</b> {@code deserialize(serialize(x))} equals {@code x} and is of the same class
 *   (for arrays: has equal contents).</li>
 *   <li><b>Class loading.</b> Both methods are called with the webapp's class loader as the thread context
 *   class loader; classes of the application must be resolved through it.</li>
 *   <li><b>Thread safety.</b> One instance serves every request of the store, concurrently.</li>
 *   <li><b>No silent garbage.</b> {@link #deserialize} either returns the value that was serialized or
 *   throws. The caller treats any exception as "this value is unreadable".</li>
 * </ul>
 */
public interface AttributeSerializer
{
    /**
     * @param value an attribute value; never null, as Jetty removes an attribute set to null
     * @return the bytes to store
     * @throws java.io.NotSerializableException if the value is of a type that cannot be written
     * @throws IOException if the value cannot be written for another reason
     */
    byte[] serialize(Object value) throws IOException;

    /**
     * @param bytes bytes written by {@link #serialize}, possibly by another node or another version
     * @return the value
     * @throws IOException if the bytes are corrupt, in a format this version does not know, or refused
     * (e.g. by a deserialization filter)
     * @throws ClassNotFoundException if a class of the value is not visible to the context class loader
     */
    Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException;

    /**
     * The bytes that identify a value's content, so that a save can tell which attributes changed: equal
     * values must give equal bytes. The default is {@link #serialize}'s output; a serializer whose output
     * differs each time (random nonces, timestamps) returns a deterministic encoding instead and overrides
     * {@link #isFingerprintTheOutput()}.
     *
     * @param value an attribute value
     * @return its fingerprint bytes
     * @throws IOException if the value cannot be written
     */
    default byte[] fingerprint(Object value) throws IOException
    {
        return serialize(value);
    }

    /**
     * @return true if {@link #serialize}'s output is its own {@link #fingerprint} (the default), so that
     * stored bytes identify the value without encoding it again
     */
    default boolean isFingerprintTheOutput()
    {
        return true;
    }

    /**
     * Checks that bytes this serializer just wrote can be read back, on any node: a save calls it for each
     * value it is about to send, so that Redis never holds a value every later load would refuse (for
     * example one over a limit of the deserialization filter). The default reads the bytes back.
     *
     * @param bytes bytes returned by {@link #serialize}
     * @throws IOException if reading them back would fail; the message says why
     */
    default void checkReadable(byte[] bytes) throws IOException
    {
        try
        {
            deserialize(bytes);
        }
        catch (ClassNotFoundException e)
        {
            throw new IOException("The value could not be read back: " + e, e);
        }
    }

    /**
     * Checks, when a store starts, that this serializer can work at all, so that a misconfigured node
     * refuses to start rather than failing (or worse) on every session. The default checks nothing.
     *
     * @throws IllegalStateException saying what is missing
     */
    default void checkUsable()
    {
    }
}
