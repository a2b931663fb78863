// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

/**
 * Byte-level checks for tests that must prove what is, or is not, in stored bytes (e.g. no plaintext).
 */
public final class Bytes
{
    private Bytes()
    {
    }

    /**
     * @param haystack the bytes to search
     * @param needle the bytes to look for
     * @return whether needle occurs anywhere in haystack
     */
    public static boolean contains(byte[] haystack, byte[] needle)
    {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
                if (haystack[i + j] != needle[j])
                    continue outer;
            return true;
        }
        return false;
    }
}
