package io.terrarium.host.zfs;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The DRR_BEGIN check against the first record of real zfs-fuse 0.7 streams (captured with
 * {@code zfs send}, {@code -i}, {@code -R}, {@code -p} of {@code h4fix/src@s1}, GUID
 * 18255776567061734165, and {@code @s2}, GUID 4408241603993997185) and crafted variants.
 */
class SendStreamHeaderTest {
    static final String S1 = "18255776567061734165";
    static final String S2 = "4408241603993997185";

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = SendStreamHeaderTest.class.getResourceAsStream("/zfs/streams/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void plainFullAndIncrementalStreamsOfTheManifestsSnapshotPass() throws Exception {
        SendStreamHeader.Begin full = SendStreamHeader.parse(fixture("zfs-fuse-full.bin"));
        assertThat(full.headerType()).isEqualTo(1);
        assertThat(full.objsetType()).isEqualTo(2);
        assertThat(full.toGuid()).isEqualTo(S1);
        assertThat(full.fromGuid()).isEqualTo("0");
        assertThat(full.toName()).isEqualTo("h4fix/src@s1");
        assertThat(SendStreamHeader.problem(full, "m1", S1, null, "s1")).isNull();
        SendStreamHeader.Begin inc = SendStreamHeader.parse(fixture("zfs-fuse-incremental.bin"));
        assertThat(SendStreamHeader.problem(inc, "m2", S2, S1, "s2")).isNull();
    }

    @Test
    void replicationAndPropertyStreamsAreRefusedNamingWhatWasRefused() throws Exception {
        for (String f : new String[]{"zfs-fuse-replication.bin", "zfs-fuse-properties.bin"}) {
            SendStreamHeader.Begin h = SendStreamHeader.parse(fixture(f));
            assertThat(h.headerType()).as(f).isEqualTo(2);
            assertThat(SendStreamHeader.problem(h, "m1", S1, null, "s1")).as(f)
                    .isEqualTo("the stream of m1 is a replication or property stream (zfs send -R or -p: it can carry child"
                            + " datasets and properties such as mountpoint), which Terrarium never writes");
        }
    }

    @Test
    void aStreamOfAnotherSnapshotKindOrTypeIsRefused() throws Exception {
        SendStreamHeader.Begin full = SendStreamHeader.parse(fixture("zfs-fuse-full.bin"));
        assertThat(SendStreamHeader.problem(full, "m1", "42", null, "s1")).contains("snapshot GUID " + S1 + ", the manifest says 42");
        assertThat(SendStreamHeader.problem(full, "m1", S1, null, "other")).contains("h4fix/src@s1, the manifest says @other");
        assertThat(SendStreamHeader.problem(full, "m1", S1, "77", "s1")).contains("a full stream, the manifest says incremental");
        SendStreamHeader.Begin inc = SendStreamHeader.parse(fixture("zfs-fuse-incremental.bin"));
        assertThat(SendStreamHeader.problem(inc, "m2", S2, null, "s2")).contains("is an incremental (from GUID " + S1);
        assertThat(SendStreamHeader.problem(inc, "m2", S2, "99", "s2")).contains("its parent's GUID is 99");

        byte[] vol = fixture("zfs-fuse-full.bin");
        ByteBuffer.wrap(vol).order(ByteOrder.LITTLE_ENDIAN).putInt(32, 3);
        assertThat(SendStreamHeader.problem(SendStreamHeader.parse(vol), "m1", S1, null, "s1")).contains("objset type 3 (3 = volume)");
        byte[] clone = fixture("zfs-fuse-full.bin");
        ByteBuffer.wrap(clone).order(ByteOrder.LITTLE_ENDIAN).putInt(36, 1);
        assertThat(SendStreamHeader.problem(SendStreamHeader.parse(clone), "m1", S1, null, "s1")).contains("clone stream");
    }

    @Test
    void garbageAndShortStreamsAreNotSendStreams() throws Exception {
        assertThatThrownBy(() -> SendStreamHeader.parse(new byte[312])).isInstanceOf(SendStreamHeader.RefusedStreamException.class)
                .hasMessageContaining("no DRR_BEGIN magic");
        assertThatThrownBy(() -> SendStreamHeader.parse(new byte[10])).hasMessageContaining("shorter than one ZFS send record");
        byte[] notBegin = fixture("zfs-fuse-full.bin");
        notBegin[0] = 5;
        assertThatThrownBy(() -> SendStreamHeader.parse(notBegin)).hasMessageContaining("not DRR_BEGIN");
    }

    @Test
    void aBigEndianSendersHeaderIsReadInItsOwnByteOrder() throws Exception {
        byte[] le = fixture("zfs-fuse-full.bin");
        ByteBuffer in = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(312).order(ByteOrder.BIG_ENDIAN);
        out.putInt(0, in.getInt(0)).putInt(4, in.getInt(4));
        for (int off : new int[]{8, 16, 24, 40, 48}) {
            out.putLong(off, in.getLong(off));
        }
        out.putInt(32, in.getInt(32)).putInt(36, in.getInt(36));
        out.put(56, le, 56, 256);
        assertThat(SendStreamHeader.problem(SendStreamHeader.parse(out.array()), "m1", S1, null, "s1")).isNull();
    }

    @Test
    void checkedHandsOnTheWholeStreamOrNothing() throws Exception {
        byte[] full = fixture("zfs-fuse-full.bin");
        byte[] stream = Arrays.copyOf(full, full.length + 1000);
        stream[stream.length - 1] = 7;
        try (InputStream in = SendStreamHeader.checked(new ByteArrayInputStream(stream), "m1", S1, null, "s1")) {
            assertThat(in.readAllBytes()).isEqualTo(stream);
        }
        byte[] rep = Arrays.copyOf(fixture("zfs-fuse-replication.bin"), 2000);
        assertThatThrownBy(() -> SendStreamHeader.checked(new ByteArrayInputStream(rep), "m1", S1, null, "s1"))
                .isInstanceOf(SendStreamHeader.RefusedStreamException.class)
                .hasMessageStartingWith("refused: the stream of m1 is a replication or property stream")
                .hasMessageEndingWith("; nothing was received");
    }
}
