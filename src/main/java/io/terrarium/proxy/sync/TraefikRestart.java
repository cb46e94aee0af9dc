package io.terrarium.proxy.sync;

import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandResult;
import io.terrarium.host.exec.CommandRunner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies a new Traefik static file: runs {@code proxy.reload_command} (default
 * {@code systemctl restart traefik}), then checks that the unit is active and that its main process
 * listens on every entrypoint of the new file. Only then does the change count as applied; otherwise
 * the caller reports the job FAILED and retries at the next sync.
 *
 * <p>Why a restart and a check (DESIGN.md §2, issue 14): Traefik handles SIGINT/SIGTERM (graceful
 * stop) and SIGUSR1 (log reopen) only; entrypoints are static configuration that is never re-read
 * while it runs; and a Go program that does not handle SIGHUP exits on it (Go's {@code os/signal}
 * documentation, "Default behavior of signals in Go programs": SIGHUP, SIGINT and SIGTERM cause the
 * program to exit). systemd counts death by SIGHUP as a clean exit, so {@code Restart=on-failure}
 * does not bring it back and {@code systemctl reload} exits 0 — every route gone, nothing retried.
 * The unit Terrarium installs therefore has no {@code ExecReload}.
 *
 * <p>The check needs systemd: it runs when the command's executable is {@code systemctl}; the unit
 * is the command's last argument. Commands used: {@code systemctl is-active UNIT},
 * {@code systemctl show -p MainPID --value UNIT} and {@code ss -H -l -n -p -t -u} (iproute2); to
 * tell whether Traefik runs a file written earlier, also
 * {@code systemctl show -p ExecMainStartTimestamp --timestamp=us+utc --value UNIT} ({@link #runs}). It
 * polls every {@code poll} until {@code settle} has passed (default 20 s, Traefik binds its
 * entrypoints within a second of start).
 */
public final class TraefikRestart {
    private static final Pattern PID = Pattern.compile("pid=(\\d+)");

    private final CommandRunner runner;
    private final Duration settle;
    private final Duration poll;

    /**
     * @param runner command seam
     * @param settle how long to wait for the unit to become active and listening
     * @param poll   pause between checks
     */
    public TraefikRestart(CommandRunner runner, Duration settle, Duration poll) {
        this.runner = runner;
        this.settle = settle;
        this.poll = poll;
    }

    /** With the default 20 s settle time and 250 ms poll interval. */
    public TraefikRestart(CommandRunner runner) {
        this(runner, Duration.ofSeconds(20), Duration.ofMillis(250));
    }

    /**
     * Runs {@code argv} and, for a systemctl command, waits until the unit is active and its main
     * process listens on each of {@code listeners}.
     *
     * @param argv      the restart command (non-empty)
     * @param listeners entrypoint sockets as {@code <port>/<tcp|udp>} (e.g. {@code 80/tcp})
     * @return {@code null} when applied, else why not (one line, for the job's error)
     */
    public String restart(List<String> argv, SortedSet<String> listeners) {
        try {
            runner.run(new Command(argv.get(0), argv.subList(1, argv.size()), Duration.ofSeconds(120), null, null));
        } catch (CommandFailedException e) {
            return String.join(" ", argv) + " failed: " + e.getMessage();
        }
        if (!isSystemctl(argv)) {
            return null;
        }
        String unit = argv.get(argv.size() - 1);
        long deadline = System.nanoTime() + settle.toNanos();
        String why;
        do {
            why = check(unit, listeners);
            if (why == null) {
                return null;
            }
            sleep();
        } while (System.nanoTime() < deadline);
        return why + " " + settle.toSeconds() + " s after " + String.join(" ", argv)
                + " (see journalctl -u " + unit + ")";
    }

    /** True when the command is run by systemctl (so a unit can be checked). */
    static boolean isSystemctl(List<String> argv) {
        return argv.size() >= 2 && Path.of(argv.get(0)).getFileName().toString().equals("systemctl");
    }

    /** {@code null} when {@code unit} is active and listens on every one of {@code listeners}, else why not. */
    String check(String unit, SortedSet<String> listeners) {
        try {
            String state = runner.run(Command.of("systemctl", "is-active", unit).withOkExitCodes(0, 1, 2, 3, 4))
                    .stdout().strip();
            if (!state.equals("active")) {
                return "unit " + unit + " is " + (state.isEmpty() ? "not active" : state);
            }
            String pid = runner.run(Command.of("systemctl", "show", "-p", "MainPID", "--value", unit)).stdout().strip();
            if (pid.isEmpty() || pid.equals("0")) {
                return "unit " + unit + " has no main process";
            }
            CommandResult ss = runner.run(Command.of("ss", "-H", "-l", "-n", "-p", "-t", "-u"));
            SortedSet<String> missing = new TreeSet<>(listeners);
            missing.removeAll(listening(ss.stdout(), Set.of(Long.parseLong(pid))));
            if (!missing.isEmpty()) {
                return "unit " + unit + " (pid " + pid + ") is not listening on " + String.join(", ", missing);
            }
            return null;
        } catch (CommandFailedException | NumberFormatException e) {
            return "cannot check unit " + unit + ": " + e.getMessage();
        }
    }

    /**
     * {@code null} when {@code unit} runs {@code staticFile} as it is now: the checks of
     * {@link #check} hold and the unit's main process started after the file was last modified
     * (a file written without a restart, e.g. by {@code terrariumctl proxy static}, may differ from
     * what Traefik read even when the ports are the same). Start time: {@code systemctl show -p
     * ExecMainStartTimestamp --timestamp=us+utc --value UNIT} ({@code Day YYYY-MM-DD HH:MM:SS.UUUUUU UTC},
     * systemd.time(7); {@code --timestamp=} since systemd 248).
     *
     * @param modified the file's last-modified time (UTC)
     * @return why it is not proven (one line)
     */
    String runs(String unit, SortedSet<String> listeners, Path staticFile, java.time.Instant modified) {
        String why = check(unit, listeners);
        if (why != null) {
            return why;
        }
        String v;
        try {
            v = runner.run(Command.of("systemctl", "show", "-p", "ExecMainStartTimestamp", "--timestamp=us+utc", "--value", unit))
                    .stdout().strip();
        } catch (CommandFailedException e) {
            return "cannot tell when unit " + unit + " started: " + e.getMessage();
        }
        java.time.Instant started = systemdUtc(v);
        if (started == null) {
            return "cannot tell when unit " + unit + " started (ExecMainStartTimestamp \"" + v + "\")";
        }
        if (started.isBefore(modified)) {
            return "unit " + unit + " started at " + started + ", before " + staticFile + " was last modified at " + modified
                    + " (written without a restart), so it may run an older file";
        }
        return null;
    }

    /** A systemd timestamp in {@code us+utc} style ({@code Mon 2026-12-07 03:40:13.123456 UTC}), or {@code null} if it is not one. */
    static java.time.Instant systemdUtc(String v) {
        java.util.regex.Matcher m = Pattern.compile("(?:\\w+ )?(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?) UTC").matcher(v.strip());
        if (!m.matches()) {
            return null;
        }
        try {
            return java.time.LocalDateTime.parse(m.group(1) + "T" + m.group(2)).toInstant(java.time.ZoneOffset.UTC);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The {@code <port>/<tcp|udp>} sockets that one of {@code pids} holds in the output of
     * {@code ss -H -l -n -p -t -u}: columns netid, state, recv-q, send-q, local address:port, peer
     * address:port, process ({@code users:(("name",pid=N,fd=M),…)}).
     */
    static SortedSet<String> listening(String ssOutput, Set<Long> pids) {
        SortedSet<String> out = new TreeSet<>();
        for (String line : ssOutput.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 7 || !(f[0].equals("tcp") || f[0].equals("udp"))) {
                continue;
            }
            String local = f[4];
            int colon = local.lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            String port = local.substring(colon + 1);
            Matcher m = PID.matcher(line);
            List<Long> owners = new ArrayList<>();
            while (m.find()) {
                owners.add(Long.parseLong(m.group(1)));
            }
            if (owners.stream().anyMatch(pids::contains) && port.matches("[0-9]{1,5}")) {
                out.add(port + "/" + f[0]);
            }
        }
        return out;
    }

    private void sleep() {
        try {
            Thread.sleep(poll.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
