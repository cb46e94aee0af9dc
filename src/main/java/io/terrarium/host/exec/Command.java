package io.terrarium.host.exec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One external command as data: executable, argument list, timeout, optional stdin and the exit
 * codes that count as success.
 *
 * <p>Arguments are a list and are passed to the child as they are (never joined into one string and
 * split again, so spaces and quotes survive). A secret never goes into {@link #args()}: pass it on
 * stdin or by a file path. {@link #display()} is what logs and error messages show.
 *
 * @param executable program name (looked up on PATH) or absolute path
 * @param args       arguments, each one argv element
 * @param timeout    wall-clock limit; the child is killed when it is exceeded
 * @param stdin      bytes written to the child's stdin, or {@code null} for none (stdin is closed)
 * @param okExitCodes exit codes that mean success (usually {@code {0}})
 */
public record Command(String executable, List<String> args, Duration timeout, byte[] stdin,
                      Set<Integer> okExitCodes) {

    /** Default timeout for short commands (60 s). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public Command {
        Objects.requireNonNull(executable, "executable");
        if (executable.isBlank()) {
            throw new IllegalArgumentException("executable must not be blank");
        }
        args = List.copyOf(args);
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        okExitCodes = okExitCodes == null || okExitCodes.isEmpty() ? Set.of(0) : Set.copyOf(okExitCodes);
    }

    /** A command with the default timeout, no stdin, success on exit 0. */
    public static Command of(String executable, String... args) {
        return new Command(executable, List.of(args), DEFAULT_TIMEOUT, null, Set.of(0));
    }

    /** A command with the default timeout, no stdin, success on exit 0. */
    public static Command of(String executable, List<String> args) {
        return new Command(executable, args, DEFAULT_TIMEOUT, null, Set.of(0));
    }

    /** Same command with another timeout. */
    public Command withTimeout(Duration newTimeout) {
        return new Command(executable, args, newTimeout, stdin, okExitCodes);
    }

    /** Same command with bytes for stdin. */
    public Command withStdin(byte[] input) {
        return new Command(executable, args, timeout, input, okExitCodes);
    }

    /** Same command accepting these exit codes as success. */
    public Command withOkExitCodes(Integer... codes) {
        return new Command(executable, args, timeout, stdin, Set.of(codes));
    }

    /** The full argv: executable followed by the arguments. */
    public List<String> argv() {
        var all = new java.util.ArrayList<String>(args.size() + 1);
        all.add(executable);
        all.addAll(args);
        return all;
    }

    /** Shell-like rendering for logs and messages; arguments with blanks or quotes are quoted. */
    public String display() {
        var sb = new StringBuilder();
        for (String a : argv()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            if (a.isEmpty() || a.matches(".*[\\s'\"\\\\$`&|;<>()*?].*")) {
                sb.append('\'').append(a.replace("'", "'\\''")).append('\'');
            } else {
                sb.append(a);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return display();
    }
}
