// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.util.concurrent.TimeUnit;

import io.github.jettyredis.session.codec.JavaSerialization;
import io.github.jettyredis.session.codec.SessionSerialFilter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the typical session's application object ({@link UserProfile}) alone, encoded and decoded through this
 * project's Java serialization (its own object stream and deserialization filter), as the codec wrote it
 * before plain {@code Serializable} objects were written field by field: what that change saves per session.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class JavaFallbackBenchmark
{
    private JavaSerialization serializer;
    private Object profile;

    /** Builds the value once per trial. */
    @Setup
    public void setUp()
    {
        serializer = new JavaSerialization(SessionSerialFilter.create(null));
        profile = SessionShapes.typical().get("profile");
    }

    /** Serialize then deserialize the one value. */
    @Benchmark
    public Object roundTrip() throws Exception
    {
        return serializer.deserialize(serializer.serialize(profile));
    }
}
