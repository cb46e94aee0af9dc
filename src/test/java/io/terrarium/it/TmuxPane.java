package io.terrarium.it;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A bash in a detached tmux pane on its own server socket: what an operator's terminal shows, read
 * with {@code capture-pane} (the pattern of {@link CompletionIT}). Closing kills the server.
 */
final class TmuxPane implements AutoCloseable {
    private final String socket = "trm-pane-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

    /** Starts {@code bash} in a 160×40 pane with {@code env} added to this JVM's environment. */
    TmuxPane(Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("new-session", "-d", "-s", "sh", "-x", "160", "-y", "40", "env", "PS1=$ "));
        env.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.addAll(List.of("bash", "--norc", "--noprofile"));
        tmux(cmd.toArray(String[]::new));
    }

    String tmux(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("tmux", "-L", socket));
        a.addAll(List.of(args));
        Process p = new ProcessBuilder(a).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tmux " + args[0] + ": " + out);
        }
        return out;
    }

    /** Types a line and Enter. */
    void typeLine(String line) throws Exception {
        tmux("send-keys", "-t", "sh", "-l", "--", line);
        tmux("send-keys", "-t", "sh", "Enter");
    }

    /** The screen and its scroll-back, joined lines. */
    String screen() throws Exception {
        return tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "sh");
    }

    /**
     * Waits until the screen matches {@code regex} somewhere (a pattern, so that the typed command
     * line itself, e.g. {@code echo EXIT=$?}, does not count as its own output); returns the screen.
     */
    String waitFor(String regex, Duration timeout) throws Exception {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        Instant until = Instant.now().plus(timeout);
        String s = "";
        while (Instant.now().isBefore(until)) {
            s = screen();
            if (p.matcher(s).find()) {
                return s;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the pane never showed /" + regex + "/; it shows:\n" + s);
    }

    @Override
    public void close() throws Exception {
        new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start().waitFor();
    }
}
