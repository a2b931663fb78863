// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the typical session's one Java-serialized attribute ({@link UserProfile}) alone, encoded and decoded
 * by this project's serializer: its own object stream and deserialization filter, the part of the codec's
 * cost that typed fields cannot remove.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class JavaFallbackBenchmark
{
    private ProtobufAttributeSerializer serializer;
    private Object profile;

    /** Builds the value once per trial. */
    @Setup
    public void setUp()
    {
        serializer = new ProtobufAttributeSerializer();
        profile = SessionShapes.typical().get("profile");
    }

    /** Serialize then deserialize the one value. */
    @Benchmark
    public Object roundTrip() throws Exception
    {
        return serializer.deserialize(serializer.serialize(profile));
    }
}
