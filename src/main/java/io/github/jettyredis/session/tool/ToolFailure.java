// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

/**
 * Why {@link SessionTool} stops, with the exit code that says which kind of reason it is: the command could
 * not do its work ({@value #FAILED}: Redis unreachable, no such context or session), or it was not asked
 * right ({@value #USAGE}: a bad option, a write without {@code --yes}).
 */
final class ToolFailure extends Exception
{
    /** The exit code of a command that could not do its work. */
    static final int FAILED = 1;
    /** The exit code of a command line that is wrong, or of a write refused without {@code --yes}. */
    static final int USAGE = 2;

    private final int exitCode;

    private ToolFailure(int exitCode, String message, Throwable cause)
    {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** @return a failure of the command's work */
    static ToolFailure failed(String message)
    {
        return new ToolFailure(FAILED, message, null);
    }

    /** @return a failure of the command's work, with its cause */
    static ToolFailure failed(String message, Throwable cause)
    {
        return new ToolFailure(FAILED, message, cause);
    }

    /** @return a wrong command line */
    static ToolFailure usage(String message)
    {
        return new ToolFailure(USAGE, message, null);
    }

    /** @return the process exit code for it */
    int exitCode()
    {
        return exitCode;
    }
}
