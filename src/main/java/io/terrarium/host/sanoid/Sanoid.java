package io.terrarium.host.sanoid;

import io.terrarium.host.exec.Command;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * argv of sanoid 2.1 runs (the only place that builds them). The command runner has no
 * environment support, so the time zone goes through {@code env TZ=UTC}: sanoid names snapshots
 * in local time ({@code autosnap_YYYY-MM-DD_HH:MM:SS_<period>}), UTC makes the names UTC.
 */
public final class Sanoid {
    private Sanoid() {
    }

    /**
     * {@code env TZ=UTC <sanoid> --cron --verbose --configdir=<dir> --cache-dir=<c> --run-dir=<r>}.
     *
     * @param executable sanoid executable ("sanoid", or a path)
     * @param configDir  directory holding sanoid.conf
     * @param cacheDir   sanoid's snapshot cache directory (Terrarium empties it before a run, so
     *                   sanoid lists fresh: its cache is stale after a restore's rollback)
     * @param runDir     sanoid's lock directory
     * @param timeout    limit for the whole run
     */
    public static Command cron(String executable, Path configDir, Path cacheDir, Path runDir, Duration timeout) {
        return new Command("env", List.of("TZ=UTC", executable, "--cron", "--verbose",
                "--configdir=" + configDir, "--cache-dir=" + cacheDir, "--run-dir=" + runDir), timeout, null, null);
    }

    /**
     * A warning when sanoid's stderr shows it could not list snapshots: zfs-fuse's {@code zfs get}
     * has no {@code -t}; sanoid then exits 0 but takes a full set every run and never prunes.
     *
     * @return the warning, or {@code null}
     */
    public static String listingProblem(String stderr) {
        if (stderr != null && stderr.contains("invalid option 't'")) {
            return "sanoid could not list snapshots (`zfs get -t` unsupported by this zfs): it cannot prune;"
                    + " on zfs-fuse put scripts/devhost/zfs-fuse-compat first on sanoid's PATH";
        }
        return null;
    }

    /** {@code taking snapshot <dataset>@<name>[ (zfs recursive)]} and the DST variant, printed by {@code --verbose}. */
    private static final Pattern ANNOUNCED = Pattern.compile("^taking (?:dst )?snapshot (\\S+@\\S+)(?: \\(zfs recursive\\))?$");

    /**
     * What one {@code sanoid --cron --verbose} run said it did and what it reported as failed.
     *
     * @param announced full snapshot names ({@code dataset@name}) sanoid said it was taking, in order
     * @param errors    lines that report a failure although sanoid may still exit 0, in order
     */
    public record RunReport(List<String> announced, List<String> errors) {
        public RunReport {
            announced = List.copyOf(announced);
            errors = List.copyOf(errors);
        }
    }

    /**
     * Reads a run's output. sanoid 2.1 reports a failed {@code zfs snapshot} (a full pool, a quota,
     * a dataset that vanished) with {@code warn "CRITICAL ERROR: … failed"} and still exits 0 (see
     * {@code take_snapshots} in /usr/sbin/sanoid 2.1.0); a failed prune with {@code could not remove
     * <snap> : <status>}; a failed pre/post script with {@code WARN: <script> failed}. Those lines are
     * returned as errors; the caller must also check that every announced snapshot exists, since a
     * killed or truncated stderr can hide them.
     *
     * @param stdout sanoid's stdout (the announcements go there), may be {@code null}
     * @param stderr sanoid's stderr (or its bounded tail), may be {@code null}
     * @return the report; empty lists when there is nothing to report
     */
    public static RunReport report(String stdout, String stderr) {
        List<String> announced = new ArrayList<>();
        for (String line : lines(stdout)) {
            Matcher m = ANNOUNCED.matcher(line.strip());
            if (m.matches()) {
                announced.add(m.group(1));
            }
        }
        List<String> errors = new ArrayList<>();
        for (String line : lines(stderr)) {
            String l = line.strip();
            if (l.startsWith("CRITICAL ERROR:") || l.startsWith("could not remove ") || l.startsWith("FATAL")
                    || l.startsWith("ERROR:") || (l.startsWith("WARN:") && l.contains(" failed"))) {
                // perl's warn appends " at /usr/sbin/sanoid line N." — not useful to an operator
                errors.add(l.replaceFirst(" at \\S+ line \\d+\\.$", ""));
            }
        }
        return new RunReport(announced, errors);
    }

    private static List<String> lines(String text) {
        return text == null || text.isEmpty() ? List.of() : List.of(text.split("\\R"));
    }
}
