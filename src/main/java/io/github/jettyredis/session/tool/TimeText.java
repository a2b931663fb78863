// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.time.Duration;
import java.time.Instant;

/** How the tool writes times: instants in UTC, ISO-8601; durations as the two largest units, e.g. {@code 29m 58s}. */
final class TimeText
{
    private TimeText()
    {
    }

    /** @return the instant, e.g. {@code 2026-12-04T21:26:01.940Z}; {@code -} for 0 or less (none) */
    static String instant(long epochMillis)
    {
        return epochMillis <= 0 ? "-" : Instant.ofEpochMilli(epochMillis).toString();
    }

    /** @return e.g. {@code 29m 58s}, {@code 2h 21m}, or {@code -1m 2s} for a time past */
    static String duration(long millis)
    {
        Duration duration = Duration.ofMillis(Math.abs(millis));
        String sign = millis < 0 ? "-" : "";
        if (duration.toDays() > 0)
            return sign + duration.toDays() + "d " + duration.toHoursPart() + "h";
        if (duration.toHours() > 0)
            return sign + duration.toHours() + "h " + duration.toMinutesPart() + "m";
        if (duration.toMinutes() > 0)
            return sign + duration.toMinutes() + "m " + duration.toSecondsPart() + "s";
        return sign + duration.toSeconds() + "s";
    }
}
