// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The session shapes every benchmark uses, built fresh on each call (so no two sessions share a mutable
 * value):
 * <ul>
 *   <li>{@code small}: 5 short strings;</li>
 *   <li>{@code typical}: 20 attributes of mixed types, one of them an application object
 *   ({@link UserProfile}, a plain Serializable class: Java-serialized until the codec wrote such objects field by
 *   field);</li>
 *   <li>{@code large}: a 100 KiB {@code byte[]} and 10 short strings;</li>
 *   <li>{@code record}: {@code typical} with the application object as a record ({@link UserProfileRecord}),
 *   which the codec writes in typed fields, as it now writes the typical shape's. (Added later than the
 *   others, which stay as they were so that results stay comparable from run to run.)</li>
 * </ul>
 * Values are fixed (seeded), so byte counts are the same in every run.
 */
public final class SessionShapes
{
    /** The shapes, in the order results are printed. */
    public static final List<String> NAMES = List.of("small", "typical", "large", "record");

    private SessionShapes()
    {
    }

    /**
     * @param shape one of {@link #NAMES}
     * @return the attributes of a session of that shape, name to value
     */
    public static Map<String, Object> attributes(String shape)
    {
        return switch (shape)
        {
            case "small" -> small();
            case "typical" -> typical();
            case "large" -> large();
            case "record" -> record();
            default -> throw new IllegalArgumentException("No session shape " + shape);
        };
    }

    static Map<String, Object> small()
    {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("user", "alice");
        a.put("locale", "en_GB");
        a.put("theme", "dark");
        a.put("csrf", "q3Vx9TzL1mK0pR7sYbW2eA");
        a.put("lastPage", "/shop/cart");
        return a;
    }

    static Map<String, Object> typical()
    {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("userId", 4_815_162_342L);
        a.put("userName", "alice.example");
        a.put("email", "alice@example.com");
        a.put("locale", "en_GB");
        a.put("profile", new UserProfile("Alice Example", "alice@example.com", List.of("customer", "beta-tester"),
            1_700_000_000_000L, 2));
        a.put("loggedInAt", Instant.ofEpochSecond(1_764_000_000L, 123_000_000));
        a.put("lastSeen", new Date(1_764_000_123_000L));
        a.put("counter", 0);
        a.put("cartTotal", new BigDecimal("129.95"));
        a.put("cartId", new UUID(0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L));
        a.put("admin", Boolean.FALSE);
        a.put("csrfToken", "Yk2x0Qa9Lw7Pm3Rt5Vb8Nc1Dz4Hf6Js");
        a.put("lastPage", "/shop/products/1234?colour=blue");
        a.put("theme", "dark");
        a.put("birthday", LocalDate.of(1990, 5, 17));
        a.put("score", 87.5d);
        a.put("visits", 42L);
        byte[] flags = new byte[32];
        new Random(6).nextBytes(flags);
        a.put("flags", flags);
        a.put("referrer", "https://www.example.org/search?q=red+shoes&page=2");
        a.put("idleWarning", Duration.ofMinutes(25));
        return a;
    }

    static Map<String, Object> record()
    {
        Map<String, Object> a = typical();
        // The same values as the typical shape's profile; put in place, so the attributes keep their order.
        a.put("profile", new UserProfileRecord("Alice Example", "alice@example.com", List.of("customer", "beta-tester"),
            1_700_000_000_000L, 2));
        return a;
    }

    static Map<String, Object> large()
    {
        Map<String, Object> a = new LinkedHashMap<>();
        byte[] upload = new byte[100 * 1024];
        new Random(100).nextBytes(upload);
        a.put("upload", upload);
        for (int i = 0; i < 10; i++)
            a.put("small" + i, "value-" + i);
        return a;
    }
}
