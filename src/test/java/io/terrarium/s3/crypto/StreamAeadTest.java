package io.terrarium.s3.crypto;

import io.terrarium.s3.VerifiedVolumesStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;

import static io.terrarium.s3.crypto.StreamAead.SEGMENT_BYTES;
import static io.terrarium.s3.crypto.StreamAead.TAG_BYTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The segmented AEAD: round trip at segment boundaries, and every tampering refused before a byte is handed on. */
class StreamAeadTest {
    private static final byte[] KEY = new byte[32];

    static {
        new Random(1).nextBytes(KEY);
    }

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static byte[] seal(byte[] plain, byte[] key, String id) throws IOException {
        try (InputStream in = StreamAead.encrypt(new ByteArrayInputStream(plain), key, id)) {
            return in.readAllBytes();
        }
    }

    private static byte[] open(byte[] sealed, byte[] key, String id) throws IOException {
        try (InputStream in = StreamAead.decrypt(new ByteArrayInputStream(sealed), key, id)) {
            return in.readAllBytes();
        }
    }

    @Test
    void roundTripsEverySizeAroundSegmentBoundaries() throws Exception {
        for (int n : new int[]{0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES, 3 * SEGMENT_BYTES + 7}) {
            byte[] plain = data(n);
            byte[] sealed = seal(plain, KEY, "id-1");
            assertThat(sealed.length).as("size " + n).isEqualTo(StreamAead.sealedSize(n));
            assertThat(open(sealed, KEY, "id-1")).as("size " + n).isEqualTo(plain);
        }
    }

    @Test
    void truncationAtASegmentBoundaryIsRefused() throws Exception {
        byte[] sealed = seal(data(3 * SEGMENT_BYTES + 5), KEY, "id-1");
        byte[] cut = Arrays.copyOf(sealed, 2 * (SEGMENT_BYTES + TAG_BYTES)); // two whole segments, final one gone
        InputStream in = StreamAead.decrypt(new ByteArrayInputStream(cut), KEY, "id-1");
        assertThat(in.readNBytes(SEGMENT_BYTES)).hasSize(SEGMENT_BYTES);
        assertThatThrownBy(in::readAllBytes).isInstanceOf(VerifiedVolumesStream.IntegrityException.class)
                .hasMessageContaining("segment 1").hasMessageContaining("failed authentication");
    }

    @Test
    void swappedSegmentsAreRefusedBeforeAnyOfTheirBytes() throws Exception {
        byte[] sealed = seal(data(3 * SEGMENT_BYTES), KEY, "id-1");
        int s = SEGMENT_BYTES + TAG_BYTES;
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, 0, swapped, s, s);
        System.arraycopy(sealed, s, swapped, 0, s);
        InputStream in = StreamAead.decrypt(new ByteArrayInputStream(swapped), KEY, "id-1");
        assertThatThrownBy(in::read).isInstanceOf(VerifiedVolumesStream.IntegrityException.class)
                .hasMessageContaining("segment 0");
    }

    @Test
    void wrongKeyOrOtherStreamIdIsRefusedAtTheFirstSegment() throws Exception {
        byte[] sealed = seal(data(100), KEY, "id-1");
        byte[] other = KEY.clone();
        other[0] ^= 1;
        assertThatThrownBy(() -> open(sealed, other, "id-1")).isInstanceOf(VerifiedVolumesStream.IntegrityException.class);
        assertThatThrownBy(() -> open(sealed, KEY, "id-2")).isInstanceOf(VerifiedVolumesStream.IntegrityException.class);
    }

    @Test
    void dataAppendedAfterTheFinalSegmentIsRefused() throws Exception {
        byte[] sealed = seal(data(SEGMENT_BYTES + 10), KEY, "id-1");
        byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
        assertThatThrownBy(() -> open(longer, KEY, "id-1")).isInstanceOf(VerifiedVolumesStream.IntegrityException.class);
    }

    @Test
    void ciphertextDoesNotContainThePlaintext() throws Exception {
        byte[] marker = "TERRARIUM-MARKER-4f1c".getBytes();
        byte[] plain = new byte[200_000];
        for (int i = 0; i + marker.length < plain.length; i += 1000) {
            System.arraycopy(marker, 0, plain, i, marker.length);
        }
        byte[] sealed = seal(plain, KEY, "id-1");
        assertThat(indexOf(plain, marker)).isZero();
        assertThat(indexOf(sealed, marker)).isEqualTo(-1);
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void recoveryKeyRoundTripsAndBadOnesAreRefusedWithoutEchoingThem() {
        BackupKey k = BackupKey.generate();
        BackupKey back = BackupKey.parse("  " + k.recoveryKey() + "\n");
        assertThat(back.id()).isEqualTo(k.id()).matches("[0-9a-f]{16}");
        assertThat(k.toString()).doesNotContain(k.recoveryKey().substring(BackupKey.PREFIX.length()));
        assertThatThrownBy(() -> BackupKey.parse("hunter2")).hasMessageNotContaining("hunter2")
                .hasMessageContaining(BackupKey.PREFIX);
        assertThatThrownBy(() -> BackupKey.parse(BackupKey.PREFIX + "AAAA")).hasMessageContaining("3 bytes");
    }
}
