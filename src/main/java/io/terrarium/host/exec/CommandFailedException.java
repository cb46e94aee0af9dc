package io.terrarium.host.exec;

/**
 * A command exited with a code it does not accept, timed out, or could not be started.
 * The message names the command (as {@link Command#display()}), the exit code and the tail of
 * stderr; it never contains stdin.
 */
public class CommandFailedException extends RuntimeException {
    private final Command command;
    private final int exitCode;
    private final String stderrTail;
    private final boolean timedOut;

    /**
     * @param command    the command
     * @param exitCode   exit code, or -1 when the process could not be started
     * @param stderrTail bounded stderr tail (may be empty)
     * @param timedOut   whether the command was killed for exceeding its timeout
     * @param cause      underlying cause, may be {@code null}
     */
    public CommandFailedException(Command command, int exitCode, String stderrTail, boolean timedOut,
                                  Throwable cause) {
        super(message(command, exitCode, stderrTail, timedOut), cause);
        this.command = command;
        this.exitCode = exitCode;
        this.stderrTail = stderrTail == null ? "" : stderrTail;
        this.timedOut = timedOut;
    }

    private static String message(Command c, int exit, String tail, boolean timedOut) {
        String what = timedOut ? "timed out after " + c.timeout().toSeconds() + " s"
                : exit == -1 ? "could not be started" : "exited with " + exit;
        String t = tail == null ? "" : tail.strip();
        return "command `" + c.display() + "` " + what + (t.isEmpty() ? "" : ": " + lastLines(t, 5));
    }

    private static String lastLines(String text, int n) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - n);
        return String.join(" | ", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    public Command command() {
        return command;
    }

    /** Exit code, or -1 when the process could not be started. */
    public int exitCode() {
        return exitCode;
    }

    public String stderrTail() {
        return stderrTail;
    }

    public boolean timedOut() {
        return timedOut;
    }
}
