package io.terrarium.host.sanoid;

import io.terrarium.host.exec.Command;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
}
