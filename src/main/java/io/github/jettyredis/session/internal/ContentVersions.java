// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.internal;

/**
 * What a session's content version says beyond being equal or not: versions begin with the time of their
 * change (12 hex digits of ms), and a copy that a node wrote back after Redis lost the session carries a mark
 * until its next change. A node holding a copy changed later than the one written back can tell that what
 * Redis holds is not the latest change but only the first copy to come back, and write its own in its place.
 */
public final class ContentVersions
{
    /** The mark of a written-back copy: not a hex digit, so never the last character of a new version. */
    private static final char WRITTEN_BACK = 'R';
    private static final int TIME_DIGITS = 12;

    private ContentVersions()
    {
    }

    /**
     * @param version a content version
     * @return the same version, marked as written back
     */
    public static String writtenBack(String version)
    {
        return isWrittenBack(version) ? version : version + WRITTEN_BACK;
    }

    /**
     * @param version a content version, or null
     * @return whether it is that of a copy written back since Redis lost the session, unchanged since
     */
    public static boolean isWrittenBack(String version)
    {
        return version != null && !version.isEmpty() && version.charAt(version.length() - 1) == WRITTEN_BACK;
    }

    /**
     * @param version a content version as Redis returns it, or null
     * @return whether it is that of a copy written back since Redis lost the session, unchanged since
     */
    public static boolean isWrittenBack(byte[] version)
    {
        return version != null && version.length > 0 && version[version.length - 1] == WRITTEN_BACK;
    }

    /**
     * @param held the version of a copy a node holds, or null
     * @param inRedis the version Redis holds, or null
     * @return whether Redis holds a copy written back from a copy changed before the held one: the held copy is
     * the later one, and belongs in Redis instead
     */
    public static boolean heldIsLaterThanWrittenBack(String held, String inRedis)
    {
        return held != null && isWrittenBack(inRedis) && held.length() >= TIME_DIGITS && inRedis.length() >= TIME_DIGITS &&
            held.substring(0, TIME_DIGITS).compareTo(inRedis.substring(0, TIME_DIGITS)) > 0;
    }
}
