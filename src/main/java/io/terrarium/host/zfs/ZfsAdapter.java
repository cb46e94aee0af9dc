package io.terrarium.host.zfs;

import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandResult;
import io.terrarium.host.exec.CommandRunner;

import java.util.ArrayList;
import java.util.List;
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
     * Tests whether holds really work (zfs-fuse lists {@code hold} in its usage but its pool
     * version refuses it): snapshots {@code dataset@terrarium-probe-<epoch>}, holds and releases it,
     * and always destroys the probe snapshot again.
     *
     * @param dataset an existing filesystem, e.g. the pool's root dataset
     * @return true when hold and release both succeeded
     * @throws CommandFailedException when the probe snapshot cannot be created
     */
    public boolean probeHolds(String dataset) {
        String snap = dataset + "@terrarium-probe-" + (System.currentTimeMillis() / 1000);
        runner.run(Command.of("zfs", "snapshot", snap));
        try {
            runner.run(Command.of("zfs", "hold", "terrarium-probe", snap));
            runner.run(Command.of("zfs", "release", "terrarium-probe", snap));
            return true;
        } catch (CommandFailedException e) {
            return false;
        } finally {
            try {
                runner.run(Command.of("zfs", "release", "terrarium-probe", snap).withOkExitCodes(0, 1, 2));
            } catch (CommandFailedException ignored) {
                // no hold to release
            }
            runner.run(Command.of("zfs", "destroy", snap));
        }
    }
}
