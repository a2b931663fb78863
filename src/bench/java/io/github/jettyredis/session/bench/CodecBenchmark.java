// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.internal.SessionDelta;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.StoredSessionData;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.util.ClassLoadingObjectInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: one session of each shape through this project's codec ({@link SessionHashCodec}, every field of
 * the hash: metadata and attributes, digests included, as the store does) and through Jetty's Java
 * serialization path ({@link SessionData#serializeAttributes} / {@link SessionData#deserializeAttributes}
 * on object streams, as Jetty's JDBC and file stores do; attributes only, their metadata go elsewhere).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBenchmark
{
    private static final String ID = "node0x4tq2hd8k3pl1bn0cfz9y7mw51";
    private static final String CONTEXT = "_app";
    private static final String VHOST = "0.0.0.0";

    @Param({"small", "typical", "large", "record"})
    public String shape;

    private SessionHashCodec codec;
    private SessionData data;
    private Map<byte[], byte[]> fields;
    private byte[] javaBytes;
    private StoredSessionData loaded;
    private int counter;

    /** Builds the session and its encoded forms once per trial. */
    @Setup
    public void setUp() throws Exception
    {
        codec = new SessionHashCodec(new ProtobufAttributeSerializer());
        data = newSession(shape);
        fields = codec.encode(data);
        javaBytes = javaEncode(data);
        loaded = decode(codec, fields);
    }

    /** Encode then decode with this project's codec. */
    @Benchmark
    public SessionData redisCodecRoundTrip() throws Exception
    {
        return decode(codec, codec.encode(data));
    }

    /** Encode then decode with Jetty's Java serialization path. */
    @Benchmark
    public SessionData javaRoundTrip() throws Exception
    {
        return javaDecode(javaEncode(data));
    }

    /** Every field of the hash, as a first save writes them. */
    @Benchmark
    public Map<byte[], byte[]> redisCodecEncode() throws Exception
    {
        return codec.encode(data);
    }

    /** A session from every field of its hash, as a load reads them. */
    @Benchmark
    public SessionData redisCodecDecode() throws Exception
    {
        return decode(codec, fields);
    }

    /**
     * What a save after a request costs the codec: one attribute changed in a session loaded from Redis,
     * every attribute checked for changes, the delta built.
     */
    @Benchmark
    public SessionDelta redisCodecSaveDelta() throws Exception
    {
        loaded.setAttribute("counter", ++counter);
        return codec.encodeDelta(loaded, false);
    }

    /** The attribute blob Jetty's JDBC and file stores write on every save. */
    @Benchmark
    public byte[] javaEncode() throws Exception
    {
        return javaEncode(data);
    }

    /** The attributes back from that blob, as those stores load them. */
    @Benchmark
    public SessionData javaDecode() throws Exception
    {
        return javaDecode(javaBytes);
    }

    /**
     * @param shape one of {@link SessionShapes#NAMES}
     * @return a session of that shape, as the store would hold it after a request
     */
    public static SessionData newSession(String shape)
    {
        long now = 1_764_000_000_000L;
        StoredSessionData data = new StoredSessionData(ID, CONTEXT, VHOST, now - 60_000, now, now - 5_000, 1_800_000);
        data.setLastNode("node0");
        data.setCookieSet(now - 60_000);
        data.setExpiry(now + 1_800_000);
        data.setLastSaved(now - 5_000);
        data.putAllAttributes(SessionShapes.attributes(shape));
        return data;
    }

    /** A session of {@link #newSession} back from the fields of its hash, as the store's load reads them. */
    static StoredSessionData decode(SessionHashCodec codec, Map<byte[], byte[]> fields) throws Exception
    {
        return codec.decode(ID, CONTEXT, VHOST, fields);
    }

    /** Jetty's path: what ObjectStreamSessionDataStore.serializeAttributes writes. */
    static byte[] javaEncode(SessionData data) throws IOException
    {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes))
        {
            SessionData.serializeAttributes(data, out);
        }
        return bytes.toByteArray();
    }

    /** Jetty's path: what ObjectStreamSessionDataStore.deserializeAttributes reads, into a new SessionData. */
    static SessionData javaDecode(byte[] bytes) throws IOException, ClassNotFoundException
    {
        SessionData data = new SessionData(ID, CONTEXT, VHOST, 0, 0, 0, 1_800_000);
        try (ClassLoadingObjectInputStream in = new ClassLoadingObjectInputStream(new ByteArrayInputStream(bytes)))
        {
            SessionData.deserializeAttributes(data, in);
        }
        return data;
    }

    /** @return the bytes of every field of the hash, names included */
    static long hashBytes(Map<byte[], byte[]> fields)
    {
        return fields.entrySet().stream().mapToLong(f -> f.getKey().length + f.getValue().length).sum();
    }
}
