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
 * Job {@code s3-janitor}: aborts unfinished multipart uploads under the configured prefix older than
 * the threshold ({@link MultipartJanitor}, case C06). Daily by default. OK when S3 exports are
 * disabled (nothing to do); FAILED when the bucket cannot be listed or an abort failed.
 */
public final class S3JanitorJob implements Job {
    /** Job and route id. */
    public static final String ID = "s3-janitor";

    private final Supplier<TerrariumConfig.S3> config;
    private final Duration threshold;
    private final Clock clock;

    /**
     * @param config    the current {@code s3} config section (read at each run)
     * @param threshold minimum age of an upload to abort (longer than the longest expected export)
     * @param clock     time source
     */
    public S3JanitorJob(Supplier<TerrariumConfig.S3> config, Duration threshold, Clock clock) {
        this.config = config;
        this.threshold = threshold;
        this.clock = clock;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "abort unfinished S3 multipart uploads under our prefix older than " + threshold.toHours() + " h";
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
        try (S3Client s3 = S3ClientFactory.create(settings, 4)) {
            MultipartJanitor.Report r = new MultipartJanitor(s3, settings.bucket(), settings.prefix(), threshold, clock).run();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("aborted", r.aborted().stream().map(MultipartJanitor.Upload::key).toList());
            details.put("kept", r.kept().size());
            details.put("errors", r.errors());
            String summary = "aborted " + r.aborted().size() + " orphaned upload(s), kept " + r.kept().size()
                    + (r.errors().isEmpty() ? "" : ", " + r.errors().size() + " abort(s) failed");
            return result(r.errors().isEmpty() ? JobResult.Status.OK : JobResult.Status.FAILED, summary, details);
        } catch (IOException | SdkException e) {
            return result(JobResult.Status.FAILED, "cannot clean " + settings.bucket() + "/" + settings.prefix()
                    + ": " + e.getMessage(), Map.of());
        }
    }

    private static JobResult result(JobResult.Status status, String summary, Map<String, Object> details) {
        return new JobResult(ID, status, summary, null, null, 0, null, details);
    }
}
