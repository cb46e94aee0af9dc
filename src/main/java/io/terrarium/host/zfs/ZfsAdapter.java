package io.terrarium.host.zfs;

import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandResult;
import io.terrarium.host.exec.CommandRunner;

import io.terrarium.host.exec.StreamingProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code zfs}/{@code zpool} adapter: the only code that builds their argv and parses their
 * output (tab-separated {@code -H} output; exact {@code -p} numbers where the tool has them).
 */
public final class ZfsAdapter {
    private static final Pattern SEND_USAGE = Pattern.compile("(?m)^\\s*send\\b.*$");
    private static final Pattern FLAG_GROUP = Pattern.compile("\\[-([A-Za-z]+)\\]");
    /** The hold probe's snapshot names start with this (reserved: {@code SnapshotNow.RESERVED}). */
    private static final String PROBE_PREFIX = "terrarium-probe-";
    /** The hold probe's hold tag. */
    private static final String PROBE_TAG = "terrarium-probe";
    /** A probe snapshot's name: epoch seconds, then the pid and a random part (the old form had the seconds only). */
    private static final Pattern PROBE_NAME = Pattern.compile("terrarium-probe-(\\d{1,19})(?:-(\\d{1,19})-[0-9a-f]{8})?");
    /**
     * A probe runs at most five zfs commands of 60 s each ({@link Command#DEFAULT_TIMEOUT}), so a probe
     * snapshot this old was left by a probe that did not finish, whoever made it.
     */
    static final Duration PROBE_LEFTOVER_AFTER = Duration.ofMinutes(10);
    /**
     * A probe's snapshot is created within the command's 60 s timeout of the second in its name; a
     * "probe" name whose snapshot was created further from it is not removed (not a probe's).
     */
    static final long PROBE_NAME_SLACK_SECONDS = 120;

    private final CommandRunner runner;
    private volatile ZfsCapabilities capabilities;

    /** @param runner command seam */
    public ZfsAdapter(CommandRunner runner) {
        this.runner = runner;
    }

    /**
     * Probes the ZFS implementation once and caches the answer: {@code zfs version} (OpenZFS ≥ 0.8),
     * the {@code send}/{@code receive}/{@code list} usage texts (printed by {@code zfs} with no
     * arguments, exit 2), and whether {@code hold}/{@code bookmark} subcommands exist.
     *
     * @throws CommandFailedException when {@code zfs} cannot be started at all
     */
    public ZfsCapabilities capabilities() {
        ZfsCapabilities c = capabilities;
        if (c == null) {
            c = probe();
            capabilities = c;
        }
        return c;
    }

    private ZfsCapabilities probe() {
        String version = "";
        String impl = "unknown";
        try {
            CommandResult v = runner.run(Command.of("zfs", "version").withOkExitCodes(0));
            version = v.stdout().lines().findFirst().orElse("").strip();
            impl = "openzfs";
        } catch (CommandFailedException e) {
            if (e.exitCode() == -1) {
                throw e;
            }
        }
        // `zfs` alone prints the usage of every subcommand to stderr and exits 2 (both implementations)
        CommandResult usage = runner.run(Command.of("zfs").withOkExitCodes(0, 1, 2));
        String text = usage.stdout() + "\n" + usage.stderrTail();
        if ("unknown".equals(impl) && !text.isBlank()) {
            impl = text.contains("bookmark") ? "openzfs" : "zfs-fuse";
        }
        return parseUsage(impl, version, text);
    }

    /**
     * Derives capabilities from {@code zfs} usage text (pure; used by the probe and by tests with
     * recorded usage texts of both implementations).
     */
    public static ZfsCapabilities parseUsage(String impl, String version, String rawUsage) {
        // join continuation lines ("\t     [-R [-X …]] <snapshot>") onto the command line they continue
        String usage = rawUsage.replaceAll("\n[ \t]+(?=[\\[<-])", " ");
        Set<String> sendFlags = new TreeSet<>();
        Matcher send = SEND_USAGE.matcher(usage);
        while (send.find()) {
            Matcher g = FLAG_GROUP.matcher(send.group());
            while (g.find()) {
                for (char ch : g.group(1).toCharArray()) {
                    sendFlags.add(String.valueOf(ch));
                }
            }
            Matcher single = Pattern.compile("\\[-([A-Za-z])\\s").matcher(send.group());
            while (single.find()) {
                sendFlags.add(single.group(1));
            }
        }
        boolean holds = Pattern.compile("(?m)^\\s*hold\\b").matcher(usage).find();
        boolean bookmarks = Pattern.compile("(?m)^\\s*bookmark\\b").matcher(usage).find();
        boolean resumable = Pattern.compile("(?m)^\\s*receive\\b.*-s\\b").matcher(usage).find()
                || Pattern.compile("(?m)^\\s*receive.*\\[-[A-Za-z]*s[A-Za-z]*\\]").matcher(usage).find();
        boolean parsable = Pattern.compile("(?m)^\\s*list\\b.*\\[-[A-Za-z]*p[A-Za-z]*\\]").matcher(usage).find();
        return new ZfsCapabilities(impl, version, Set.copyOf(sendFlags), holds, bookmarks, resumable, parsable);
    }

    /**
     * Lists imported pools.
     *
     * @return pools in {@code zpool list} order; empty when none is imported
     * @throws CommandFailedException when {@code zpool} fails
     */
    public List<PoolStatus> pools() {
        CommandResult r = runner.run(Command.of("zpool", "list", "-H", "-o", "name,health,size,alloc,free"));
        List<PoolStatus> out = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (line.isBlank() || line.toLowerCase(Locale.ROOT).startsWith("no pools")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length >= 5) {
                out.add(new PoolStatus(f[0], f[1], f[2], f[3], f[4]));
            }
        }
        return out;
    }

    /**
     * Names of a dataset and its descendant filesystems.
     *
     * @param root dataset name, e.g. {@code terrarium/containers}
     * @throws CommandFailedException when the dataset does not exist
     */
    public List<String> filesystems(String root) {
        CommandResult r = runner.run(Command.of("zfs", "list", "-H", "-r", "-t", "filesystem", "-o", "name", root));
        return r.stdout().lines().filter(l -> !l.isBlank()).map(String::strip).toList();
    }

    /**
     * The dataset mounted at a path (exact mountpoint match), if any.
     *
     * @param mountpoint absolute path
     * @return the dataset name, or {@code null} when no ZFS dataset is mounted exactly there
     */
    public String datasetMountedAt(String mountpoint) {
        CommandResult r = runner.run(Command.of("zfs", "list", "-H", "-t", "filesystem", "-o", "name,mountpoint"));
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2 && f[1].equals(mountpoint)) {
                return f[0];
            }
        }
        return null;
    }

    /**
     * Every mounted-or-not filesystem's mountpoint (only absolute paths), mountpoint → dataset.
     *
     * @throws CommandFailedException when zfs fails
     */
    public Map<String, String> mountpoints() {
        CommandResult r = runner.run(Command.of("zfs", "list", "-H", "-t", "filesystem", "-o", "name,mountpoint"));
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2 && f[1].startsWith("/")) {
                m.putIfAbsent(f[1], f[0]);
            }
        }
        return m;
    }

    /**
     * Tests whether holds really work (zfs-fuse lists {@code hold} in its usage but its pool
     * version refuses it): snapshots {@code dataset@terrarium-probe-<epoch s>-<pid>-<8 hex>}, holds and
     * releases it (tag {@code terrarium-probe}), and always destroys the probe snapshot again. The pid
     * and the random part make the name unique: it was {@code terrarium-probe-<epoch s>}, so two probes
     * in the same second from two processes (each {@code jobs run host-facts} in its own JVM) collided
     * and one failed (tester, session 9). First removes the probe snapshots earlier probes left
     * ({@link #removeLeftoverProbes}).
     *
     * @param dataset an existing filesystem, e.g. the pool's root dataset
     * @return true when hold and release both succeeded
     * @throws CommandFailedException when the probe snapshot cannot be created
     */
    public boolean probeHolds(String dataset) {
        return probeHolds(dataset, Instant.now(), pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    /** {@link #probeHolds(String)} at {@code now}, with {@code alive} telling whether a pid runs (tests). */
    boolean probeHolds(String dataset, Instant now, java.util.function.LongPredicate alive) {
        removeLeftoverProbes(dataset, now, alive);
        String snap = dataset + "@" + PROBE_PREFIX + now.getEpochSecond() + "-" + ProcessHandle.current().pid() + "-"
                + String.format("%08x", java.util.concurrent.ThreadLocalRandom.current().nextInt());
        runner.run(Command.of("zfs", "snapshot", snap));
        try {
            runner.run(Command.of("zfs", "hold", PROBE_TAG, snap));
            runner.run(Command.of("zfs", "release", PROBE_TAG, snap));
            return true;
        } catch (CommandFailedException e) {
            return false;
        } finally {
            try {
                runner.run(Command.of("zfs", "release", PROBE_TAG, snap).withOkExitCodes(0, 1, 2));
            } catch (CommandFailedException ignored) {
                // no hold to release
            }
            runner.run(Command.of("zfs", "destroy", snap));
        }
    }

    /**
     * Removes the probe snapshots of {@code dataset} that earlier probes left — a probe killed before
     * its {@code finally}, or whose destroy failed: a name of {@link #probeHolds}'s form whose pid no
     * longer runs, or (any form, also the old {@code terrarium-probe-<epoch s>}) whose time is more than
     * {@link #PROBE_LEFTOVER_AFTER} before {@code now} — and in both cases only when the snapshot's
     * {@code creation} is within {@link #PROBE_NAME_SLACK_SECONDS} of the second in its name, so a snapshot
     * someone else named alike ({@code terrarium-probe-20261207}) is never a leftover. Another running
     * probe's snapshot is kept. A
     * leftover is released first (a probe killed between hold and release left it held). Failures are
     * ignored: the next probe tries again.
     *
     * @return the snapshots removed (full names)
     */
    List<String> removeLeftoverProbes(String dataset, Instant now, java.util.function.LongPredicate alive) {
        List<String> removed = new ArrayList<>();
        List<ZfsSnapshot> snaps;
        try {
            snaps = snapshots(dataset, false);
        } catch (CommandFailedException e) {
            return removed;
        }
        for (ZfsSnapshot s : snaps) {
            Matcher m = PROBE_NAME.matcher(s.name());
            if (!m.matches()) {
                continue;
            }
            boolean old;
            boolean gone;
            long named;
            try {
                named = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                continue; // 19 digits beyond a long: not a name a probe wrote
            }
            if (s.created() == null || Math.abs(s.created().getEpochSecond() - named) > PROBE_NAME_SLACK_SECONDS) {
                // a probe names its snapshot after the second it creates it: one whose name and creation time
                // disagree was named by someone else (tester, session 10: terrarium-probe-20261207 was destroyed)
                continue;
            }
            try {
                old = named < now.minus(PROBE_LEFTOVER_AFTER).getEpochSecond();
                gone = m.group(2) != null && !alive.test(Long.parseLong(m.group(2)));
            } catch (NumberFormatException e) {
                continue; // 19 digits beyond a long: not a name a probe wrote
            }
            if (!old && !gone) {
                continue;
            }
            String full = dataset + "@" + s.name();
            try {
                runner.run(Command.of("zfs", "release", PROBE_TAG, full).withOkExitCodes(0, 1, 2));
                runner.run(Command.of("zfs", "destroy", full));
                removed.add(full);
            } catch (CommandFailedException e) {
                // held by another tag, or already gone (a concurrent probe removed it): next time
            }
        }
        return removed;
    }

    /**
     * {@code zfs hold TAG SNAPSHOT}: a held snapshot cannot be destroyed until every tag is released.
     *
     * @param tag      hold tag, e.g. {@code terrarium-export}
     * @param snapshot full snapshot name
     * @throws CommandFailedException when the hold fails (e.g. the snapshot has this tag already, or
     *                                the pool version has no holds)
     */
    public void hold(String tag, String snapshot) {
        runner.run(Command.of("zfs", "hold", tag, snapshot));
    }

    /**
     * {@code zfs release TAG SNAPSHOT}, safe before any destroy: exit 1 (no such tag on the snapshot,
     * both implementations) counts as nothing to release. Does not list holds first: zfs-fuse's
     * {@code zfs holds} is broken (it needs a missing {@code pyzfs.py}), its release works.
     *
     * @return true when a hold was released, false when the snapshot had no such hold
     * @throws CommandFailedException when zfs fails otherwise
     */
    public boolean release(String tag, String snapshot) {
        return runner.run(Command.of("zfs", "release", tag, snapshot).withOkExitCodes(0, 1)).exitCode() == 0;
    }

    /**
     * Releases {@code tag} on the snapshots of {@code target}'s dataset that are newer than it and
     * whose name starts with {@code namePrefix}: {@code zfs rollback -r target} destroys every newer
     * snapshot and fails on a held one (e.g. the S3 export base, held with {@code terrarium-export}).
     * "Newer" is the order of {@link #snapshots} (creation time, then the tool's creation order).
     *
     * @return full names of the snapshots whose hold was released
     * @throws CommandFailedException when zfs fails
     */
    public List<String> releaseNewer(ZfsSnapshot target, String tag, String namePrefix) {
        List<String> released = new ArrayList<>();
        boolean after = false;
        for (ZfsSnapshot s : snapshots(target.dataset(), false)) {
            if (after && s.name().startsWith(namePrefix) && release(tag, s.fullName())) {
                released.add(s.fullName());
            }
            after |= s.name().equals(target.name());
        }
        return released;
    }

    /**
     * Tags held on a snapshot: {@code zfs holds -H SNAPSHOT}, one line per hold
     * ({@code name<TAB>tag<TAB>timestamp}). OpenZFS only: zfs-fuse's {@code zfs holds} fails.
     *
     * @return tags, in the tool's order; empty when none
     * @throws CommandFailedException when the snapshot does not exist or zfs fails
     */
    public List<String> holds(String snapshot) {
        return parseHolds(runner.run(Command.of("zfs", "holds", "-H", snapshot)).stdout());
    }

    /** Parses {@code zfs holds -H} output into the tags (pure). */
    public static List<String> parseHolds(String out) {
        List<String> tags = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t");
            if (f.length >= 2 && !f[1].isBlank()) {
                tags.add(f[1].strip());
            }
        }
        return tags;
    }

    /**
     * Snapshots of a dataset (and, with {@code recursive}, of its descendants), oldest first per
     * dataset. Uses {@code zfs get -H -p -r|-d 1 -o name,property,value creation,used} (a plain
     * {@code zfs get} of a filesystem does not list its snapshots), which both
     * OpenZFS and zfs-fuse support ({@code zfs list -p} and {@code zfs get -t} are missing on
     * zfs-fuse), and keeps the lines whose name contains '@'.
     *
     * @param root      dataset name
     * @param recursive include descendants
     * @throws CommandFailedException when the dataset does not exist or zfs fails
     */
    public List<ZfsSnapshot> snapshots(String root, boolean recursive) {
        List<String> args = new ArrayList<>(List.of("get", "-H", "-p"));
        args.addAll(recursive ? List.of("-r") : List.of("-d", "1"));
        args.addAll(List.of("-o", "name,property,value", "creation,used", root));
        CommandResult r = runner.run(Command.of("zfs", args));
        List<ZfsSnapshot> all = parseSnapshots(r.stdout());
        return recursive ? all : all.stream().filter(s -> s.dataset().equals(root)).toList();
    }

    /** Parses {@code zfs get -Hp -o name,property,value creation,used} output (pure). */
    public static List<ZfsSnapshot> parseSnapshots(String out) {
        Map<String, long[]> byName = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t");
            if (f.length < 3 || !f[0].contains("@")) {
                continue;
            }
            long[] v = byName.computeIfAbsent(f[0], k -> new long[]{Long.MIN_VALUE, -1});
            try {
                if (f[1].equals("creation")) {
                    v[0] = Long.parseLong(f[2].strip());
                } else if (f[1].equals("used")) {
                    v[1] = Long.parseLong(f[2].strip());
                }
            } catch (NumberFormatException e) {
                // a non-numeric value (tool without -p): leave unknown
            }
        }
        List<ZfsSnapshot> snaps = new ArrayList<>();
        byName.forEach((full, v) -> {
            int at = full.indexOf('@');
            snaps.add(new ZfsSnapshot(full.substring(0, at), full.substring(at + 1),
                    v[0] == Long.MIN_VALUE ? Instant.EPOCH : Instant.ofEpochSecond(v[0]), v[1]));
        });
        snaps.sort(java.util.Comparator.comparing(ZfsSnapshot::dataset).thenComparing(ZfsSnapshot::created));
        return snaps;
    }

    /**
     * Whether a dataset (or snapshot) exists.
     *
     * @throws CommandFailedException when zfs cannot run
     */
    public boolean exists(String name) {
        return runner.run(Command.of("zfs", "list", "-H", "-t", "all", "-o", "name", name).withOkExitCodes(0, 1)).exitCode() == 0;
    }

    /**
     * Whether a pool is imported: {@code zpool list -H -o name POOL} (exit 1: no such pool).
     *
     * @throws CommandFailedException when zpool cannot run (for example: not installed yet)
     */
    public boolean poolExists(String pool) {
        return runner.run(Command.of("zpool", "list", "-H", "-o", "name", pool).withOkExitCodes(0, 1)).exitCode() == 0;
    }

    /**
     * The GUID of a dataset or snapshot: {@code zfs get -H -p -o value guid NAME} — the identity
     * an incremental stream's source must match on the receiving side (zfs-send(8)).
     *
     * @return the GUID as zfs prints it (a decimal 64-bit number)
     * @throws CommandFailedException when it does not exist
     */
    public String guid(String name) {
        return runner.run(Command.of("zfs", "get", "-H", "-p", "-o", "value", "guid", name)).stdout().strip();
    }

    /**
     * The GUIDs of a dataset's own snapshots: {@code zfs get -H -p -o name,value -d 1 guid DATASET}
     * (both implementations). A snapshot received from a stream keeps the GUID it had on the sender
     * (zfs-send(8)), which is how a restore recognises streams it already received.
     *
     * @return snapshot name (after '@') → GUID (decimal), in zfs's order
     * @throws CommandFailedException when the dataset does not exist
     */
    public Map<String, String> snapshotGuids(String dataset) {
        String out = runner.run(Command.of("zfs", "get", "-H", "-p", "-o", "name,value", "-d", "1", "guid", dataset)).stdout();
        Map<String, String> guids = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2 && f[0].startsWith(dataset + "@")) {
                guids.put(f[0].substring(dataset.length() + 1), f[1].strip());
            }
        }
        return guids;
    }

    /**
     * The partial state an interrupted resumable receive ({@code zfs receive -s}) left on a dataset:
     * its {@code receive_resume_token} (OpenZFS 0.7+; zfs-fuse has no resumable receive).
     *
     * @return the token, or {@code null} when there is none or the implementation cannot resume
     * @throws CommandFailedException when the dataset does not exist
     */
    public String resumeToken(String dataset) {
        if (!capabilities().resumable()) {
            return null;
        }
        String v = runner.run(Command.of("zfs", "get", "-H", "-o", "value", "receive_resume_token", dataset)).stdout().strip();
        return v.isEmpty() || "-".equals(v) ? null : v;
    }

    /**
     * Discards the partial state of an interrupted resumable receive: {@code zfs receive -A DATASET}
     * (zfs-receive(8)); the dataset keeps its last complete snapshot.
     *
     * @throws CommandFailedException when zfs refuses
     */
    public void abortPartialReceive(String dataset) {
        runner.run(Command.of("zfs", "receive", "-A", dataset));
    }

    /**
     * {@code zfs create [-o PROP=VALUE]… DATASET} (its parent must exist).
     *
     * @param properties properties set at creation (e.g. {@code mountpoint=none}), in order
     * @throws CommandFailedException when zfs fails (exists, no parent)
     */
    public void create(String dataset, Map<String, String> properties) {
        List<String> args = new ArrayList<>(List.of("create"));
        properties.forEach((k, v) -> {
            args.add("-o");
            args.add(k + "=" + v);
        });
        args.add(dataset);
        runner.run(Command.of("zfs", args));
    }

    /** Takes one snapshot ({@code zfs snapshot dataset@name}). @throws CommandFailedException */
    public void snapshot(String fullName) {
        runner.run(Command.of("zfs", "snapshot", fullName));
    }

    /**
     * {@code zfs rollback -r snapshot}: destroys the snapshots newer than it and returns the
     * dataset to it. Retries for up to {@code busyWait} while zfs answers "dataset is busy" (right
     * after {@code lxc stop}, LXD still touches the instance directory).
     *
     * @throws CommandFailedException when the rollback fails for another reason or stays busy
     */
    public void rollback(String snapshot, Duration busyWait) {
        retryBusy(Command.of("zfs", "rollback", "-r", snapshot), busyWait);
    }

    /**
     * {@code zfs destroy [-r] name}, retried while busy (see {@link #rollback}).
     *
     * @throws CommandFailedException on another failure
     */
    public void destroy(String name, boolean recursive, Duration busyWait) {
        retryBusy(recursive ? Command.of("zfs", "destroy", "-r", name) : Command.of("zfs", "destroy", name), busyWait);
    }

    /** {@code zfs set mountpoint=PATH dataset}. @throws CommandFailedException */
    public void setMountpoint(String dataset, String mountpoint) {
        runner.run(Command.of("zfs", "set", "mountpoint=" + mountpoint, dataset));
    }

    /**
     * {@code zfs set mountpoint=PATH dataset}, retried while zfs answers "dataset is busy" (an
     * unmount right after {@code lxc stop}).
     *
     * @param mountpoint absolute path, {@code none} or {@code legacy}
     * @throws CommandFailedException on another failure
     */
    public void setMountpoint(String dataset, String mountpoint, Duration busyWait) {
        retryBusy(Command.of("zfs", "set", "mountpoint=" + mountpoint, dataset), busyWait);
    }

    /**
     * {@code zfs clone [-o PROP=VALUE]… SNAPSHOT TARGET}: a new dataset sharing the snapshot's
     * blocks (no copy); the snapshot cannot be destroyed while the clone exists.
     *
     * @param properties properties set on the clone at creation (e.g. {@code mountpoint}), in order
     * @throws CommandFailedException when zfs fails (target exists, no such snapshot)
     */
    public void clone(String snapshot, String target, Map<String, String> properties) {
        List<String> args = new ArrayList<>(List.of("clone"));
        properties.forEach((k, v) -> {
            args.add("-o");
            args.add(k + "=" + v);
        });
        args.add(snapshot);
        args.add(target);
        runner.run(Command.of("zfs", args));
    }

    /**
     * {@code zfs promote CLONE}: the clone takes over its origin's snapshots up to and including the
     * origin snapshot; the former origin dataset becomes a clone of that snapshot.
     *
     * @throws CommandFailedException when zfs fails (not a clone, a snapshot name clash)
     */
    public void promote(String clone) {
        runner.run(Command.of("zfs", "promote", clone));
    }

    /**
     * Number of user holds per snapshot of a dataset tree: {@code zfs get -H -p -r -o name,value
     * userrefs ROOT} (property {@code userrefs}; zfs-fuse has it too, there always 0 because its pool
     * version refuses holds). Filesystems (value "-") are left out.
     *
     * @return full snapshot name → hold count, in the tool's order
     * @throws CommandFailedException when the dataset does not exist or zfs fails
     */
    public Map<String, Integer> holdCounts(String root) {
        return parseHoldCounts(runner.run(Command.of("zfs", "get", "-H", "-p", "-r", "-o", "name,value", "userrefs", root)).stdout());
    }

    /** Parses {@code zfs get -H -p -o name,value userrefs} output (pure); non-numeric values are left out. */
    public static Map<String, Integer> parseHoldCounts(String out) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2 && f[0].contains("@") && f[1].strip().matches("\\d+")) {
                m.put(f[0], Integer.parseInt(f[1].strip()));
            }
        }
        return m;
    }

    /** {@code zfs inherit mountpoint dataset}. @throws CommandFailedException */
    public void inheritMountpoint(String dataset) {
        runner.run(Command.of("zfs", "inherit", "mountpoint", dataset));
    }

    /** {@code zfs rename from to} (same parent pool), retried while busy. @throws CommandFailedException */
    public void rename(String from, String to, Duration busyWait) {
        retryBusy(Command.of("zfs", "rename", from, to), busyWait);
    }

    /**
     * One property: {@code zfs get -H -o value,source PROPERTY dataset}.
     *
     * @return {@code [value, source]} (source e.g. {@code local}, {@code default}, {@code inherited from X})
     * @throws CommandFailedException when the dataset does not exist
     */
    public String[] property(String dataset, String property) {
        String out = runner.run(Command.of("zfs", "get", "-H", "-o", "value,source", property, dataset)).stdout().strip();
        String[] f = out.split("\t", 2);
        return new String[]{f[0], f.length > 1 ? f[1] : ""};
    }

    /**
     * Space a dataset uses, in bytes: {@code zfs get -H -p -o value used DATASET} (both
     * implementations have {@code get -p}).
     *
     * @return bytes, or -1 when the value is not a number
     * @throws CommandFailedException when the dataset does not exist
     */
    public long usedBytes(String dataset) {
        String v = runner.run(Command.of("zfs", "get", "-H", "-p", "-o", "value", "used", dataset)).stdout().strip();
        return v.matches("\\d+") ? Long.parseLong(v) : -1;
    }

    /**
     * The properties set locally on a dataset: {@code zfs get -H -o property,value -s local all DATASET}
     * (both implementations), in the tool's order.
     *
     * @return property → value
     * @throws CommandFailedException when the dataset does not exist
     */
    public Map<String, String> localProperties(String dataset) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : runner.run(Command.of("zfs", "get", "-H", "-o", "property,value", "-s", "local", "all", dataset)).stdout().split("\n")) {
            String[] f = line.split("\t", 2);
            if (f.length == 2 && !f[0].isBlank()) {
                m.put(f[0].strip(), f[1]);
            }
        }
        return m;
    }

    /** Mounts a dataset unless {@code zfs get mounted} says it is mounted. @throws CommandFailedException */
    public void ensureMounted(String dataset) {
        if (!"yes".equals(property(dataset, "mounted")[0])) {
            runner.run(Command.of("zfs", "mount", dataset));
        }
    }

    private void retryBusy(Command c, Duration busyWait) {
        long deadline = System.nanoTime() + busyWait.toNanos();
        while (true) {
            try {
                runner.run(c);
                return;
            } catch (CommandFailedException e) {
                if (!e.stderrTail().toLowerCase(Locale.ROOT).contains("busy") || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Copies one snapshot into a new dataset: {@code zfs send SNAPSHOT | zfs receive TARGET}
     * through {@link StreamingProcess} (bytes piped in 1 MiB chunks, stderr tails kept, both exit
     * codes checked). No clone, so the source snapshot stays prunable. On failure a partly
     * received target is left for the caller to destroy.
     *
     * @param snapshot full snapshot name
     * @param target   dataset to create (must not exist)
     * @param timeout  limit for each side
     * @return bytes streamed
     * @throws CommandFailedException when send or receive fails
     */
    public long copySnapshot(String snapshot, String target, Duration timeout) {
        Command send = Command.of("zfs", "send", snapshot).withTimeout(timeout);
        Command recv = Command.of("zfs", "receive", target).withTimeout(timeout);
        long n = 0;
        try (StreamingProcess s = runner.stream(send); StreamingProcess r = StreamingProcess.startWithStdin(recv)) {
            try (InputStream in = s.stdout(); OutputStream out = r.stdin()) {
                byte[] buf = new byte[1 << 20];
                int k;
                while ((k = in.read(buf)) >= 0) {
                    out.write(buf, 0, k);
                    n += k;
                }
            } catch (StreamingProcess.ProcessFailedIOException e) {
                throw e.failure();
            } catch (IOException e) {
                r.waitForSuccess(); // a receive that died first explains the broken pipe
                throw new CommandFailedException(recv, -1, e.getMessage(), false, e);
            }
            r.waitForSuccess();
        }
        return n;
    }
}
