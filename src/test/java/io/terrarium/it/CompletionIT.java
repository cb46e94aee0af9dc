package io.terrarium.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bash completion script the release ships ({@code share/bash-completion/completions/terrariumctl},
 * generated from the command tree at build time), used the way an operator uses it: a real bash in a
 * tmux pane (own server socket) sources it, the test types a partial command and Tab, and reads the
 * screen with {@code capture-pane}.
 */
class CompletionIT {
    private static final Path DIST = Terrariumctl.LAUNCHER.getParent().getParent();
    private final String socket = "trm-completion-" + ProcessHandle.current().pid();

    @AfterEach
    void killServer() throws Exception {
        new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start().waitFor();
    }

    private String tmux(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("tmux", "-L", socket));
        a.addAll(List.of(args));
        Process p = new ProcessBuilder(a).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("tmux %s: %s", args[0], out).isZero();
        return out;
    }

    private String screen() throws Exception {
        return tmux("capture-pane", "-p", "-J", "-t", "sh");
    }

    private int cursorColumn() throws Exception {
        return Integer.parseInt(tmux("display-message", "-p", "-t", "sh", "#{cursor_x}").strip());
    }

    /** Waits until the screen's last non-empty line satisfies the expectation (10 s at most). */
    private String waitForLine(String expected, boolean exact) throws Exception {
        Instant until = Instant.now().plus(Duration.ofSeconds(10));
        String last = "";
        while (Instant.now().isBefore(until)) {
            String s = screen().stripTrailing();
            last = s;
            String line = s.substring(s.lastIndexOf('\n') + 1);
            // capture-pane drops trailing blanks: a completed word's space shows as the cursor column
            if (exact ? line.equals(expected.stripTrailing()) && cursorColumn() == expected.length() : s.contains(expected)) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("screen never showed \"" + expected + "\"; it shows:\n" + last);
    }

    private void start() throws Exception {
        Path script = DIST.resolve("share/bash-completion/completions/terrariumctl");
        assertThat(script).isRegularFile();
        tmux("new-session", "-d", "-s", "sh", "-x", "160", "-y", "40", "env", "PS1=$ ", "bash", "--norc", "--noprofile");
        type("export PATH=" + DIST.resolve("bin") + ":$PATH; source " + script + "; clear\n");
        waitForLine("$ ", true);
    }

    private void type(String keys) throws Exception {
        if (keys.endsWith("\n")) {
            tmux("send-keys", "-t", "sh", "-l", "--", keys.substring(0, keys.length() - 1));
            tmux("send-keys", "-t", "sh", "Enter");
        } else {
            tmux("send-keys", "-t", "sh", "-l", "--", keys);
        }
    }

    private void tab() throws Exception {
        tmux("send-keys", "-t", "sh", "Tab");
    }

    @Test
    void tabCompletesSubcommandsOptionsAndEnumValuesForBothNames() throws Exception {
        start();
        type("terrariumctl bac");
        tab();
        waitForLine("$ terrariumctl backup ", true);
        type("resto");
        tab();
        waitForLine("$ terrariumctl backup restore ", true);
        type("--sou");
        tab();
        waitForLine("$ terrariumctl backup restore --source ", true);
        tab();
        tab(); // two Tabs list the candidates of an ambiguous completion
        String s = waitForLine("s3", false);
        assertThat(s).contains("local").contains("s3");
        tmux("send-keys", "-t", "sh", "C-c");
        type("clear\n");
        waitForLine("$ ", true);

        type("trm jobs ru"); // "r" alone is ambiguous since `jobs resume`
        tab();
        waitForLine("$ trm jobs run ", true);
    }

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    @Test
    void theScriptPrintedByTheCompletionCommandIsTheOneTheReleaseShips() throws Exception {
        Terrariumctl cli = new Terrariumctl(dir);
        Terrariumctl.Result r = cli.run("completion", "bash");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(Files.readString(DIST.resolve("share/bash-completion/completions/terrariumctl")));
        Terrariumctl.Result bad = cli.run("completion", "fish");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("fish").contains("bash, zsh");
    }
}
