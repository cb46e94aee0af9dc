package io.terrarium.testing;

import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandResult;
import io.terrarium.host.exec.CommandRunner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Test fake of the command seam: records every argv and answers from a handler. The handler
 * returns {@code Reply}s; an exit code outside the command's accepted ones raises
 * {@link CommandFailedException} as the real runner does.
 */
public final class RecordingCommandRunner implements CommandRunner {
    /** A canned answer. */
    public record Reply(int exit, String stdout, String stderr) {
        public static Reply ok(String stdout) {
            return new Reply(0, stdout, "");
        }

        public static Reply fail(int exit, String stderr) {
            return new Reply(exit, "", stderr);
        }
    }

    private final List<List<String>> calls = new ArrayList<>();
    private final Function<Command, Reply> handler;

    public RecordingCommandRunner(Function<Command, Reply> handler) {
        this.handler = handler;
    }

    @Override
    public synchronized CommandResult run(Command command) {
        calls.add(command.argv());
        Reply r = handler.apply(command);
        if (r == null) {
            throw new CommandFailedException(command, -1, command.executable() + ": not found", false, null);
        }
        if (!command.okExitCodes().contains(r.exit())) {
            throw new CommandFailedException(command, r.exit(), r.stderr(), false, null);
        }
        return new CommandResult(command, r.exit(), r.stdout(), r.stderr(), Duration.ZERO);
    }

    /** Every argv run so far, in order. */
    public synchronized List<List<String>> calls() {
        return List.copyOf(calls);
    }
}
