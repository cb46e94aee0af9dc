package io.terrarium.host.zstd;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded in-memory pipe between a producer thread (writes) and a consumer (reads) that carries
 * failures: {@link #fail(IOException)} by the producer makes the reader's next read throw that
 * exception instead of reporting EOF, so a failed producer never looks like a complete stream.
 * Memory: at most {@code chunks + 2} chunks of {@code chunkSize} bytes.
 */
final class ChunkPipe {
    private static final byte[] EOF = new byte[0];
    private final BlockingQueue<byte[]> queue;
    private final int chunkSize;
    private volatile IOException failure;
    private volatile boolean readerClosed;
    private final Out out;
    private final In in;

    /** @param chunks queue length @param chunkSize bytes per chunk */
    ChunkPipe(int chunks, int chunkSize) {
        this.queue = new ArrayBlockingQueue<>(chunks);
        this.chunkSize = chunkSize;
        this.out = new Out();
        this.in = new In();
    }

    OutputStream out() {
        return out;
    }

    InputStream in() {
        return in;
    }

    /** Called by the producer when it failed; the reader will see {@code e}. */
    void fail(IOException e) {
        failure = e;
        queue.clear();
        queue.offer(EOF);
    }

    private final class Out extends OutputStream {
        private byte[] buf = new byte[chunkSize];
        private int n;

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            refuseAfterFailure();
            while (len > 0) {
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
                if (n == buf.length) {
                    flushChunk();
                }
            }
        }

        private void flushChunk() throws IOException {
            if (n == 0) {
                return;
            }
            byte[] chunk = n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
            put(chunk);
            buf = new byte[chunkSize];
            n = 0;
        }

        private void put(byte[] chunk) throws IOException {
            try {
                while (!queue.offer(chunk, 200, TimeUnit.MILLISECONDS)) {
                    if (readerClosed) {
                        throw new IOException("reader of the pipe closed");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }

        private void refuseAfterFailure() throws IOException {
            if (failure != null) {
                throw new IOException("pipe failed: " + failure.getMessage());
            }
        }

        @Override
        public void close() throws IOException {
            refuseAfterFailure();
            flushChunk();
            put(EOF);
        }
    }

    private final class In extends InputStream {
        private byte[] cur;
        private int pos;
        private boolean eof;

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (cur == null || pos == cur.length) {
                if (eof) {
                    return end();
                }
                try {
                    cur = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException();
                }
                pos = 0;
                if (cur == EOF) {
                    eof = true;
                    cur = null;
                }
            }
            if (failure != null) {
                throw failure;
            }
            int k = Math.min(len, cur.length - pos);
            System.arraycopy(cur, pos, b, off, k);
            pos += k;
            return k;
        }

        private int end() throws IOException {
            if (failure != null) {
                throw failure;
            }
            return -1;
        }

        @Override
        public void close() {
            readerClosed = true;
            queue.clear();
        }
    }
}
