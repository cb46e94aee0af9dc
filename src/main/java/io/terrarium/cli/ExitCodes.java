package io.terrarium.cli;

import io.terrarium.config.ConfigException;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.lxd.LxdException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * Exit codes, mapped in this one place (picocli's convention): 0 ok, 1 failure, 2 bad usage.
 * Exceptions become one {@code ERROR:} line per problem on stderr (no stack trace unless
 * {@code -vv}); their messages never carry secrets.
 */
public final class ExitCodes implements CommandLine.IExecutionExceptionHandler {
    /** Success. */
    public static final int OK = 0;
    /** The command ran and failed (or a job reported FAILED/REJECTED). */
    public static final int FAILURE = 1;
    /** Bad usage: unknown option, missing argument, invalid value. */
    public static final int USAGE = 2;
    /** The exit-code section every command's help shows (code → meaning), in order. */
    public static final java.util.Map<String, String> DESCRIPTIONS = descriptions();

    private static java.util.Map<String, String> descriptions() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("0", "success (a job ran OK or with a WARNING)");
        m.put("1", "failure: the command or its job failed, a job was REJECTED (already running), a component is in error");
        m.put("2", "bad usage: unknown command, option or job, missing or invalid argument");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * An error message as it may be printed: control characters (ESC, CR, …) escaped as
     * {@code \\uXXXX}, and a newline escaped as {@code \\n} unless it starts an indented line (a
     * message's own list of reasons). Messages quote untrusted input (labels, file contents,
     * arguments): a raw newline or escape sequence in it must not forge output lines or drive the
     * terminal.
     */
    public static String printable(String message) {
        if (message == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '\n' && i + 1 < message.length() && message.charAt(i + 1) == ' ') {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\t') {
                b.append(c);
            } else if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * What to do about an LXD error, or {@code null}: run as root when this user may not open
     * LXD's socket (tester, session 8: a non-root `jobs list` was told to check whether LXD runs),
     * check that LXD runs when it cannot be reached.
     */
    public static String lxdHint(LxdException e) {
        if (e.accessDenied()) {
            return "this user may not use LXD's socket (it is root's and the lxd group's): run terrariumctl as root, e.g. with sudo";
        }
        return e.unreachable() ? "is LXD running? (`lxc info`; on the development host: scripts/devhost.sh up)" : null;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        if (ex instanceof ConfigException ce) {
            ce.problems().forEach(p -> err.println("ERROR: " + printable(p)));
        } else if (ex instanceof LxdException le) {
            err.println("ERROR: " + printable(le.getMessage()));
            String hint = lxdHint(le);
            if (hint != null) {
                err.println("hint: " + hint);
            }
        } else if (ex instanceof CommandFailedException
                || ex instanceof IOException || ex instanceof UncheckedIOException) {
            err.println("ERROR: " + printable(ex.getMessage()));
        } else if (ex instanceof IllegalArgumentException) {
            err.println("ERROR: " + printable(ex.getMessage()));
            err.flush();
            return USAGE;
        } else {
            err.println("ERROR: " + printable(ex.toString()));
        }
        if (Boolean.getBoolean("terrarium.debug")) {
            ex.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /**
     * picocli's usage errors (unknown option, missing parameter …) with the same {@code ERROR:}
     * prefix as every other error, then the command's usage (stderr), exit 2 (issue 15 item 8).
     * An unknown option that looks like a typo keeps picocli's suggestions.
     */
    static int badUsage(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        // picocli's own messages for argument groups start with "Error: " (tester, session 5: "ERROR: Error: …")
        String message = ex.getMessage() == null ? "" : ex.getMessage().replaceFirst("^Error: ", "");
        err.println("ERROR: " + printable(message));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            cmd.usage(err, cmd.getColorScheme());
        }
        err.flush();
        return USAGE;
    }

    /** Builds the exit code mapper and handlers for a command line. */
    public static CommandLine configure(CommandLine cl) {
        return cl.setExecutionExceptionHandler(new ExitCodes())
                .setParameterExceptionHandler(ExitCodes::badUsage)
                .setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? USAGE : FAILURE);
    }
}
