package io.terrarium.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An interactive {@code terrariumctl install} driven through a real terminal: tmux runs it in a
 * pane (own server socket), the test reads the prompts with {@code capture-pane}, types a bad
 * answer, sees it rejected with the reason, types good answers, and finds them stored. The dev
 * host's stored configuration is restored afterwards; {@code --no-apply} keeps Ansible off this host.
 */
class InstallInteractiveIT {
    @TempDir
    Path tmp;

    private final String socket = "terrarium-it-" + ProcessHandle.current().pid();
    private String savedConfig;

    @BeforeEach
    void save() throws Exception {
        savedConfig = StoredConfig.rawValue();
    }

    @AfterEach
    void restore() throws Exception {
        try {
            new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start().waitFor();
        } finally {
            StoredConfig.restore(savedConfig);
        }
    }

    private String tmux(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("tmux", "-L", socket));
        a.addAll(List.of(args));
        return Terrariumctl.sh(a.toArray(String[]::new));
    }

    private String screen() throws Exception {
        return tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "install");
    }

    /** Waits until the pane shows {@code text} at least {@code occurrence} times. */
    private String await(String text, int occurrence) throws Exception {
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        String s = "";
        while (Instant.now().isBefore(end)) {
            s = screen();
            if (count(s, text) >= occurrence) {
                return s;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the terminal never showed \"" + text + "\" (x" + occurrence + "):\n" + s);
    }

    private static int count(String s, String t) {
        int n = 0;
        for (int i = s.indexOf(t); i >= 0; i = s.indexOf(t, i + 1)) {
            n++;
        }
        return n;
    }

    private void type(String line) throws Exception {
        if (!line.isEmpty()) {
            tmux("send-keys", "-t", "install", "-l", line);
        }
        tmux("send-keys", "-t", "install", "Enter");
    }

    @Test
    void promptsRejectABadAnswerWithTheReasonAndFinish() throws Exception {
        Terrariumctl trm = new Terrariumctl(tmp);
        StringBuilder cmd = new StringBuilder("env");
        for (Map.Entry<String, String> e : trm.env.entrySet()) {
            cmd.append(' ').append(e.getKey()).append('=').append(e.getValue());
        }
        String pool = "itinteractive" + (System.nanoTime() % 100000);
        cmd.append(' ').append(Terrariumctl.LAUNCHER).append(" install --no-apply --pool-name ").append(pool)
                .append(" --storage-mode file --enable-s3=false --enable-syncoid=false 2>/dev/null; echo EXIT=$?; sleep 60");
        tmux("new-session", "-d", "-s", "install", "-x", "200", "-y", "50", cmd.toString());

        await("Operator e-mail", 1);
        type("not-an-email");
        await("rejected: not an e-mail address (e.g. ops@example.com)", 1);
        // the same question again, after the reason
        String s = await("Operator e-mail", 2);
        assertThat(s.indexOf("rejected: not an e-mail address")).isLessThan(s.lastIndexOf("Operator e-mail"));
        type("ops@example.com");
        await("Let's Encrypt e-mail [ops@example.com]:", 1);
        type("");
        await("Domain (empty: <service>.<public-ip>.traefik.me names)", 1);
        type("Bad_Domain!");
        await("rejected: not a host name", 1);
        type("example.org");
        await("Identity provider: local (ZITADEL here) or oidc (external) [local]:", 1);
        type("ldap");
        await("rejected: answer local or oidc", 1);
        type("");
        await("Admin group (members pass the admin gate) [terrarium-admins]:", 1);
        type("");
        await("Size of the pool file [64G]:", 1);
        type("12X");
        await("rejected: a number with K, M, G or T, e.g. 64G", 1);
        type("32G");
        await("Store this configuration and stop? (y/N):", 1);
        type("y");
        s = await("EXIT=", 1);
        assertThat(s).contains("ok    os: ").contains("stored; not applied (--no-apply)").contains("EXIT=0");
        String yaml = StoredConfig.yaml();
        assertThat(yaml).contains("admin: ops@example.com").contains("base: example.org").contains("pool: " + pool)
                .contains("size: 32G").contains("mode: local");
    }
}
