// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** Jetty logs the messages of the exceptions a store throws when a load or a save fails. */
    @Test
    public void theStoresExceptionsNameTheSessionByItsTag()
    {
        String id = "node0abcdef0123456789abcdef01";
        for (Exception e : List.of(new RefusedSave(id, null, "deleted by another node"),
            new UnreadableSession(id, null, new IOException("damaged"))))
        {
            String logged = e.toString();
            assertTrue(logged.contains(LoggedId.of(id)), logged);
            assertFalse(logged.contains(id), logged);
        }
    }

    @Test
    public void noIdNoTag()
    {
        assertNull(LoggedId.of(null));
    }
}
