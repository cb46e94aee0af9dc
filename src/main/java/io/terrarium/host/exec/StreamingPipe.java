package io.terrarium.host.exec;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Two commands joined by a kernel pipe, {@code source | filter} (e.g. {@code zfs send … | zstd}),
 * whose filter's stdout is consumed as a stream: the bytes between the two never pass through this
 * JVM ({@link ProcessBuilder#startPipeline}). Each stage is a {@link StreamingProcess}: its stderr is
 * drained into its own tail, its timeout kills it, {@link #close()} kills both.
 *
 * <p>{@link #stdout()} reports end of stream only after <em>both</em> exited with an accepted code.
 * A source that fails mid-stream (e.g. {@code zfs send} exiting 1) leaves the filter a clean end of
 * its input, so the filter's output ends well-formed: the reader still gets a
 * {@link StreamingProcess.ProcessFailedIOException} with the source's exit code and stderr instead of
 * the end. When the filter fails, its failure is thrown (the source's, typically a broken pipe, is
 * attached as suppressed).
 */
public final class StreamingPipe implements AutoCloseable {
    private final StreamingProcess source;
    private final StreamingProcess filter;
    private final InputStream stdout;

    private StreamingPipe(StreamingProcess source, StreamingProcess filter, InputStream filterStdout) {
        this.source = source;
        this.filter = filter;
        this.stdout = new StreamingProcess.VerifiedEnd(filterStdout, this::verifyExits);
    }

    /**
     * Starts {@code source | filter}; the source's stdin is closed, the filter's stdin is the pipe.
     * The commands' own {@link Command#stdin()} must be {@code null}.
     *
     * @throws CommandFailedException when an executable cannot be started (nothing is left running)
     */
    public static StreamingPipe start(Command source, Command filter) {
        if (source.stdin() != null || filter.stdin() != null) {
            throw new IllegalArgumentException("a pipeline's stages take no stdin bytes");
        }
        List<Process> ps;
        try {
            ps = ProcessBuilder.startPipeline(List.of(new ProcessBuilder(source.argv()), new ProcessBuilder(filter.argv())));
        } catch (IOException e) {
            // "Cannot run program "zfs": …" names the stage that could not start
            String m = String.valueOf(e.getMessage());
            Command failed = m.contains('"' + source.argv().get(0) + '"') ? source : filter;
            throw new CommandFailedException(failed, -1, e.getMessage(), false, e);
        }
        StreamingProcess s = null;
        try {
            s = new StreamingProcess(source, ps.get(0), false);
            StreamingProcess f = new StreamingProcess(filter, ps.get(1), true);
            return new StreamingPipe(s, f, ps.get(1).getInputStream());
        } catch (IOException e) {
            if (s != null) {
                s.close();
            }
            ps.forEach(Process::destroyForcibly);
            throw new CommandFailedException(source, -1, e.getMessage(), false, e);
        }
    }

    /** The filter's stdout; EOF only after both stages exited well (see class doc). */
    public InputStream stdout() {
        return stdout;
    }

    /** The source stage (its pid, its stderr tail). */
    public StreamingProcess source() {
        return source;
    }

    /** The filter stage (its pid, its stderr tail). */
    public StreamingProcess filter() {
        return filter;
    }

    /** Kills both stages if they still run. Idempotent. */
    @Override
    public void close() {
        filter.close();
        source.close();
    }

    /** Both stages' exits, the filter's failure first (see class doc). */
    private void verifyExits() throws IOException {
        StreamingProcess.ProcessFailedIOException filterFailed = null;
        StreamingProcess.ProcessFailedIOException sourceFailed = null;
        try {
            filter.verifyExit();
        } catch (StreamingProcess.ProcessFailedIOException e) {
            filterFailed = e;
        }
        try {
            source.verifyExit();
        } catch (StreamingProcess.ProcessFailedIOException e) {
            sourceFailed = e;
        }
        if (filterFailed != null) {
            if (sourceFailed != null) {
                filterFailed.addSuppressed(sourceFailed);
            }
            throw filterFailed;
        }
        if (sourceFailed != null) {
            throw sourceFailed;
        }
    }
}
