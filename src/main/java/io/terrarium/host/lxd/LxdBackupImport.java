package io.terrarium.host.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandRunner;
import io.terrarium.host.exec.StreamingProcess;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Makes LXD own an instance whose root file system is a ZFS snapshot, on LXD's <b>zfs storage
 * driver</b>, through LXD's own instance backup import ({@code lxc import}, i.e. {@code POST
 * /1.0/instances} with an {@code application/octet-stream} body — LXD REST API, "Create a new
 * instance from a backup"). LXD receives the stream itself into {@code <zfs.pool_name>/containers/
 * <name>}, reads the instance's {@code backup.yaml} from it and writes its database records, so
 * afterwards {@code lxc start/stop/snapshot/copy/delete} work and {@code lxc delete} removes the
 * dataset (DESIGN.md §2, §4; issue 11 lists the alternatives tried).
 *
 * <p>The body is LXD's "optimized" backup tarball (LXD docs, "Backing up instances": an optimized
 * export holds the storage driver's own stream): {@code backup/index.yaml} (name, backend
 * {@code zfs}, pool, {@code optimized: true}, no snapshots, type container) and
 * {@code backup/container.bin}, a plain full {@code zfs send} of the snapshot ({@code -L -c} where the
 * host supports them). A replication stream ({@code -R}) would keep a clone's link to
 * {@code images/<fingerprint>@readonly} and is not used. The tarball is streamed to {@code lxc import
 * /dev/stdin NAME} — no copy of the stream is written by Terrarium; LXD itself spools the upload
 * under its var directory before it unpacks it (LXD source, {@code instancesPost}). A tar entry
 * needs its size up front, so the stream is sent twice: once to count its bytes, once into the
 * tarball (a full send of one snapshot is deterministic; a different count aborts the import).
 *
 * <p>After the import the instance is adjusted through the REST API (GET, then PUT): Terrarium's
 * {@code terrarium-proxy-*} devices are removed (proxy sync recreates them); for a copy beside its
 * original ({@code asNew}) also {@code user.proxy} and the identity keys LXD would otherwise reuse
 * ({@link #IDENTITY_KEYS}). The instance is left stopped.
 */
public final class LxdBackupImport {
    private static final Logger LOG = LoggerFactory.getLogger(LxdBackupImport.class);
    /** LXD instance, project and storage pool names accepted here. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9-]{0,62}");
    private static final Pattern POOL = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");
    private static final Pattern SNAPSHOT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]*@[A-Za-z0-9][A-Za-z0-9_.:-]*");
    /**
     * Keys that identify one running instance on the network or to cloud-init; a copy that runs
     * beside its original must not keep them (LXD generates new ones at the next start).
     */
    public static final Set<String> IDENTITY_KEYS = Set.of("volatile.eth0.hwaddr", "volatile.eth0.host_name",
            "volatile.uuid", "volatile.cloud-init.instance-id");
    /** Longest wait for a stream (2 days, as for the S3 streams). */
    public static final Duration STREAM_TIMEOUT = Duration.ofDays(2);

    private final CommandRunner runner;
    private final LxdClient lxd;

    /**
     * @param runner command seam (starts {@code zfs send} and {@code lxc import})
     * @param lxd    the REST client for the adjustments after the import
     */
    public LxdBackupImport(CommandRunner runner, LxdClient lxd) {
        this.runner = runner;
        this.lxd = lxd;
    }

    /** What {@link #importSnapshot} did: the stream's size in bytes and the time of the import in milliseconds. */
    public record Result(String name, long streamBytes, long importMillis, List<String> dropped) {
        /** A result with nothing dropped. */
        public Result(String name, long streamBytes, long importMillis) {
            this(name, streamBytes, importMillis, List.of());
        }

    }

    /**
     * Imports {@code snapshot} ({@code dataset@snap}) as the stopped instance {@code name} in
     * {@code project} on the zfs storage pool {@code pool}.
     *
     * @param snapshot  the snapshot whose file system becomes the instance's root volume (it must
     *                  hold LXD's {@code backup.yaml}, as every LXD container volume does)
     * @param name      new instance name (must not exist in {@code project})
     * @param pool      LXD storage pool (driver zfs) that receives the volume
     * @param project   LXD project
     * @param sendFlags extra {@code zfs send} flags the host supports: only {@code -L} and {@code -c}
     * @param asNew     the copy runs beside its original: drop {@code user.proxy} and {@link #IDENTITY_KEYS}
     * @param progress  progress lines
     * @return the stream size and import time
     * @throws IllegalArgumentException on an invalid name or flag
     * @throws LxdException             when LXD refuses the import (an existing name, a missing profile
     *                                  or pool) or the adjustment fails (the imported instance is then deleted)
     * @throws CommandFailedException   when {@code zfs send} fails
     */
    public Result importSnapshot(String snapshot, String name, String pool, String project, List<String> sendFlags,
                                 boolean asNew, Consumer<String> progress) {
        return importSnapshot(snapshot, name, pool, project, sendFlags, asNew, false, progress);
    }

    /**
     * As {@link #importSnapshot(String, String, String, String, List, boolean, Consumer)}; without
     * {@code trustConfig} the imported instance's config and devices go through
     * {@link ImportAllowlist} in the adjustment, before it is ever started (LXD's import only writes
     * database records and storage), and {@link Result#dropped} lists what was removed.
     */
    public Result importSnapshot(String snapshot, String name, String pool, String project, List<String> sendFlags,
                                 boolean asNew, boolean trustConfig, Consumer<String> progress) {
        check(SNAPSHOT, snapshot, "snapshot");
        check(NAME, name, "instance name");
        check(NAME, project, "project");
        check(POOL, pool, "storage pool");
        for (String f : sendFlags) {
            if (!f.equals("-L") && !f.equals("-c")) {
                throw new IllegalArgumentException("zfs send flag " + f + " is not allowed for an LXD import (only -L, -c)");
            }
        }
        List<String> send = new ArrayList<>(List.of("send"));
        send.addAll(sendFlags);
        send.add(snapshot);
        Command sendCmd = new Command("zfs", send, STREAM_TIMEOUT, null, null);
        long t0 = System.nanoTime();
        progress.accept("measuring the stream of " + snapshot + " …");
        long size = count(sendCmd);
        progress.accept("importing " + snapshot + " (" + size + " bytes) as instance " + name + " on storage pool " + pool
                + " (lxc import) …");
        Command importCmd = new Command("lxc", importArgs(name, pool, project), STREAM_TIMEOUT, null, null);
        streamImport(sendCmd, importCmd, size, indexYaml(name, pool));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<String> dropped;
        try {
            dropped = adjust(name, project, asNew, trustConfig);
        } catch (RuntimeException e) {
            String removed;
            try {
                lxd.delete("/1.0/instances/" + enc(name) + "?project=" + enc(project));
                removed = "the imported instance " + name + " was deleted";
            } catch (RuntimeException d) {
                removed = "deleting the imported instance failed too (" + d.getMessage() + "): `lxc delete --project "
                        + project + " " + name + "`";
            }
            throw new LxdException("adjusting the imported instance " + name + " failed: " + e.getMessage() + "; " + removed,
                    false, false, e);
        }
        return new Result(name, size, ms, dropped);
    }

    /** argv of {@code lxc import} (pure): quiet, the project and pool as flags, the body on stdin. */
    public static List<String> importArgs(String name, String pool, String project) {
        return List.of("import", "-q", "--project", project, "--storage", pool, "/dev/stdin", name);
    }

    /**
     * LXD's {@code backup/index.yaml} for an optimized zfs container backup without snapshots
     * (field names from LXD's {@code backup.Info}; verified with LXD 5.0.2). Pure.
     */
    public static String indexYaml(String name, String pool) {
        check(NAME, name, "instance name");
        check(POOL, pool, "storage pool");
        return "name: " + name + "\n"
                + "backend: zfs\n"
                + "pool: " + pool + "\n"
                + "snapshots: []\n"
                + "optimized: true\n"
                + "optimized_header: false\n"
                + "type: container\n";
    }

    /**
     * The instance's config and devices with what a restored instance must not keep (pure): every
     * {@code terrarium-proxy-*} device; with {@code asNew} also {@code user.proxy} and
     * {@link #IDENTITY_KEYS}. Returns the PUT body ({@code architecture, config, devices, ephemeral,
     * profiles, description}), or {@code null} when nothing changes.
     */
    public static ObjectNode adjusted(JsonNode instance, boolean asNew) {
        return adjusted(instance, asNew, true, new ArrayList<>());
    }

    /**
     * As {@link #adjusted(JsonNode, boolean)}; without {@code trustConfig} also what
     * {@link ImportAllowlist} does not allow, each added to {@code dropped}.
     */
    public static ObjectNode adjusted(JsonNode instance, boolean asNew, boolean trustConfig, List<String> dropped) {
        ObjectNode body = instance.deepCopy() instanceof ObjectNode o ? o : null;
        if (body == null) {
            throw new IllegalArgumentException("not an instance object");
        }
        boolean changed = false;
        if (!trustConfig) {
            List<String> d = ImportAllowlist.filter(body);
            dropped.addAll(d);
            changed = !d.isEmpty();
        }
        ObjectNode config = body.with("config");
        for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (asNew && (IDENTITY_KEYS.contains(k) || k.equals("user.proxy"))) {
                it.remove();
                changed = true;
            }
        }
        ObjectNode devices = body.with("devices");
        for (Iterator<String> it = devices.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith("terrarium-proxy-")) {
                it.remove();
                changed = true;
            }
        }
        // the allowlist removes terrarium-proxy-* devices without listing them (proxy sync recreates
        // them): compare with the original, not only the lists (a new-host restore kept the device)
        if (!changed && body.equals(instance)) {
            return null;
        }
        ObjectNode put = body.objectNode();
        for (String f : List.of("architecture", "config", "devices", "ephemeral", "profiles", "description")) {
            if (body.has(f)) {
                put.set(f, body.get(f));
            }
        }
        return put;
    }

    private List<String> adjust(String name, String project, boolean asNew, boolean trustConfig) {
        String path = "/1.0/instances/" + enc(name) + "?project=" + enc(project);
        List<String> dropped = new ArrayList<>();
        ObjectNode put = adjusted(lxd.get(path), asNew, trustConfig, dropped);
        if (put != null) {
            lxd.put(path, put);
        }
        return dropped;
    }

    /** Runs the send once and counts its bytes. */
    private long count(Command send) {
        long n = 0;
        try (StreamingProcess s = runner.stream(send); InputStream in = s.stdout()) {
            byte[] buf = new byte[1 << 20];
            int k;
            while ((k = in.read(buf)) >= 0) {
                n += k;
            }
        } catch (StreamingProcess.ProcessFailedIOException e) {
            throw e.failure();
        } catch (IOException e) {
            throw new CommandFailedException(send, -1, e.getMessage(), false, e);
        }
        return n;
    }

    /** zfs send → tar entry → lxc import's stdin; fails when the stream's size differs from {@code size}. */
    private void streamImport(Command send, Command importCmd, long size, String index) {
        try (StreamingProcess s = runner.stream(send); StreamingProcess imp = StreamingProcess.startWithStdin(importCmd);
             InputStream in = s.stdout()) {
            long n = 0;
            TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(imp.stdin(), 1 << 16));
            try {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                byte[] idx = index.getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry ie = new TarArchiveEntry("backup/index.yaml");
                ie.setSize(idx.length);
                ie.setMode(0100600);
                tar.putArchiveEntry(ie);
                tar.write(idx);
                tar.closeArchiveEntry();
                TarArchiveEntry ce = new TarArchiveEntry("backup/container.bin");
                ce.setSize(size);
                ce.setMode(0100600);
                tar.putArchiveEntry(ce);
                byte[] buf = new byte[1 << 20];
                int k;
                while ((k = in.read(buf)) >= 0) {
                    if (n + k > size) {
                        imp.close(); // kill it before it sees an end of file: no instance from a wrong stream
                        throw new LxdException("zfs send produced more than the " + size + " bytes it produced a moment ago;"
                                + " nothing was imported", false, false, null);
                    }
                    tar.write(buf, 0, k);
                    n += k;
                }
                if (n != size) {
                    imp.close();
                    throw new LxdException("zfs send produced " + n + " bytes, " + size + " a moment ago; nothing was imported",
                            false, false, null);
                }
                tar.closeArchiveEntry();
                tar.finish();
                tar.close();
            } catch (StreamingProcess.ProcessFailedIOException e) {
                imp.close();
                throw e.failure();
            } catch (IOException e) {
                // a broken pipe: lxc import ended first; its stderr says why
                waitImport(imp);
                throw new LxdException("streaming the backup to lxc import failed: " + e.getMessage(), false, false, e);
            }
            waitImport(imp);
            LOG.debug("imported {} bytes into LXD", n);
        } catch (IOException e) {
            throw new LxdException("zfs send stream failed: " + e.getMessage(), false, false, e);
        }
    }

    private static void waitImport(StreamingProcess imp) {
        try {
            imp.waitForSuccess();
        } catch (CommandFailedException f) {
            throw new LxdException("lxc import failed: " + f.stderrTail().strip(), false, false, f);
        }
    }

    private static void check(Pattern p, String value, String what) {
        if (value == null || !p.matcher(value).matches()) {
            throw new IllegalArgumentException("\"" + value + "\" is not a valid " + what);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
