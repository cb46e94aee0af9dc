package io.terrarium.host.zfs;

import io.terrarium.host.exec.Command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * argv of the streaming ZFS commands (validated before they reach the tool). Flags are limited to
 * the send flags both OpenZFS and zfs-fuse know, plus OpenZFS's {@code -L -c -w} (the caller passes
 * only flags the host's probed capabilities list).
 */
public final class ZfsStreamCommands {
    private static final Pattern DATASET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]*");
    private static final Pattern SNAP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");
    private static final List<String> SEND_FLAGS = List.of("-p", "-D", "-R", "-L", "-c", "-w", "-e");
    /** Long-running stream commands get a generous wall-clock limit (2 days). */
    public static final Duration STREAM_TIMEOUT = Duration.ofDays(2);

    private ZfsStreamCommands() {
    }

    /**
     * {@code zfs send [flags] [-i @base] dataset@snapshot}.
     *
     * @param base snapshot name of an incremental's base (same dataset), or {@code null} for a full
     */
    public static Command send(String dataset, String snapshot, String base, List<String> flags) {
        checkDataset(dataset);
        checkSnap(snapshot);
        List<String> args = new ArrayList<>();
        args.add("send");
        for (String f : flags) {
            if (!SEND_FLAGS.contains(f)) {
                throw new IllegalArgumentException("zfs send flag " + f + " is not allowed (allowed: " + SEND_FLAGS + ")");
            }
            args.add(f);
        }
        if (base != null) {
            checkSnap(base);
            args.add("-i");
            args.add(dataset + "@" + base);
        }
        args.add(dataset + "@" + snapshot);
        return new Command("zfs", args, STREAM_TIMEOUT, null, null);
    }

    /**
     * {@code zfs send -n -P [flags] [-i @base] dataset@snapshot}: a dry run that prints the stream's
     * size estimate (OpenZFS; zfs-fuse has no {@code -n -P}, see {@code ZfsCapabilities#sizeEstimate}).
     * Same validation as {@link #send}. Short output: run it with the command runner.
     */
    public static Command estimate(String dataset, String snapshot, String base, List<String> flags) {
        Command send = send(dataset, snapshot, base, flags);
        List<String> args = new ArrayList<>(List.of("send", "-n", "-P"));
        args.addAll(send.args().subList(1, send.args().size()));
        return new Command("zfs", args, Duration.ofMinutes(5), null, null);
    }

    /**
     * The estimate in {@code zfs send -n -P} output: the {@code size<TAB>BYTES} line (OpenZFS 0.8+
     * prints it last, after the {@code full}/{@code incremental} line).
     *
     * @return bytes of the uncompressed send stream, or empty when the output has no size line
     */
    public static OptionalLong parseEstimate(String out) {
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && f[0].equals("size")) {
                try {
                    return OptionalLong.of(Long.parseLong(f[1]));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /** {@code zfs receive [-F] [-u] target}: the snapshot name comes from the stream. */
    public static Command receive(String target, boolean force, boolean noMount) {
        checkDataset(target);
        List<String> args = new ArrayList<>(List.of("receive"));
        if (force) {
            args.add("-F");
        }
        if (noMount) {
            args.add("-u");
        }
        args.add(target);
        return new Command("zfs", args, STREAM_TIMEOUT, null, null);
    }

    /**
     * Properties a restore never takes from a stream (issue 13 item 3): with {@code -x} their
     * effective value after the receive is inherited on this host, as if the stream had not carried
     * them (zfs-receive(8), OpenZFS 0.7 and later: "-x property … as if the property had been
     * excluded from the send stream"). {@code setuid}/{@code exec}/{@code devices} are inherited,
     * not forced off: an LXD container needs setuid binaries (sudo, passwd).
     */
    public static final List<String> RESTORE_EXCLUDED_PROPERTIES = List.of("mountpoint", "canmount", "setuid", "exec", "devices",
            "sharenfs", "sharesmb");

    /**
     * {@code zfs receive} of a restore from an untrusted bucket: OpenZFS gets {@code -u} (nothing
     * is mounted by the receive) and {@code -x} for each of {@link #RESTORE_EXCLUDED_PROPERTIES};
     * zfs-fuse 0.7 knows neither ({@code receive [-vnF]}), so there the stream header check
     * ({@link SendStreamHeader}: no property or replication stream) is the protection.
     *
     * @param target    dataset the stream is received into
     * @param force     {@code -F} (an incremental into the staging dataset)
     * @param overrides whether the host's zfs has {@code receive -u -x} (OpenZFS)
     */
    public static Command restoreReceive(String target, boolean force, boolean overrides) {
        Command c = receive(target, force, overrides);
        if (!overrides) {
            return c;
        }
        List<String> args = new ArrayList<>(c.args().subList(0, c.args().size() - 1));
        for (String p : RESTORE_EXCLUDED_PROPERTIES) {
            args.add("-x");
            args.add(p);
        }
        args.add(target);
        return new Command("zfs", args, STREAM_TIMEOUT, null, null);
    }

    private static void checkDataset(String d) {
        if (d == null || !DATASET.matcher(d).matches() || d.contains("//") || d.endsWith("/") || d.contains("..")) {
            throw new IllegalArgumentException("\"" + d + "\" is not a dataset name");
        }
    }

    private static void checkSnap(String s) {
        if (s == null || !SNAP.matcher(s).matches()) {
            throw new IllegalArgumentException("\"" + s + "\" is not a snapshot name");
        }
    }
}
