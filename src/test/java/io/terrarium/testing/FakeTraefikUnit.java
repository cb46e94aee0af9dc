package io.terrarium.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.terrarium.host.exec.Command;
import io.terrarium.testing.RecordingCommandRunner.Reply;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Unit-test stand-in for systemd's {@code traefik.service} as seen through the command seam: a
 * {@code systemctl restart traefik} (re)reads the static file and "binds" its entrypoints, except
 * those in {@link #unbindable} (the unit then fails, as Traefik does when one entrypoint cannot
 * listen); {@code systemctl is-active}/{@code show -p MainPID}/{@code show -p ExecMainStartTimestamp}
 * and {@code ss -H -l -n -p -t -u} answer from that state. The real behaviour is tested under systemd in {@code TraefikSystemdIT}.
 */
public final class FakeTraefikUnit implements Function<Command, Reply> {
    private final Path staticFile;
    /** Entrypoint sockets ({@code 5432/tcp}) Traefik fails to bind. */
    public final Set<String> unbindable = new TreeSet<>();
    /** When set: Traefik refuses a static file containing this text (a setting it rejects) and the unit fails. */
    public String refuseWhenContains;
    /** Every argv seen. */
    public final List<List<String>> calls = new ArrayList<>();
    private boolean active;
    private int pid = 100;
    private Set<String> bound = new TreeSet<>();
    private java.time.Instant started; // when the main process last started (systemd's ExecMainStartTimestamp)

    /** @param staticFile the {@code traefik.yml} the unit's ExecStart reads */
    public FakeTraefikUnit(Path staticFile) {
        this.staticFile = staticFile;
    }

    @Override
    public synchronized Reply apply(Command c) {
        List<String> a = c.argv();
        calls.add(a);
        if (a.equals(List.of("systemctl", "restart", "traefik"))) {
            pid++;
            started = java.time.Instant.now();
            bound = entrypoints();
            active = bound.stream().noneMatch(unbindable::contains) && !refused();
            if (!active) {
                bound = new TreeSet<>();
            }
            return Reply.ok(""); // Type=simple: restart returns before the process binds or fails
        }
        if (a.equals(List.of("systemctl", "is-active", "traefik"))) {
            return active ? Reply.ok("active\n") : new Reply(3, "failed\n", "");
        }
        if (a.equals(List.of("systemctl", "show", "-p", "MainPID", "--value", "traefik"))) {
            return Reply.ok((active ? pid : 0) + "\n");
        }
        if (a.equals(List.of("systemctl", "show", "-p", "ExecMainStartTimestamp", "--timestamp=us+utc", "--value", "traefik"))) {
            // systemd's us+utc style; empty for a unit whose main process never started
            return Reply.ok(started == null ? "\n" : java.time.format.DateTimeFormatter
                    .ofPattern("EEE yyyy-MM-dd HH:mm:ss.SSSSSS 'UTC'", java.util.Locale.ROOT)
                    .withZone(java.time.ZoneOffset.UTC).format(started) + "\n");
        }
        if (a.equals(List.of("ss", "-H", "-l", "-n", "-p", "-t", "-u"))) {
            StringBuilder sb = new StringBuilder("tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:((\"sshd\",pid=7,fd=3))\n");
            for (String s : bound) {
                String[] pp = s.split("/");
                sb.append(pp[1]).append(pp[1].equals("tcp") ? " LISTEN" : " UNCONN").append(" 0 4096 *:").append(pp[0])
                        .append(" *:* users:((\"traefik\",pid=").append(pid).append(",fd=7))\n");
            }
            return Reply.ok(sb.toString());
        }
        return Reply.ok("");
    }

    /** {@code systemctl stop traefik} by an admin, or a crash: the unit is inactive and holds no socket. */
    public synchronized void stop() {
        active = false;
        bound = new TreeSet<>();
    }

    /** Whether the unit is active now. */
    public synchronized boolean active() {
        return active;
    }

    private boolean refused() {
        try {
            return refuseWhenContains != null && Files.readString(staticFile).contains(refuseWhenContains);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Set<String> entrypoints() {
        Set<String> out = new TreeSet<>();
        try {
            JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(staticFile));
            doc.path("entryPoints").forEach(ep -> {
                String addr = ep.path("address").asText();
                String port = addr.substring(addr.lastIndexOf(':') + 1);
                out.add(port.contains("/") ? port : port + "/tcp");
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
