// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

public class LoggedIdTest
{
    @Test
    public void theTagIsTheStartOfTheIdsSha256AsSha256sumPrintsIt()
    {
        // printf %s abc | sha256sum: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assertEquals("sha256:ba7816bf", LoggedId.of("abc"));
    }

    @Test
    public void theTagShowsNothingOfTheId()
    {
        String id = "node0abcdef0123456789abcdef01";
        String tag = LoggedId.of(id);
        assertEquals(tag, LoggedId.of(id), "the same on every call, so one session's lines can be followed");
        assertFalse(tag.contains(id.substring(0, 5)), tag);
        assertNotEquals(tag, LoggedId.of(id + "x"));
    }

    @Test
    public void noIdNoTag()
    {
        assertNull(LoggedId.of(null));
    }
}
