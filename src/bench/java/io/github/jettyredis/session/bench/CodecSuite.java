// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Vector;

import io.github.jettyredis.session.codec.ProtobufAttributeSerializer;
import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.StoredSessionData;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.profile.StackProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Requirement 1: {@link CodecBenchmark} under JMH (in forked JVMs), plus the bytes each codec produces.
 * Prints per shape the encode+decode time of both codecs, their ratio ({@code _speedup_vs_java}: Java's
 * time over ours), the bytes ({@code _size_vs_java}: ours over Java's) and the bytes allocated per
 * operation; the unprefixed {@code codec_speedup_vs_java} and {@code codec_size_vs_java} are the typical
 * shape's, the figures the goals are about. For the {@code record} shape, {@code codec_record_java_bytes} is
 * the bytes of Java serialization inside this codec's encoding (a goal: none), so the size of Jetty's Java path
 * for that shape is {@code codec_record_java_path_bytes}. In the full run, the round trips of the typical and
 * record shapes, which the goals are about, are the mean of three JVMs.
 */
final class CodecSuite
{
    /** JVMs beyond the first that measure the goals' round trips in the full run. */
    private static final int GOAL_EXTRA_FORKS = 2;

    private CodecSuite()
    {
    }

    static void run(BenchConfig config, Results results) throws Exception
    {
        SessionHashCodec codec = new SessionHashCodec(new ProtobufAttributeSerializer());
        for (String shape : SessionShapes.NAMES)
        {
            var data = CodecBenchmark.newSession(shape);
            Map<byte[], byte[]> fields = codec.encode(data);
            String java = "codec_" + shape + (shape.equals("record") ? "_java_path_bytes" : "_java_bytes");
            results.add("codec_" + shape + "_redis_bytes", CodecBenchmark.hashBytes(fields), "B");
            results.add(java, CodecBenchmark.javaEncode(data).length, "B");
            results.ratio("codec_" + shape + "_size_vs_java", "codec_" + shape + "_redis_bytes", java);
        }
        // The record shape's point: the whole session in typed fields, no Java serialization left. (The count
        // must find a value that only Java serialization writes, or a 0 here would prove nothing.) Since plain
        // Serializable objects are written field by field, the typical shape's UserProfile is typed too.
        var withLegacyValue = CodecBenchmark.newSession("small");
        withLegacyValue.setAttribute("legacy", new Vector<>(List.of("a Vector has no typed field")));
        if (javaSerializedBytes(codec.encode(withLegacyValue)) == 0)
            throw new IllegalStateException("No Java-serialized bytes found in a session holding a Vector: the count is broken");
        results.add("codec_record_java_bytes", javaSerializedBytes(codec.encode(CodecBenchmark.newSession("record"))), "B");
        results.add("codec_typical_java_bytes_in_hash", javaSerializedBytes(codec.encode(CodecBenchmark.newSession("typical"))), "B");
        // Where the typical session's bytes go: metadata, field names, attribute values; and its application
        // object, alone (written field by field; Java serialization would take 297 B for it).
        long meta = 0;
        long names = 0;
        long values = 0;
        for (Map.Entry<byte[], byte[]> field : codec.encode(CodecBenchmark.newSession("typical")).entrySet())
        {
            if (Arrays.equals(field.getKey(), SessionHashCodec.METADATA_FIELD))
                meta += field.getKey().length + field.getValue().length;
            else
            {
                names += field.getKey().length;
                values += field.getValue().length;
            }
        }
        results.add("codec_typical_redis_meta_bytes", meta, "B");
        results.add("codec_typical_redis_name_bytes", names, "B");
        results.add("codec_typical_redis_value_bytes", values, "B");
        results.add("codec_typical_redis_profile_bytes",
            codec.getSerializer().serialize(SessionShapes.typical().get("profile")).length, "B");
        results.ratio("codec_typical_values_vs_java", "codec_typical_redis_value_bytes", "codec_typical_java_bytes");
        // What a save sends after a request that changed one attribute: the store's delta against Java's
        // whole attribute blob, which Jetty's JDBC and file stores rewrite on every save.
        StoredSessionData loaded = CodecBenchmark.decode(codec, codec.encode(CodecBenchmark.newSession("typical")));
        loaded.setAttribute("counter", 1);
        long delta = 0;
        for (Map.Entry<byte[], byte[]> field : codec.encodeDelta(loaded, false).set().entrySet())
            delta += field.getKey().length + field.getValue().length;
        results.add("codec_typical_redis_delta_bytes", delta, "B");
        results.ratio("codec_typical_delta_vs_java", "codec_typical_redis_delta_bytes", "codec_typical_java_bytes");

        // The quick run measures only what the goals need (the typical shape, encode+decode); the full one
        // every shape and encode and decode apart. Java's path needs seconds of warm-up before its times
        // settle (measured: 360, 110, 50, 45, 42 us in its first five 1 s iterations), hence the long warm-up.
        String methods = config.quick() ? "redisCodecRoundTrip|javaRoundTrip"
            : "redisCodecRoundTrip|javaRoundTrip|redisCodecEncode|redisCodecDecode|javaEncode|javaDecode|redisCodecSaveDelta";
        ChainedOptionsBuilder options = timing(config)
            .include(CodecBenchmark.class.getName() + "\\.(" + methods + ")$")
            .include(JavaFallbackBenchmark.class.getName() + "\\.roundTrip$")
            .forks(1)
            .param("shape", config.quick() ? new String[]{"typical", "record"} : SessionShapes.NAMES.toArray(new String[0]))
            .addProfiler(GCProfiler.class)
            .shouldFailOnError(true)
            .result(config.outDir().resolve("jmh-codec.json").toString())
            .resultFormat(ResultFormatType.JSON);
        if (config.profile())
            options.addProfiler(StackProfiler.class, "lines=3;top=15;detailLine=true");
        Collection<RunResult> runs = new Runner(options.build()).run();
        Map<String, Double> goalForks = config.quick() ? Map.of() : goalRoundTripsInMoreForks(config);

        for (RunResult run : runs)
        {
            String method = run.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            if (run.getParams().getBenchmark().startsWith(JavaFallbackBenchmark.class.getName()))
            {
                results.add("codec_typical_java_fallback_roundtrip_us", run.getPrimaryResult().getScore(), "us/op");
                continue;
            }
            String shape = run.getParams().getParam("shape");
            String name = "codec_" + shape + "_" + switch (method)
            {
                case "redisCodecRoundTrip" -> "redis_roundtrip";
                case "javaRoundTrip" -> "java_roundtrip";
                case "redisCodecEncode" -> "redis_encode";
                case "redisCodecDecode" -> "redis_decode";
                case "javaEncode" -> "java_encode";
                case "javaDecode" -> "java_decode";
                case "redisCodecSaveDelta" -> "redis_save_delta";
                default -> method;
            };
            double score = run.getPrimaryResult().getScore();
            Double inMoreForks = goalForks.get(method + "/" + shape);
            if (inMoreForks != null)
                score = (score + GOAL_EXTRA_FORKS * inMoreForks) / (1 + GOAL_EXTRA_FORKS);
            results.add(name + "_us", score, "us/op");
            Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
            if (alloc != null)
                results.add(name + "_alloc", alloc.getScore(), "B/op");
        }
        for (String shape : SessionShapes.NAMES)
            results.ratio("codec_" + shape + "_speedup_vs_java", "codec_" + shape + "_java_roundtrip_us", "codec_" + shape + "_redis_roundtrip_us");
        results.ratio("codec_speedup_vs_java", "codec_typical_java_roundtrip_us", "codec_typical_redis_roundtrip_us");
        results.ratio("codec_size_vs_java", "codec_typical_redis_bytes", "codec_typical_java_bytes");
        results.ratio("codec_typical_java_fallback_share", "codec_typical_java_fallback_roundtrip_us", "codec_typical_redis_roundtrip_us");
    }

    /** The iterations and heap of every codec benchmark. */
    private static ChainedOptionsBuilder timing(BenchConfig config)
    {
        return new OptionsBuilder()
            .warmupIterations(config.pick(8, 5))
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(config.pick(5, 3))
            .measurementTime(TimeValue.milliseconds(config.pick(1000, 500)))
            .jvmArgsAppend("-Xms1g", "-Xmx1g");
    }

    /**
     * Measures the round trips the codec goals are about (typical and record shapes, both codecs) in
     * {@value #GOAL_EXTRA_FORKS} more JVMs. One JVM's compiled code can be slower throughout: in the full run of
     * 2026-12-05 18:38 the record round trip took 6.4 µs in its one fork, against 3.7 to 3.9 in four JVMs after it.
     *
     * @return the mean time per operation of those JVMs, by {@code method/shape}
     */
    private static Map<String, Double> goalRoundTripsInMoreForks(BenchConfig config) throws Exception
    {
        Options options = timing(config)
            .include(CodecBenchmark.class.getName() + "\\.(redisCodecRoundTrip|javaRoundTrip)$")
            .forks(GOAL_EXTRA_FORKS)
            .param("shape", "typical", "record")
            .shouldFailOnError(true)
            .result(config.outDir().resolve("jmh-codec-goal-forks.json").toString())
            .resultFormat(ResultFormatType.JSON)
            .build();
        Map<String, Double> scores = new HashMap<>();
        for (RunResult run : new Runner(options).run())
        {
            String method = run.getParams().getBenchmark();
            scores.put(method.substring(method.lastIndexOf('.') + 1) + "/" + run.getParams().getParam("shape"),
                run.getPrimaryResult().getScore());
        }
        return scores;
    }

    /**
     * @return the bytes of Java serialization in the attribute fields of an encoded session: the
     * {@code java_serialized} member of each {@link AttributeValue} that has it (the codec's fallback for a
     * value it has no typed field for, which holds the whole value)
     */
    static long javaSerializedBytes(Map<byte[], byte[]> fields) throws Exception
    {
        long bytes = 0;
        for (Map.Entry<byte[], byte[]> field : fields.entrySet())
        {
            // Metadata fields start with the reserved character; an attribute whose name does is escaped.
            if (field.getKey().length > 0 && field.getKey()[0] == SessionHashCodec.RESERVED)
                continue;
            AttributeValue value = AttributeValue.parseFrom(field.getValue());
            if (value.getKindCase() == AttributeValue.KindCase.JAVA_SERIALIZED)
                bytes += value.getJavaSerialized().size();
        }
        return bytes;
    }
}
