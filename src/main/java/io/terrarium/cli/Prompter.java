package io.terrarium.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Asks questions on the terminal: each answer is checked, and a bad one is rejected with the reason
 * and asked again. Secrets are read without echo when a terminal is attached
 * ({@link Console#readPassword}). End of input is an error (an install never guesses).
 */
final class Prompter {
    private final Console console;
    private final BufferedReader in;
    private final PrintWriter out;

    /**
     * @param console the terminal, or null (answers then come from {@code in}; secrets are echoed by
     *                whatever feeds stdin, so the install warns)
     * @param in      input used when there is no console
     * @param out     where questions and rejections go
     */
    Prompter(Console console, BufferedReader in, PrintWriter out) {
        this.console = console;
        this.in = in;
        this.out = out;
    }

    /** The process terminal, or stdin when there is none. */
    static Prompter system(PrintWriter out) {
        return new Prompter(System.console(), new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), out);
    }

    /**
     * Asks until {@code check} accepts the answer.
     *
     * @param question shown before the default
     * @param def      default taken on an empty answer (shown in brackets), or null for none
     * @param check    returns the reason an answer is wrong, or null when it is fine; gets the
     *                 stripped answer (the default for an empty one, "" when there is no default)
     * @return the accepted answer
     * @throws InputEndedException at end of input
     */
    String ask(String question, String def, Function<String, String> check) {
        while (true) {
            out.print(question + (def == null || def.isEmpty() ? "" : " [" + def + "]") + ": ");
            out.flush();
            String line = readLine();
            String answer = line.strip().isEmpty() && def != null ? def : line.strip();
            String problem = check.apply(answer);
            if (problem == null) {
                return answer;
            }
            out.println("  rejected: " + problem);
            out.flush();
        }
    }

    /** Asks for a secret without echo (on a terminal) until {@code check} accepts it. */
    String askSecret(String question, Function<String, String> check) {
        while (true) {
            out.print(question + " (not shown): ");
            out.flush();
            String answer;
            if (console != null) {
                char[] pw = console.readPassword();
                if (pw == null) {
                    throw new InputEndedException();
                }
                answer = new String(pw);
                java.util.Arrays.fill(pw, ' ');
            } else {
                answer = readLine();
            }
            out.println();
            String problem = answer.isEmpty() ? "must not be empty" : check.apply(answer);
            if (problem == null) {
                return answer;
            }
            out.println("  rejected: " + problem);
            out.flush();
        }
    }

    /** A yes/no question; an empty answer takes {@code def}. */
    boolean confirm(String question, boolean def) {
        String a = ask(question + (def ? " (Y/n)" : " (y/N)"), null, s -> s.isEmpty() || s.matches("(?i)y|yes|n|no") ? null
                : "answer y or n");
        return a.isEmpty() ? def : a.toLowerCase(java.util.Locale.ROOT).startsWith("y");
    }

    /** Prints a line. */
    void say(String line) {
        out.println(line);
        out.flush();
    }

    private String readLine() {
        String line;
        if (console != null) {
            line = console.readLine();
        } else {
            try {
                line = in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (line == null) {
            throw new InputEndedException();
        }
        return line;
    }

    /**
     * Standard input ended before every question was answered (e.g. {@code install < /dev/null}):
     * bad usage, exit 2, nothing stored.
     */
    static final class InputEndedException extends IllegalArgumentException {
        InputEndedException() {
            super("input ended before the installation questions were answered; nothing was stored. "
                    + "Run install on a terminal, or give every answer as an option and add --yes (terrariumctl install --help)");
        }
    }
}
