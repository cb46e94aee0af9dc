package io.terrarium.restore;

import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.s3.Manifest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an interrupted S3 restore of the same target left behind, and how much of it a new run can
 * keep (issue 11 item 5). The unit of resume is the <b>stream</b> (one manifest of the chain):
 *
 * <ul>
 *   <li>a staging dataset {@code <parent>/<leaf>.s3restore-<UTC>} is reusable when its snapshots are
 *       exactly the first {@code k ≥ 1} snapshots of the chain, each with the GUID its manifest names
 *       ({@code snapshot_guid}; a received snapshot keeps the sender's GUID, zfs-send(8)). Any other
 *       snapshot, a GUID that differs, or a manifest without a GUID makes it not reusable (another
 *       restore point or chain, or an older format that cannot be checked);</li>
 *   <li>a stream whose receive was interrupted never shows up as a snapshot: {@code zfs receive}
 *       creates the snapshot only when the whole stream is in. What it may leave is the partial state
 *       of a resumable receive ({@code receive_resume_token}, OpenZFS); that is discarded with
 *       {@code zfs receive -A} before the next stream ({@link #partialState});</li>
 *   <li>a resume token cannot continue <i>inside</i> a stored stream: resuming needs a sender that
 *       re-cuts the stream from the token's object and offset ({@code zfs send -t}), and the bucket
 *       holds a finished stream (docs/backups.md, "Interrupted restores").</li>
 * </ul>
 *
 * @param dataset      the staging dataset to continue in, or {@code null} (start a new one)
 * @param received     streams of the chain already received in {@code dataset} (0 without one)
 * @param skippedBytes bytes of the stored volumes of those streams (not downloaded again)
 * @param partialState {@code dataset} holds the partial state of an interrupted resumable receive
 * @param discard      other staging datasets of the target (unusable leftovers), destroyed before the receive
 */
public record StagingResume(String dataset, int received, long skippedBytes, boolean partialState, List<String> discard) {
    /** The infix of a staging dataset's name: {@code <leaf>.s3restore-<yyyyMMdd'T'HHmmss'Z'>}. */
    public static final String STAGING = ".s3restore-";

    /** Nothing to resume, nothing to discard. */
    public static final StagingResume NONE = new StagingResume(null, 0, 0, false, List.of());

    public StagingResume {
        discard = List.copyOf(discard);
    }

    /**
     * Inspects the staging leftovers of {@code <parent>/<leaf>} against a chain; changes nothing.
     * The caller holds (or checks) the target's restore lock, so no running restore owns them.
     *
     * @param zfs    zfs adapter
     * @param parent the parent dataset of the target
     * @param leaf   the target dataset's last name component
     * @param chain  the chain to restore, full first
     * @return the leftover that holds the longest prefix of the chain (others to discard), or {@link #NONE}
     * @throws io.terrarium.host.exec.CommandFailedException when zfs fails
     */
    public static StagingResume inspect(ZfsAdapter zfs, String parent, String leaf, List<Manifest> chain) {
        String prefix = parent + "/" + leaf + STAGING;
        List<String> leftovers = zfs.filesystems(parent).stream()
                .filter(d -> d.startsWith(prefix) && d.indexOf('/', prefix.length()) < 0).sorted().toList();
        if (leftovers.isEmpty()) {
            return NONE;
        }
        String best = null;
        int bestK = 0;
        for (String d : leftovers) {
            int k = receivedPrefix(zfs.snapshotGuids(d), chain);
            if (k > bestK) {
                best = d;
                bestK = k;
            }
        }
        List<String> discard = new ArrayList<>(leftovers);
        if (best == null) {
            return new StagingResume(null, 0, 0, false, discard);
        }
        discard.remove(best);
        long skipped = 0;
        for (Manifest m : chain.subList(0, bestK)) {
            skipped += m.volumes().stream().mapToLong(Manifest.Volume::bytes).sum();
        }
        return new StagingResume(best, bestK, skipped, zfs.resumeToken(best) != null, discard);
    }

    /**
     * How many streams of {@code chain} a dataset with these snapshots has received: {@code k} when
     * its snapshots are exactly the chain's first {@code k} (name and GUID), else 0 (pure).
     *
     * @param snapshots snapshot name → GUID of the staging dataset
     * @param chain     the chain, full first
     */
    static int receivedPrefix(Map<String, String> snapshots, List<Manifest> chain) {
        int k = 0;
        while (k < chain.size()) {
            Manifest m = chain.get(k);
            String guid = snapshots.get(m.snapshot());
            if (guid == null || m.snapshotGuid() == null || m.snapshotGuid().isEmpty() || !guid.equals(m.snapshotGuid())) {
                break;
            }
            k++;
        }
        return k == snapshots.size() ? k : 0;
    }

    /** Whether anything of an earlier run is kept. */
    public boolean resumes() {
        return dataset != null;
    }

    /**
     * The plan's line, e.g. {@code resuming: 3 of 5 streams already received in …, 1.2 GiB (1288490188 bytes) skipped}.
     *
     * @param streams streams in the chain
     */
    public String describe(int streams) {
        return "resuming: " + received + " of " + streams + " stream(s) already received in " + dataset + ", "
                + human(skippedBytes) + " (" + skippedBytes + " bytes) skipped"
                + (partialState ? "; the partial state of its interrupted stream is discarded first (zfs receive -A)" : "")
                + (received == streams ? "; nothing left to download" : "");
    }

    /** Bytes as {@code 1.2 GiB} / {@code 340.0 MiB} / {@code 12.0 KiB} / {@code 17 B}. */
    static String human(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
