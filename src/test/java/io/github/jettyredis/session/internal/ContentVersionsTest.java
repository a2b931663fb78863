// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The written-back mark of content versions, and which of two copies changed later. */
public class ContentVersionsTest
{
    private static final String EARLIER = "0193a0000000abcdef121";
    private static final String LATER = "0193a0000001abcdef122";

    @Test
    public void aWrittenBackVersionIsMarkedOnce()
    {
        assertFalse(ContentVersions.isWrittenBack(EARLIER));
        String marked = ContentVersions.writtenBack(EARLIER);
        assertTrue(ContentVersions.isWrittenBack(marked));
        assertEquals(marked, ContentVersions.writtenBack(marked));
        assertFalse(ContentVersions.isWrittenBack((String)null));
        assertTrue(ContentVersions.isWrittenBack(marked.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertFalse(ContentVersions.isWrittenBack(EARLIER.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertFalse(ContentVersions.isWrittenBack((byte[])null));
    }

    @Test
    public void onlyAHeldCopyChangedLaterThanAWrittenBackOneIsLater()
    {
        assertTrue(ContentVersions.heldIsLaterThanWrittenBack(LATER, ContentVersions.writtenBack(EARLIER)));
        assertTrue(ContentVersions.heldIsLaterThanWrittenBack(ContentVersions.writtenBack(LATER), ContentVersions.writtenBack(EARLIER)));
        assertFalse(ContentVersions.heldIsLaterThanWrittenBack(EARLIER, ContentVersions.writtenBack(LATER)));
        assertFalse(ContentVersions.heldIsLaterThanWrittenBack(LATER, EARLIER), "a version written by a save is the latest change");
        assertFalse(ContentVersions.heldIsLaterThanWrittenBack(EARLIER, ContentVersions.writtenBack(EARLIER)));
        assertFalse(ContentVersions.heldIsLaterThanWrittenBack(null, ContentVersions.writtenBack(EARLIER)));
    }
}
