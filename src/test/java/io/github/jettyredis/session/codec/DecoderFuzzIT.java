// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.IOException;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Currency;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.Vector;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.github.jettyredis.session.codec.CodecFixtures.Colour;
import io.github.jettyredis.session.codec.CodecFixtures.Item;
import io.github.jettyredis.session.codec.CodecFixtures.Shape;
import io.github.jettyredis.session.codec.proto.AttributeValue;
import io.github.jettyredis.session.codec.proto.CollectionKind;
import io.github.jettyredis.session.codec.proto.MapKind;
import io.github.jettyredis.session.codec.proto.SessionMetadata;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.StoredSessionData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzes the decoders of what Redis holds, with 1,000,000 generated inputs in all: the session metadata
 * ({@link SessionHashCodec#decodeMetadata}, {@link SessionHashCodec#decodeMetadataOrUnknown} and a whole hash through
 * {@link SessionHashCodec#decode}), attribute values ({@link ProtobufAttributeSerializer#deserialize}, with the
 * default filter and with one that lets typed values nest to their own limit) and the encryption envelope
 * ({@link EncryptingAttributeSerializer#deserialize}). Most inputs are valid encodings (every typed kind, records,
 * enums, collections, maps, Optional, java.time, Java-serialized values) damaged by {@link WireMutator}, which knows
 * the wire format well enough to reach the decoders' deep paths; envelopes are damaged themselves or seal damaged
 * plaintext under a valid key.
 *
 * <p>What must hold, as the README's "Bad data" says: whatever the bytes, a decoder returns a value or throws what
 * its callers take for "unreadable" (an {@link IOException}, or for attribute values a
 * {@link ClassNotFoundException}; {@code decodeMetadataOrUnknown} never throws, and a hash whose metadata is sound
 * decodes whatever its attributes hold), and no input takes longer than {@link #BOUND} to decode (Java
 * serialization's own budget is 1 s; the rest is room for a busy machine). An input over the bound is measured
 * twice more and judged by its fastest run, so a garbage collection or another process does not fail the run. Any
 * other exception or error fails the test, with the input (shrunk by removing bytes while it still fails the same
 * way), its index and the seed.</p>
 *
 * <p>A plain seeded generator rather than jqwik: one seed replays the whole run, given on the command line
 * ({@code -Dfuzz.seed=...}, printed at the start of each run and in each failure), and a million inputs take about a
 * minute; the byte-removing shrinker does what jqwik's shrinking would do for these inputs. {@code -Dfuzz.scale=0.1}
 * runs a tenth of the inputs.</p>
 */
class DecoderFuzzIT
{
    /** The system property that replays a run: the seed it printed. */
    static final String SEED_PROPERTY = "fuzz.seed";
    /** The system property that scales the number of inputs, e.g. 0.1 for a quick run. */
    static final String SCALE_PROPERTY = "fuzz.scale";
    private static final int METADATA_INPUTS = 200_000;
    private static final int ATTRIBUTE_INPUTS = 550_000;
    private static final int ENVELOPE_INPUTS = 250_000;
    /** One attribute value in this many is a {@link #hugeNumber}: about 200 of them, each ~0.5 MB. */
    private static final int HUGE_NUMBER_ONE_IN = 2_500;
    /** One attribute value in this many is a {@link #crowdedSet}: about 110 of them, of up to 30,000 elements. */
    private static final int CROWDED_SET_ONE_IN = 5_000;
    /** The most one input may take to decode. */
    private static final Duration BOUND = Duration.ofSeconds(2);
    /** An input still decoding after this long is taken for a hang: the run stops and shows where it is. */
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final byte[] K1 = key(1);
    private static final byte[] OLD = key(2);
    private static final String KEYS = "k1:" + base64(K1) + ",old:" + base64(OLD);

    // One per thread, initialized anew for each envelope (with a new nonce, as GCM requires): getInstance is slow.
    private static final ThreadLocal<Cipher> SEALING = ThreadLocal.withInitial(() ->
    {
        try
        {
            return Cipher.getInstance("AES/GCM/NoPadding");
        }
        catch (Exception e)
        {
            throw new AssertionError(e);
        }
    });

    private static long seed;
    private static double scale;

    private final ProtobufAttributeSerializer protobuf = new ProtobufAttributeSerializer();
    // Typed values nest past the default depth of 20 only if the filter allows: this one reaches the codec's own limit.
    private final ProtobufAttributeSerializer deep = new ProtobufAttributeSerializer(
        new JavaSerialization(SessionSerialFilter.create("maxdepth=500")));
    private final EncryptingAttributeSerializer encrypting = new EncryptingAttributeSerializer(protobuf, KEYS);
    private final SessionHashCodec codec = new SessionHashCodec(protobuf);
    private final SessionHashCodec encryptedCodec = new SessionHashCodec(encrypting);

    /** A record whose canonical constructor checks its values, as some applications' do. */
    record Checked(String code, int count) implements Serializable
    {
        Checked
        {
            if (count < 0 || code.isEmpty())
                throw new IllegalArgumentException("invalid");
        }
    }

    /** A record that is not {@code Serializable}: never read typed. */
    record Plain(String text)
    {
    }

    /**
     * A plain Serializable class: written field by field ({@code object_value}), its fields set on an instance
     * made as Java serialization makes one.
     */
    static final class Bean implements Serializable
    {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final List<Object> values;
        private final Map<String, Object> byName;

        Bean(String name, List<Object> values, Map<String, Object> byName)
        {
            this.name = name;
            this.values = values;
            this.byName = byName;
        }
    }

    @BeforeAll
    static void seed()
    {
        String given = System.getProperty(SEED_PROPERTY);
        seed = given == null || given.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(given.trim());
        scale = Double.parseDouble(System.getProperty(SCALE_PROPERTY, "1"));
        System.out.println("DecoderFuzzIT seed " + seed + " (replay: -D" + SEED_PROPERTY + "=" + seed + ")" +
            (scale == 1 ? "" : ", scale " + scale));
    }

    @Test
    void metadata() throws Exception
    {
        List<byte[]> corpus = metadataCorpus();
        byte[] attribute = protobuf.serialize("value");
        run("metadata", 1, METADATA_INPUTS, corpus, (random, mutator) -> mutator.next(), (index, input) ->
        {
            Object outcome;
            try
            {
                outcome = codec.decodeMetadata(input);
            }
            catch (IOException e)
            {
                // Unreadable: as it should be.
                outcome = e;
            }
            if (codec.decodeMetadataOrUnknown(input) == null)
                throw new AssertionError("decodeMetadataOrUnknown gave null for bytes");
            Map<byte[], byte[]> fields = new LinkedHashMap<>();
            fields.put(SessionHashCodec.METADATA_FIELD, input);
            fields.put(SessionHashCodec.VERSION_FIELD, Arrays.copyOf(input, Math.min(input.length, 12)));
            fields.put(SessionHashCodec.INDEXED_FIELD, Arrays.copyOfRange(input, Math.min(input.length, 2), Math.min(input.length, 10)));
            fields.put(SessionHashCodec.EXPIRY_FIELD, input);
            fields.put("a".getBytes(StandardCharsets.UTF_8), attribute);
            fields.put("#unknown".getBytes(StandardCharsets.UTF_8), input);
            try
            {
                codec.decode("id", "/ctx", "0.0.0.0", fields);
            }
            catch (IOException e)
            {
                // Unreadable metadata: the store turns it into UnreadableSessionDataException.
            }
            return outcome;
        });
    }

    @Test
    void attributeValues() throws Exception
    {
        List<byte[]> corpus = attributeCorpus();
        byte[] metadata = soundMetadata();
        run("attribute values", 2, ATTRIBUTE_INPUTS, corpus, (random, mutator) ->
            random.nextInt(HUGE_NUMBER_ONE_IN) == 0 ? hugeNumber(random) :
                random.nextInt(CROWDED_SET_ONE_IN) == 0 ? crowdedSet(random) : mutator.next(), (index, input) ->
        {
            Object outcome;
            try
            {
                outcome = (index % 5 == 4 ? deep : protobuf).deserialize(input);
            }
            catch (IOException | ClassNotFoundException e)
            {
                // Unreadable: as it should be.
                outcome = e;
            }
            if (index % 8 == 0)
                decodeHash(codec, metadata, input);
            return outcome;
        });
    }

    @Test
    void encryptionEnvelopes() throws Exception
    {
        List<byte[]> plaintexts = attributeCorpus();
        List<byte[]> corpus = new ArrayList<>();
        SplittableRandom nonces = new SplittableRandom(seed ^ 0x5EA1);
        for (byte[] plaintext : plaintexts)
        {
            corpus.add(seal("k1", K1, nonce(nonces), plaintext));
            corpus.add(seal("old", OLD, nonce(nonces), plaintext));
        }
        byte[] metadata = soundMetadata();
        run("encryption envelopes", 3, ENVELOPE_INPUTS, corpus, (random, mutator) ->
        {
            int kind = random.nextInt(100);
            byte[] plaintext = plaintexts.get(random.nextInt(plaintexts.size()));
            if (kind < 40)
            {
                // A sound envelope around damaged plaintext: the decoder behind the envelope is fuzzed through it.
                WireMutator inner = new WireMutator(random, plaintexts);
                boolean current = random.nextBoolean();
                return seal(current ? "k1" : "old", current ? K1 : OLD, nonce(random),
                    random.nextInt(10) == 0 ? inner.randomBytes(random.nextInt(40)) : inner.mutate(plaintext));
            }
            if (kind < 50)
                return damageHeader(random, seal("k1", K1, nonce(random), plaintext));
            if (kind < 55)
            {
                byte[] envelope = mutator.pick();
                int[] cuts = {0, 1, 2, 3, 4, 5, 14, 15, 16, 20, 30, 31, 32, envelope.length - 1};
                return Arrays.copyOf(envelope, Math.max(0, Math.min(envelope.length, cuts[random.nextInt(cuts.length)])));
            }
            if (kind < 60)
            {
                byte[] bytes = mutator.randomBytes(random.nextInt(64));
                if (bytes.length > 0 && random.nextBoolean())
                    bytes[0] = EncryptingAttributeSerializer.FORMAT;
                return bytes;
            }
            if (kind < 65)
            {
                // An id the keyring lacks, or one it has with other key material.
                String id = random.nextBoolean() ? "k9" : "k1";
                return seal(id, key(3), nonce(random), plaintext);
            }
            return mutator.mutate(mutator.pick());
        }, (index, input) ->
        {
            Object outcome;
            try
            {
                outcome = encrypting.deserialize(input);
            }
            catch (IOException | ClassNotFoundException e)
            {
                // Unreadable: as it should be.
                outcome = e;
            }
            if (index % 8 == 0)
                decodeHash(encryptedCodec, metadata, input);
            return outcome;
        });
    }

    /**
     * A number too big to keep in the corpus, whose copies the mutator would make at every pick: a decimal's parts
     * of up to 1 MB (read in linear time), or a decimal string as versions before issue 13 wrote them, around the
     * longest this version reads ({@link TypedDecoder#MAX_DECIMAL_CHARACTERS}, refused beyond), possibly damaged.
     */
    private static byte[] hugeNumber(SplittableRandom random)
    {
        if (random.nextBoolean())
        {
            byte[] unscaled = new byte[1 + random.nextInt(1 << 20)];
            random.nextBytes(unscaled);
            byte[] scale = random.nextBoolean() ? new byte[0] : WireMutator.concat(new byte[]{0x10},
                WireMutator.varint(AttributeValueWire.zigZag(random.nextInt())));
            return WireMutator.message(AttributeValueWire.BIG_DECIMAL_PARTS, WireMutator.concat(WireMutator.message(1, unscaled), scale));
        }
        int length = TypedDecoder.MAX_DECIMAL_CHARACTERS - 2_000 + random.nextInt(4_000);
        StringBuilder text = new StringBuilder(length).append(random.nextBoolean() ? "-" : "");
        while (text.length() < length)
            text.append((char)('0' + random.nextInt(10)));
        if (random.nextBoolean())
            text.setCharAt(1 + random.nextInt(length - 2), random.nextBoolean() ? '.' : 'x');
        if (random.nextBoolean())
            text.append('E').append(random.nextInt());
        return WireMutator.message(AttributeValueWire.BIG_DECIMAL, text.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A hashed set or map of up to 30,000 elements or keys crafted to cost quadratic time to build (see
     * {@link HashCollisions}): lists sharing one hash code, or Integers of distinct hash codes in one slot of a
     * {@code Set.of}'s table. Too big to keep in the corpus, which holds small ones.
     */
    private static byte[] crowdedSet(SplittableRandom random)
    {
        int count = 1 + random.nextInt(30_000);
        List<AttributeValue> elements = random.nextBoolean() ? CollidingValues.sharingOneHashCode(count) : CollidingValues.landingInOneSlot(count);
        return random.nextBoolean()
            ? CollidingValues.collection(CollectionKind.forNumber(4 + random.nextInt(4)), elements)
            : CollidingValues.map(MapKind.forNumber(1 + random.nextInt(4)), elements);
    }

    /** A hash whose metadata is sound loads whatever its attribute holds: left out if it cannot be read. */
    private static void decodeHash(SessionHashCodec codec, byte[] metadata, byte[] attribute) throws IOException
    {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(SessionHashCodec.METADATA_FIELD, metadata);
        fields.put("attribute".getBytes(StandardCharsets.UTF_8), attribute);
        StoredSessionData data = codec.decode("id", "/ctx", "0.0.0.0", fields);
        if (data.getAttribute("attribute") == null && !data.getUnreadableAttributes().containsKey("attribute"))
            throw new AssertionError("The attribute is neither loaded nor kept as unreadable");
    }

    private interface Generator
    {
        byte[] next(SplittableRandom random, WireMutator mutator) throws Exception;
    }

    private interface Decoder
    {
        /**
         * Decodes an input.
         *
         * @return the value, or the exception that says the input is unreadable, if the decoder did what it must
         * @throws Throwable what escaped the decoder, or an {@link AssertionError} saying what else went wrong
         */
        Object decode(int index, byte[] input) throws Throwable;
    }

    /** The outcome of decoding an input: the value or refusal, or what escaped. */
    private record Result(Object outcome, Throwable escaped)
    {
    }

    /** What escaped, the first input that made it escape, and that input shrunk. */
    private record Escape(String signature, Throwable thrown, int index, byte[] input)
    {
    }

    /** Where the fuzzing thread is, for the watchdog. */
    private static final class Progress
    {
        volatile int index = -1;
        volatile long startedAt = System.nanoTime();
        volatile byte[] input;
        volatile Thread thread;
    }

    /**
     * Generates and decodes {@code inputs} inputs on a thread of their own, watched for hangs, then fails with
     * everything that escaped and any input over the time {@link #BOUND}.
     */
    private void run(String name, int stream, int inputs, List<byte[]> corpus, Generator generator, Decoder decoder)
        throws Exception
    {
        int count = (int)Math.max(1, Math.round(inputs * scale));
        long streamSeed = seed * 31 + stream;
        checkCorpus(name, corpus, decoder);
        Progress progress = new Progress();
        Map<String, Escape> escapes = new LinkedHashMap<>();
        Map<String, Long> outcomes = new HashMap<>();
        long[] slowest = {0, -1};
        // Generating, decoding, and the fuzzing thread's CPU time (the machine may be busy with other work).
        long[] times = new long[3];
        byte[][] slowestInput = {null};
        ExecutorService executor = Executors.newSingleThreadExecutor(task ->
        {
            Thread thread = new Thread(task, "fuzz-" + name.replace(' ', '-'));
            thread.setDaemon(true);
            progress.thread = thread;
            return thread;
        });
        long start = System.nanoTime();
        try
        {
            Future<?> done = executor.submit(() ->
            {
                SplittableRandom random = new SplittableRandom(streamSeed);
                WireMutator mutator = new WireMutator(random, corpus);
                long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                for (int index = 0; index < count; index++)
                {
                    long generating = System.nanoTime();
                    byte[] input = generator.next(random, mutator);
                    times[0] += System.nanoTime() - generating;
                    progress.input = input;
                    progress.index = index;
                    long began = System.nanoTime();
                    progress.startedAt = began;
                    Result result = attempt(decoder, index, input);
                    long took = System.nanoTime() - began;
                    times[1] += took;
                    if (took > BOUND.toNanos())
                        took = remeasure(decoder, index, input, took);
                    if (took > slowest[0])
                    {
                        slowest[0] = took;
                        slowest[1] = index;
                        slowestInput[0] = input;
                    }
                    if (result.escaped() != null)
                        escapes.putIfAbsent(signature(result.escaped()), new Escape(signature(result.escaped()), result.escaped(), index, input));
                    // A sample, so that the summary costs little.
                    else if (index % 16 == 0 && outcomes.size() < 1000)
                        outcomes.merge(describe(result.outcome()), 1L, Long::sum);
                }
                times[2] = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart;
                return null;
            });
            watch(name, done, progress);
        }
        finally
        {
            executor.shutdownNow();
        }
        long elapsed = System.nanoTime() - start;
        report(name, count, streamSeed, elapsed, times, slowest, slowestInput[0], outcomes, escapes.size());
        List<String> failures = new ArrayList<>();
        for (Escape escape : escapes.values())
        {
            byte[] small = shrink(decoder, escape);
            failures.add(escape.signature() + " at input " + escape.index() + " of " + name + ", shrunk to " + small.length +
                " bytes: " + HexFormat.of().formatHex(small) + "\n" + stackTrace(escape.thrown()));
        }
        if (slowest[0] > BOUND.toNanos())
            failures.add("Input " + slowest[1] + " took " + slowest[0] / 1_000_000 + " ms to decode, over " + BOUND.toMillis() +
                " ms: " + HexFormat.of().formatHex(slowestInput[0]));
        if (!failures.isEmpty())
        {
            String message = failures.size() + " failure(s) fuzzing " + name + " with seed " + seed + " (replay: -D" +
                SEED_PROPERTY + "=" + seed + "):\n" + String.join("\n\n", failures);
            System.out.println(message);
            fail(message);
        }
    }

    /** Every valid encoding of the corpus decodes without anything escaping. */
    private static void checkCorpus(String name, List<byte[]> corpus, Decoder decoder)
    {
        for (int i = 0; i < corpus.size(); i++)
        {
            Throwable escaped = attempt(decoder, 0, corpus.get(i)).escaped();
            if (escaped != null)
                throw new AssertionError("Entry " + i + " of the " + name + " corpus does not decode cleanly", escaped);
        }
    }

    private static Result attempt(Decoder decoder, int index, byte[] input)
    {
        try
        {
            return new Result(decoder.decode(index, input), null);
        }
        catch (Throwable e)
        {
            return new Result(null, e);
        }
    }

    // A slow run may be a collection or another process: the fastest of three runs is the input's time.
    private static long remeasure(Decoder decoder, int index, byte[] input, long took)
    {
        long fastest = took;
        for (int i = 0; i < 2; i++)
        {
            long began = System.nanoTime();
            attempt(decoder, index, input);
            fastest = Math.min(fastest, System.nanoTime() - began);
        }
        return fastest;
    }

    /** What an input that escaped nothing did, for the summary: the class of its value or why it was refused. */
    private static String describe(Object outcome)
    {
        if (!(outcome instanceof Throwable refused))
            return "value " + (outcome == null ? "null" : outcome.getClass().getSimpleName());
        String message = String.valueOf(refused.getMessage()).replaceAll("[0-9]+", "#").replaceAll("'[^']*'", "'...'");
        return refused.getClass().getSimpleName() + ": " + message.substring(0, Math.min(70, message.length()));
    }

    private static void watch(String name, Future<?> done, Progress progress) throws Exception
    {
        while (true)
        {
            try
            {
                done.get(1, TimeUnit.SECONDS);
                return;
            }
            catch (TimeoutException e)
            {
                if (System.nanoTime() - progress.startedAt > HANG.toNanos())
                {
                    Thread thread = progress.thread;
                    StringBuilder where = new StringBuilder();
                    for (StackTraceElement frame : thread == null ? new StackTraceElement[0] : thread.getStackTrace())
                        where.append("\n\tat ").append(frame);
                    fail("Input " + progress.index + " of " + name + " (seed " + seed + ") still decoding after " + HANG.toSeconds() +
                        " s: " + HexFormat.of().formatHex(progress.input) + where);
                }
            }
            catch (ExecutionException e)
            {
                throw new AssertionError("The fuzzing of " + name + " failed (seed " + seed + ")", e.getCause());
            }
        }
    }

    private static void report(String name, int count, long streamSeed, long elapsed, long[] times, long[] slowest,
        byte[] slowestInput, Map<String, Long> outcomes, int escapes)
    {
        StringBuilder out = new StringBuilder();
        out.append(String.format("FUZZ %s: %,d inputs (seed %d, stream seed %d) in %.1f s (generating %.1f s, decoding %.1f s; " +
            "CPU %.1f s); slowest input %.2f ms (#%d, %d bytes); %d escape(s)%n", name, count, seed, streamSeed, elapsed / 1e9,
            times[0] / 1e9, times[1] / 1e9, times[2] / 1e9, slowest[0] / 1e6, slowest[1], slowestInput == null ? 0 : slowestInput.length,
            escapes));
        if (slowestInput != null)
            out.append("  slowest input: ").append(HexFormat.of().formatHex(slowestInput, 0, Math.min(slowestInput.length, 256)))
                .append(slowestInput.length > 256 ? "..." : "").append(System.lineSeparator());
        outcomes.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(40)
            .forEach(e -> out.append(String.format("  %7d  %s%n", e.getValue(), e.getKey())));
        out.append("  (").append(outcomes.size()).append(" distinct outcomes, of the first 1000, in a sample of every 16th input)");
        System.out.println(out);
    }

    /** The exception's class and the first frame of this project (or of the JDK, if none) it came through. */
    private static String signature(Throwable thrown)
    {
        StackTraceElement where = null;
        for (StackTraceElement frame : thrown.getStackTrace())
        {
            if (frame.getClassName().startsWith("io.github.jettyredis.session.") && !frame.getClassName().contains("DecoderFuzzIT"))
            {
                where = frame;
                break;
            }
        }
        if (where == null && thrown.getStackTrace().length > 0)
            where = thrown.getStackTrace()[0];
        return thrown.getClass().getName() + (where == null ? "" : " at " + where);
    }

    /** Removes pieces of the input, halving their size, while it still fails the same way; within a few seconds. */
    private static byte[] shrink(Decoder decoder, Escape escape)
    {
        byte[] input = escape.input();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (int chunk = Math.max(1, input.length / 2); chunk >= 1 && System.nanoTime() < deadline; chunk /= 2)
        {
            for (int at = 0; at + chunk <= input.length && System.nanoTime() < deadline; )
            {
                byte[] smaller = WireMutator.concat(Arrays.copyOfRange(input, 0, at), Arrays.copyOfRange(input, at + chunk, input.length));
                Throwable escaped = attempt(decoder, escape.index(), smaller).escaped();
                if (escaped != null && signature(escaped).equals(escape.signature()))
                    input = smaller;
                else
                    at += chunk;
            }
        }
        return input;
    }

    private static String stackTrace(Throwable thrown)
    {
        StringBuilder out = new StringBuilder(thrown.toString());
        StackTraceElement[] frames = thrown.getStackTrace();
        for (int i = 0; i < Math.min(25, frames.length); i++)
            out.append("\n\tat ").append(frames[i]);
        return out.toString();
    }

    private List<byte[]> metadataCorpus()
    {
        List<byte[]> corpus = new ArrayList<>();
        long[] times = {0, 1, -1, 1_764_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (int i = 0; i < times.length; i++)
        {
            StoredSessionData data = new StoredSessionData("id" + i, "/ctx", "0.0.0.0", times[i], times[(i + 1) % times.length],
                times[(i + 2) % times.length], i * 60_000L - 1);
            data.setLastNode(i % 2 == 0 ? null : i == 1 ? "" : "node" + "\u00e9".repeat(i));
            data.setCookieSet(times[(i + 3) % times.length]);
            data.setExpiry(times[(i + 4) % times.length]);
            data.setLastSaved(times[(i + 5) % times.length]);
            corpus.add(codec.encodeMetadata(data));
        }
        // Early version-1 metadata also named the session, context and virtual host.
        corpus.add(SessionMetadata.newBuilder().setFormat(SessionHashCodec.FORMAT).setId("node0abc").setContextPath("/ctx")
            .setVhost("0.0.0.0").setCreated(1).setMaxInactiveMs(-1).setLastNode("node0").build().toByteArray());
        corpus.add(SessionMetadata.newBuilder().setFormat(SessionHashCodec.FORMAT).build().toByteArray());
        return corpus;
    }

    private byte[] soundMetadata()
    {
        StoredSessionData data = new StoredSessionData("id", "/ctx", "0.0.0.0", 1, 2, 3, 60_000);
        data.setExpiry(Long.MAX_VALUE);
        return codec.encodeMetadata(data);
    }

    /** Valid encodings of values of every kind the codec writes, typed or Java-serialized. */
    private List<byte[]> attributeCorpus() throws IOException
    {
        List<Object> values = new ArrayList<>(List.of("", "value", "na\u00efve \u65e5\u672c\u8a9e \uD83D\uDE00", "x".repeat(300),
            0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, true, false, Float.NaN, -0f, 1.5f,
            Double.MAX_VALUE, -2.5d, 'c', '\uffff', (byte)-128, (short)300, new byte[0], new byte[300],
            new BigDecimal("-1.23E+400"), new BigDecimal("0.000"), new BigInteger("-123456789012345678901234567890"),
            BigInteger.ZERO, new BigDecimal(BigInteger.ONE.shiftLeft(20_000).subtract(BigInteger.ONE), -3),
            new BigDecimal(BigInteger.valueOf(-12), Integer.MIN_VALUE), BigInteger.ONE.shiftLeft(20_000).negate(), new UUID(0, -1), UUID.fromString("1b4e28ba-2fa1-11d2-883f-0016d3cca427"), Instant.MIN, Instant.MAX,
            Instant.ofEpochSecond(1_764_000_000L, 123), new Date(0), LocalDate.MIN, LocalDate.of(2024, 2, 29), LocalDateTime.MAX,
            Duration.ofSeconds(-5, 7), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), LocalTime.MAX,
            ZonedDateTime.of(2024, 3, 31, 2, 30, 0, 0, ZoneId.of("Europe/Paris")),
            ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHours(-3)), OffsetDateTime.of(LocalDateTime.MIN, ZoneOffset.MAX),
            ZoneId.of("America/New_York"), ZoneId.of("GMT+2"), ZoneOffset.UTC, Period.of(1, -2, 3), Locale.UK,
            Locale.forLanguageTag("sr-Latn-RS-u-nu-latn"), Currency.getInstance("EUR"), URI.create("https://u@h:8080/p?q#f"),
            URI.create("urn:isbn:0"), Colour.RED, Shape.CIRCLE, Shape.SQUARE, new Item("pen", 3, Colour.BLUE, List.of("a", "b")),
            ProtobufAttributeSerializerTest.basket(), new ProtobufAttributeSerializerTest.Pair<>("a", Optional.of(1)),
            new Checked("ok", 1), List.of(), List.of(1), List.of("a", "b"), List.of(1, 2L, 3.0), Set.of("a"), Set.of("a", "b"),
            Set.of(1, 2, 3), Map.of("k", 1), Map.of("a", 1, "b", 2, "c", 3), Optional.empty(), Optional.of("x"),
            Optional.of(List.of(Optional.of(Colour.GREEN)))));
        values.add(new ArrayList<>(Arrays.asList("a", null, 1, Colour.BLUE, new Item("i", 0, null, List.of()))));
        values.add(new LinkedList<>(List.of(LocalDate.of(2000, 1, 1), Period.ZERO)));
        values.add(new HashSet<>(List.of("x", "y", "z")));
        values.add(new LinkedHashSet<>(List.of(3, 1, 2)));
        values.add(new TreeSet<>(List.of("b", "a")));
        values.add(new TreeSet<>(List.of(Colour.BLUE, Colour.RED)));
        Map<String, Object> hashMap = new HashMap<>();
        hashMap.put("a", null);
        hashMap.put("b", List.of(1));
        values.add(hashMap);
        Map<Object, Object> linked = new LinkedHashMap<>();
        linked.put(1, "one");
        linked.put(Colour.RED, Optional.empty());
        values.add(linked);
        values.add(new TreeMap<>(Map.of("z", 1, "a", 2)));
        Object nested = "leaf";
        for (int i = 0; i < 18; i++)
            nested = i % 3 == 0 ? new ArrayList<>(List.of(nested, i)) : i % 3 == 1 ? Optional.of(nested) : new HashMap<>(Map.of("k" + i, nested));
        values.add(nested);
        // Too deep for the default filter (and so Java-serialized), typed for the deep serializer.
        Object deeper = "leaf";
        for (int i = 0; i < 60; i++)
            deeper = new ArrayList<>(List.of(deeper));
        List<byte[]> corpus = new ArrayList<>();
        corpus.add(deep.serialize(deeper));
        // Java-serialized: classes without a typed form, and typed ones inside them, read by their readObject or
        // readResolve.
        values.add(new Vector<>(List.of("a", 1)));
        values.add(Arrays.asList("x", "y"));
        values.add(Collections.unmodifiableList(new ArrayList<>(List.of(1))));
        values.add(EnumSet.of(Colour.RED, Colour.BLUE));
        values.add(new StringBuilder("builder"));
        values.add(new AtomicLong(5));
        values.add(new int[]{1, 2, 3});
        values.add(new Object[]{"a", 1L, null});
        values.add(new java.sql.Timestamp(1_764_000_000_000L));
        values.add(new PriorityQueue<>(List.of(3, 1, 2)));
        values.add(new ArrayDeque<>(List.of("q")));
        values.add(new TreeMap<>(Comparator.reverseOrder()));
        values.add(BitSet.valueOf(new long[]{0x5A5A}));
        values.add(new Bean("bean", new ArrayList<>(List.of(Currency.getInstance("EUR"), Locale.UK, LocalDate.of(2024, 2, 29),
            ZoneId.of("Europe/Paris"), URI.create("a:b"), new BigDecimal("1.5"), Duration.ofSeconds(5), Colour.GREEN,
            Instant.ofEpochSecond(1), new UUID(1, 2), new Item("i", 1, Colour.RED, List.of()))),
            new TreeMap<>(Map.of("when", LocalDateTime.of(2024, 1, 1, 0, 0), "zone", ZoneOffset.ofHours(2),
                "period", Period.ofDays(1), "offset", OffsetDateTime.of(LocalDateTime.of(2024, 1, 1, 0, 0), ZoneOffset.UTC)))));
        // Plain objects of a class with a Serializable superclass, and one with a serialized form of its own.
        values.add(new PlainObjects.PremiumAccount("premium", "gold"));
        values.add(new PlainObjects.Account("account", List.of("r"), 1, 2L).with(true, Colour.BLUE, new PlainObjects.Node("n")));
        values.add(new PlainObjects.CustomForm("custom"));
        // A set holding a list that holds itself: Java-serialized, and reading it back hashes the list.
        List<Object> itself = new ArrayList<>();
        Set<Object> holder = new HashSet<>();
        holder.add(itself);
        itself.add(itself);
        values.add(holder);
        for (Object value : values)
            corpus.add(protobuf.serialize(value));
        // A long decimal as versions before issue 13 wrote it, a string converted by halves; and as this one writes it
        // (its parts), nested.
        corpus.add(WireMutator.message(AttributeValueWire.BIG_DECIMAL, ("-" + "31415926".repeat(400) + "E-77").getBytes(StandardCharsets.US_ASCII)));
        corpus.add(protobuf.serialize(new ArrayList<>(List.of(new BigDecimal(BigInteger.TEN.pow(1_500), 9), BigDecimal.TEN))));
        // Sets and maps crafted to cost quadratic time to build, just over HashCollisions' bounds and below them.
        for (int count : new int[]{HashCollisions.MAX_SHARING_ONE_HASH_CODE, HashCollisions.MAX_SHARING_ONE_HASH_CODE + 1})
        {
            corpus.add(CollidingValues.collection(CollectionKind.COLLECTION_KIND_HASH_SET, CollidingValues.sharingOneHashCode(count)));
            corpus.add(CollidingValues.map(MapKind.MAP_KIND_IMMUTABLE_MAP, CollidingValues.sharingOneHashCode(count)));
        }
        corpus.add(CollidingValues.collection(CollectionKind.COLLECTION_KIND_IMMUTABLE_SET, CollidingValues.landingInOneSlot(300)));
        corpus.add(CollidingValues.map(MapKind.MAP_KIND_LINKED_HASH_MAP, CollidingValues.landingInOneSlot(300)));
        // A record value of a class that is no longer Serializable, which this codec never writes.
        corpus.add(WireMutator.message(AttributeValueWire.RECORD, WireMutator.concat(
            WireMutator.message(1, Plain.class.getName().getBytes(StandardCharsets.UTF_8)),
            WireMutator.message(2, WireMutator.concat(WireMutator.message(1, "text".getBytes(StandardCharsets.UTF_8)),
                WireMutator.message(2, protobuf.serialize("t")))))));
        return corpus;
    }

    // The envelope EncryptingAttributeSerializer writes, with the nonce given: a seed then replays it.
    private static byte[] seal(String id, byte[] key, byte[] nonce, byte[] plaintext)
    {
        try
        {
            byte[] idBytes = id.getBytes(StandardCharsets.ISO_8859_1);
            byte[] header = WireMutator.concat(new byte[]{EncryptingAttributeSerializer.FORMAT, (byte)idBytes.length}, idBytes);
            Cipher cipher = SEALING.get();
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(header);
            return WireMutator.concat(header, nonce, cipher.doFinal(plaintext));
        }
        catch (Exception e)
        {
            throw new AssertionError(e);
        }
    }

    // The header's fields made wrong: format, id length (0, past the id, past the end, over the maximum), id.
    private static byte[] damageHeader(SplittableRandom random, byte[] envelope)
    {
        byte[] out = envelope.clone();
        switch (random.nextInt(5))
        {
            case 0 -> out[0] = (byte)random.nextInt(256);
            case 1 -> out[1] = (byte)new int[]{0, 1, 3, 4, 32, 33, 127, 128, 255}[random.nextInt(9)];
            case 2 -> out[2 + random.nextInt(out[1] & 0xFF)] = (byte)random.nextInt(256);
            case 3 ->
            {
                // Another id of the same length, possibly of characters no id has.
                for (int i = 0; i < (out[1] & 0xFF); i++)
                    out[2 + i] = (byte)(random.nextBoolean() ? ' ' + random.nextInt(95) : random.nextInt(256));
            }
            default -> out[random.nextInt(out.length)] ^= (byte)(1 << random.nextInt(8));
        }
        return out;
    }

    private static byte[] nonce(SplittableRandom random)
    {
        byte[] nonce = new byte[12];
        for (int i = 0; i < nonce.length; i++)
            nonce[i] = (byte)random.nextInt(256);
        return nonce;
    }

    private static byte[] key(long keySeed)
    {
        byte[] key = new byte[32];
        new SplittableRandom(keySeed).nextBytes(key);
        return key;
    }

    private static String base64(byte[] bytes)
    {
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }
}
