// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.codec;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Application types of the codec tests. Their names are in bytes the tests hold (written by earlier
 * versions), so they must not be renamed or moved, nor their components changed.
 */
public final class CodecFixtures
{
    private CodecFixtures()
    {
    }

    /**
     * An application enum.
     */
    public enum Colour
    {
        RED, GREEN, BLUE
    }

    /**
     * An enum whose first constant has a body of its own, so is of a subclass of the enum.
     */
    public enum Shape
    {
        CIRCLE
        {
            @Override
            public String toString()
            {
                return "round";
            }
        },
        SQUARE
    }

    /**
     * An application record of JDK values and an enum.
     *
     * @param name the item's name
     * @param quantity how many
     * @param colour its colour, possibly null
     * @param tags free labels
     */
    public record Item(String name, int quantity, Colour colour, List<String> tags) implements Serializable
    {
    }

    /**
     * An application record holding records, in a list, and a map.
     *
     * @param id the basket's id
     * @param items what it holds
     * @param counts counts by name
     * @param created when it was created
     */
    public record Basket(UUID id, List<Item> items, Map<String, Integer> counts, Instant created) implements Serializable
    {
    }
}
