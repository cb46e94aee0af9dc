package io.terrarium.host.zfs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The first record of a {@code zfs send} stream (DRR_BEGIN), read and checked before a byte reaches
 * {@code zfs receive} (issue 13 item 3: a bucket writer must not plant a stream Terrarium never
 * writes). The layout is the on-disk send stream format, the same in zfs-fuse 0.7 and OpenZFS 2.x
 * ({@code include/sys/zfs_ioctl.h}, {@code dmu_replay_record_t}): 312 bytes,
 * <pre>
 *   0  u32 drr_type          0 = DRR_BEGIN
 *   4  u32 drr_payloadlen    bytes of an nvlist after the record (compound streams; raw sends' keys)
 *   8  u64 drr_magic         0x2F5BACBAC (tells the sender's byte order)
 *  16  u64 drr_versioninfo   bits 0-1: header type (1 = substream, 2 = compound), bits 2-31: features
 *  24  u64 drr_creation_time
 *  32  u32 drr_type (objset) 2 = file system (DMU_OST_ZFS), 3 = volume
 *  36  u32 drr_flags         bit 0 = DRR_FLAG_CLONE
 *  40  u64 drr_toguid
 *  48  u64 drr_fromguid      0 for a full stream
 *  56  char[256] drr_toname  "dataset@snapshot"
 * </pre>
 * Refused: anything that is not a DRR_BEGIN with the magic; a compound stream (what
 * {@code zfs send -R} (replication: child datasets, their properties such as {@code mountpoint})
 * and {@code zfs send -p} (properties) write); a volume; a clone stream; a {@code toguid},
 * {@code fromguid} or snapshot name other than the manifest's. Terrarium itself only writes plain
 * substreams of one file system snapshot ({@code zfs send [-L -c | -w] [-i base] ds@snap}).
 */
public final class SendStreamHeader {
    /** Bytes of one {@code dmu_replay_record_t}. */
    public static final int RECORD_BYTES = 312;
    private static final long MAGIC = 0x2F5BACBACL;
    private static final int DRR_BEGIN = 0;
    private static final int SUBSTREAM = 1;
    private static final int COMPOUNDSTREAM = 2;
    private static final int OST_ZFS = 2;
    private static final int FLAG_CLONE = 1;

    /**
     * The fields of a DRR_BEGIN record.
     *
     * @param headerType  1 = substream, 2 = compound (replication or property stream)
     * @param features    feature flags (bits 2-31 of drr_versioninfo)
     * @param objsetType  2 = file system, 3 = volume
     * @param flags       drr_flags
     * @param payloadLen  drr_payloadlen
     * @param toGuid      GUID of the stream's snapshot, unsigned decimal
     * @param fromGuid    GUID of an incremental's base, unsigned decimal; "0" for a full stream
     * @param toName      {@code dataset@snapshot} as the sender named it
     */
    public record Begin(int headerType, long features, int objsetType, int flags, int payloadLen, String toGuid,
                        String fromGuid, String toName) {
    }

    /** A stream refused by the header check; the message names what was refused. */
    public static final class RefusedStreamException extends IOException {
        /** @param message what was refused and why */
        public RefusedStreamException(String message) {
            super(message);
        }
    }

    private SendStreamHeader() {
    }

    /**
     * Parses a DRR_BEGIN record (pure).
     *
     * @param rec the first {@link #RECORD_BYTES} bytes of the stream
     * @throws RefusedStreamException when it is shorter, not a BEGIN record or lacks the magic
     */
    public static Begin parse(byte[] rec) throws RefusedStreamException {
        if (rec.length < RECORD_BYTES) {
            throw new RefusedStreamException("the stream is " + rec.length + " bytes long, shorter than one ZFS send record ("
                    + RECORD_BYTES + " bytes): not a zfs send stream");
        }
        ByteBuffer b = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(8) != MAGIC) {
            b.order(ByteOrder.BIG_ENDIAN);
            if (b.getLong(8) != MAGIC) {
                throw new RefusedStreamException("the stream does not start with a ZFS send stream header (no DRR_BEGIN magic)");
            }
        }
        if (b.getInt(0) != DRR_BEGIN) {
            throw new RefusedStreamException("the stream's first record is of type " + Integer.toUnsignedString(b.getInt(0))
                    + ", not DRR_BEGIN");
        }
        long version = b.getLong(16);
        byte[] name = new byte[256];
        b.get(56, name);
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        return new Begin((int) (version & 3), (version >>> 2) & 0x3FFFFFFFL, b.getInt(32), b.getInt(36), b.getInt(4),
                Long.toUnsignedString(b.getLong(40)), Long.toUnsignedString(b.getLong(48)),
                new String(name, 0, end, StandardCharsets.UTF_8));
    }

    /**
     * What is wrong with a parsed header against what the manifest says, or {@code null} when it is
     * a stream Terrarium writes for this manifest.
     *
     * @param h           the parsed header
     * @param id          manifest id (for messages)
     * @param toGuid      the manifest's {@code snapshot_guid}
     * @param fromGuid    the base snapshot's GUID for an incremental, {@code null} for a full (then
     *                    the header's must be 0); an incremental's base is not checked when "" is given
     * @param snapshot    the manifest's snapshot name
     */
    public static String problem(Begin h, String id, String toGuid, String fromGuid, String snapshot) {
        // (a plain substream may carry a payload too: raw sends put the key nvlist there)
        if (h.headerType() == COMPOUNDSTREAM) {
            return "the stream of " + id + " is a replication or property stream (zfs send -R or -p: it can carry child datasets"
                    + " and properties such as mountpoint), which Terrarium never writes";
        }
        if (h.headerType() != SUBSTREAM) {
            return "the stream of " + id + " has header type " + h.headerType() + ", not a plain stream";
        }
        if (h.objsetType() != OST_ZFS) {
            return "the stream of " + id + " holds objset type " + h.objsetType() + " (3 = volume), not a file system";
        }
        if ((h.flags() & FLAG_CLONE) != 0) {
            return "the stream of " + id + " is a clone stream, which Terrarium never writes";
        }
        if (!h.toGuid().equals(toGuid)) {
            return "the stream of " + id + " is of snapshot GUID " + h.toGuid() + ", the manifest says " + toGuid;
        }
        if (fromGuid == null && !"0".equals(h.fromGuid())) {
            return "the stream of " + id + " is an incremental (from GUID " + h.fromGuid() + "), the manifest says full";
        }
        if (fromGuid != null && "0".equals(h.fromGuid())) {
            return "the stream of " + id + " is a full stream, the manifest says incremental";
        }
        if (fromGuid != null && !fromGuid.isEmpty() && !h.fromGuid().equals(fromGuid)) {
            return "the stream of " + id + " is incremental from GUID " + h.fromGuid() + ", its parent's GUID is " + fromGuid;
        }
        int at = h.toName().indexOf('@');
        if (at < 0 || !h.toName().substring(at + 1).equals(snapshot)) {
            return "the stream of " + id + " is of snapshot " + h.toName() + ", the manifest says @" + snapshot;
        }
        return null;
    }

    /**
     * Reads the first record of {@code plain}, checks it ({@link #problem}) and returns a stream
     * that yields the whole stream again (the record, then the rest).
     *
     * @throws RefusedStreamException when the stream is refused (nothing was passed on)
     * @throws IOException            when reading fails
     */
    public static InputStream checked(InputStream plain, String id, String toGuid, String fromGuid, String snapshot)
            throws IOException {
        byte[] rec = plain.readNBytes(RECORD_BYTES);
        String p = problem(parse(rec), id, toGuid, fromGuid, snapshot);
        if (p != null) {
            throw new RefusedStreamException("refused: " + p + "; nothing was received");
        }
        return new SequenceInputStream(new ByteArrayInputStream(rec), plain);
    }
}
