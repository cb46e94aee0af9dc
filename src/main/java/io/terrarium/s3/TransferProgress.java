package io.terrarium.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalLong;

/**
 * Listener for bytes read back from S3 — an S3 restore ({@code backup restore --source s3}) and a
 * verification ({@code backup verify}, job {@code s3-verify}); {@link ExportProgress} is the one of
 * an export. The counted bytes are the stored (compressed, encrypted) bytes as the bucket holds
 * them, so the total comes from the manifests' volume sizes and the ETA is exact. Called from the
 * reading thread; implementations must be thread-safe all the same.
 */
public interface TransferProgress {
    /** A listener that ignores everything. */
    TransferProgress NONE = new TransferProgress() {
    };

    /**
     * A transfer starts.
     *
     * @param what  what moves, for humans: {@code "web restore"}, {@code "web verify"}
     * @param total stored bytes it will read, when known
     */
    default void start(String what, OptionalLong total) {
    }

    /** {@code bytes} more stored bytes were read. */
    default void moved(long bytes) {
    }

    /** The transfer ended ({@code ok}: every byte read and accepted). */
    default void finish(boolean ok) {
    }

    /** {@code in}, telling {@code progress} about every byte read through it. */
    static InputStream counting(InputStream in, TransferProgress progress) {
        if (progress == NONE) {
            return in;
        }
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    progress.moved(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) {
                    progress.moved(n);
                }
                return n;
            }
        };
    }
}
