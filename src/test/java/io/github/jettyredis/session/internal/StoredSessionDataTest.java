// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A held copy taking what Redis holds ({@link StoredSessionData#replaceWith}): attribute by attribute, Redis's
 * side where it changed since this node last read or wrote it, this copy's side where it did not. Digests stand
 * for the encoded bytes.
 */
public class StoredSessionDataTest
{
    private static StoredSessionData copy(Map<String, Object> values, Map<String, Long> digests)
    {
        StoredSessionData data = new StoredSessionData("s", "/app", "0.0.0.0", 1000, 1000, 1000, 60_000);
        values.forEach(data::setAttribute);
        Map<String, StoredAttribute> stored = new HashMap<>();
        digests.forEach((name, digest) -> stored.put(name, new StoredAttribute(digest, 10, null)));
        data.setStoredAttributes(stored);
        return data;
    }

    @Test
    public void aValueRedisStillHoldsKeepsItsObjectAndOneAnotherNodeChangedTakesRedis()
    {
        List<String> cart = new ArrayList<>(List.of("book"));
        StoredSessionData held = copy(Map.of("cart", cart, "other", "w"), Map.of("cart", 1L, "other", 2L));
        // A request still in the session adds to the cart it took, with no setAttribute.
        cart.add("pen");
        held.replaceWith(copy(Map.of("cart", new ArrayList<>(List.of("book")), "other", "x"), Map.of("cart", 1L, "other", 3L)));
        assertSame(cart, held.getAttribute("cart"), "the object the request changes stays the session's");
        assertEquals("x", held.getAttribute("other"));
        assertEquals(1L, held.getStoredAttributes().get("cart").digest(), "what Redis holds, so the save writes the change");
        assertEquals(3L, held.getStoredAttributes().get("other").digest());
    }

    @Test
    public void anAttributeAnotherNodeRemovedGoes()
    {
        StoredSessionData held = copy(Map.of("cart", "book"), Map.of("cart", 1L));
        held.replaceWith(copy(Map.of(), Map.of()));
        assertNull(held.getAttribute("cart"));
        assertTrue(held.getStoredAttributes().isEmpty());
    }

    @Test
    public void anAttributeRemovedHereAndNotSavedYetStaysRemoved()
    {
        StoredSessionData held = copy(Map.of(), Map.of("coupon", 5L));
        held.replaceWith(copy(Map.of("coupon", "SALE", "other", "x"), Map.of("coupon", 5L, "other", 3L)));
        assertNull(held.getAttribute("coupon"));
        assertTrue(held.getStoredAttributes().containsKey("coupon"), "Redis still holds it: the next save deletes it");
        assertEquals("x", held.getAttribute("other"));
    }

    @Test
    public void anAttributeRemovedHereThatAnotherNodeChangedTakesTheChange()
    {
        StoredSessionData held = copy(Map.of(), Map.of("coupon", 5L));
        held.replaceWith(copy(Map.of("coupon", "WINTER"), Map.of("coupon", 6L)));
        assertEquals("WINTER", held.getAttribute("coupon"));
    }

    @Test
    public void aValueRedisNeverTookStaysUnlessRedisHoldsOneNow()
    {
        Object tooBig = new Object();
        StoredSessionData held = copy(Map.of("report", tooBig), Map.of());
        held.replaceWith(copy(Map.of(), Map.of()));
        assertSame(tooBig, held.getAttribute("report"), "kept in memory, as a copy no other node changed keeps it");
        assertFalse(held.getStoredAttributes().containsKey("report"), "not in Redis: the next save tries to write it");

        held.replaceWith(copy(Map.of("report", "summary"), Map.of("report", 7L)));
        assertEquals("summary", held.getAttribute("report"), "another node's value of it wins");

        StoredSessionData unreadableThere = copy(Map.of(), Map.of());
        unreadableThere.setUnreadableAttributes(Map.of("note", new byte[]{1}), Map.of("note", "class gone"));
        StoredSessionData another = copy(Map.of("note", "mine"), Map.of());
        another.replaceWith(unreadableThere);
        assertNull(another.getAttribute("note"), "Redis holds one this node cannot read: it is left out, as a load leaves it");
    }

    @Test
    public void withoutRecordsOfWhatRedisHoldsTheCopyTakesRedisWhole()
    {
        List<String> cart = new ArrayList<>(List.of("book"));
        StoredSessionData held = copy(Map.of("cart", cart), Map.of());
        held.setStoredAttributes(null);
        held.replaceWith(copy(Map.of("cart", new ArrayList<>(List.of("book"))), Map.of("cart", 1L)));
        assertFalse(held.getAttribute("cart") == cart, "nothing to tell an unchanged value by");
        assertEquals(List.of("book"), held.getAttribute("cart"));
    }
}
