package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Job {@code s3-janitor}: aborts this installation's orphaned multipart uploads ({@link MultipartJanitor},
 * case C06, issue 13 item 5). Daily by default. The scope is {@code <prefix><installation-id>/}: other
 * installations sharing the prefix are never touched. With the export lock file set, it coordinates
 * with {@code s3-export} through that lock ({@link MultipartJanitor#sweep}): a running export keeps all
 * its uploads (the run is OK and aborts nothing); otherwise every upload in the scope is orphaned,
 * whatever its age. Without a lock file it falls back to the age threshold. OK when S3 exports are
 * disabled (nothing to do); FAILED when the bucket cannot be listed or an abort failed.
 */
public final class S3JanitorJob implements Job {
    /** Job and route id. */
    public static final String ID = "s3-janitor";

    private final Supplier<TerrariumConfig.S3> config;
    private final Supplier<String> installationId;
    private final java.nio.file.Path exportLock;
    private final Duration threshold;
    private final Clock clock;
    private java.util.function.Function<S3Settings, S3Client> clients = s -> {
        try {
            return S3ClientFactory.create(s, 4);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    };

    /**
     * @param config         the current {@code s3} config section (read at each run)
     * @param installationId this installation's id (the scope's folder under the prefix)
     * @param exportLock     the lock file {@code s3-export} holds for its whole run, or {@code null}
     *                       to fall back to {@code threshold}
     * @param threshold      minimum age of an upload to abort when there is no lock file
     * @param clock          time source
     */
    public S3JanitorJob(Supplier<TerrariumConfig.S3> config, Supplier<String> installationId, java.nio.file.Path exportLock,
                        Duration threshold, Clock clock) {
        this.config = config;
        this.installationId = installationId;
        this.exportLock = exportLock;
        this.threshold = threshold;
        this.clock = clock;
    }

    /** Another client source (tests hand in an in-memory S3). */
    S3JanitorJob clients(java.util.function.Function<S3Settings, S3Client> f) {
        this.clients = f;
        return this;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return exportLock != null ? "abort this installation's orphaned S3 multipart uploads (none while an s3-export runs)"
                : "abort this installation's unfinished S3 multipart uploads older than " + threshold.toHours() + " h";
    }

    @Override
    public String defaultSchedule() {
        return "0 17 3 * * ?";
    }

    @Override
    public JobResult run() {
        TerrariumConfig.S3 s3c = config.get();
        if (s3c == null || !s3c.enabled()) {
            return result(JobResult.Status.OK, "S3 exports are disabled; nothing to clean", Map.of());
        }
        S3Settings settings;
        try {
            settings = S3Settings.fromConfig(s3c);
        } catch (IllegalArgumentException e) {
            return result(JobResult.Status.FAILED, e.getMessage(), Map.of());
        }
        String id = installationId.get();
        if (id == null) {
            return result(JobResult.Status.OK, "no installation id yet, so no export ever ran; nothing to clean", Map.of());
        }
        String scope = MultipartJanitor.installationScope(settings.prefix(), id);
        try (S3Client s3 = clients.apply(settings)) {
            MultipartJanitor.Report r = exportLock != null
                    ? MultipartJanitor.sweep(s3, settings.bucket(), scope, exportLock, clock)
                    : new MultipartJanitor(s3, settings.bucket(), scope, threshold, clock).run();
            if (r.skipped() != null) {
                return result(JobResult.Status.OK, r.skipped(), Map.of("scope", scope));
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("scope", scope);
            details.put("aborted", r.aborted().stream().map(MultipartJanitor.Upload::key).toList());
            details.put("kept", r.kept().size());
            details.put("errors", r.errors());
            String summary = "aborted " + r.aborted().size() + " orphaned upload(s), kept " + r.kept().size()
                    + (r.errors().isEmpty() ? "" : ", " + r.errors().size() + " abort(s) failed");
            return result(r.errors().isEmpty() ? JobResult.Status.OK : JobResult.Status.FAILED, summary, details);
        } catch (IOException | java.io.UncheckedIOException | SdkException e) {
            return result(JobResult.Status.FAILED, "cannot clean " + settings.bucket() + "/" + settings.prefix()
                    + ": " + e.getMessage(), Map.of());
        }
    }

    private static JobResult result(JobResult.Status status, String summary, Map<String, Object> details) {
        return new JobResult(ID, status, summary, null, null, 0, null, details);
    }
}
