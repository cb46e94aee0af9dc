package io.terrarium.host.exec;

import java.time.Duration;

/**
 * What a finished short command produced.
 *
 * @param command    the command that ran
 * @param exitCode   the child's exit code
 * @param stdout     whole stdout decoded as UTF-8 (short outputs only)
 * @param stderrTail the last bytes of stderr (at most {@link BoundedTail#DEFAULT_LIMIT}), UTF-8
 * @param duration   wall-clock time from start to exit
 */
public record CommandResult(Command command, int exitCode, String stdout, String stderrTail,
                            Duration duration) {

    /** True when the exit code is one of the command's success codes. */
    public boolean ok() {
        return command.okExitCodes().contains(exitCode);
    }
}
