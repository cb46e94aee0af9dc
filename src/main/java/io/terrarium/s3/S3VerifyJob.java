package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.StagedJob;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Job {@code s3-verify} (issue 5, weekly by default): {@link S3Verifier} over every instance this
 * installation exported. OK when every object matches its manifest (or S3 exports are disabled);
 * WARNING when there is nothing to verify yet; FAILED naming each bad object, or when the bucket
 * cannot be read. Steps (route {@code s3-verify}): {@link Run#open()} ({@code read-restore-points}),
 * then {@link Run#verify(String)} per instance ({@code split-instances} → {@code verify-instance}).
 */
public final class S3VerifyJob implements StagedJob<S3VerifyJob.Run> {
    /** Job and route id. */
    public static final String ID = "s3-verify";

    private final Supplier<TerrariumConfig.S3> config;
    private final Supplier<String> installationId;

    /** @param config the current {@code s3} section (read at each run) @param installationId this installation's id */
    public S3VerifyJob(Supplier<TerrariumConfig.S3> config, Supplier<String> installationId) {
        this.config = config;
        this.installationId = installationId;
    }

    private volatile TransferProgress progress = TransferProgress.NONE;

    /**
     * The listener told about the stored bytes each instance's verification reads (the CLI's
     * progress bar or lines; default {@link TransferProgress#NONE}).
     *
     * @return this
     */
    public S3VerifyJob progress(TransferProgress listener) {
        this.progress = listener == null ? TransferProgress.NONE : listener;
        return this;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "re-read every S3 restore point and check each object's size and SHA-256 against its manifest";
    }

    /** Sundays 03:00 (quartz). */
    @Override
    public String defaultSchedule() {
        return "0 0 3 ? * SUN";
    }

    @Override
    public JobResult run() {
        return run(null);
    }

    @Override
    public Run newRun() {
        return new Run(null);
    }

    /**
     * Verifies one instance, or all when {@code instance} is {@code null} (the route's steps in order).
     *
     * @return the job result; details hold {@code instances} (rows of {@link S3Verifier.Report#row()}) and {@code errors}
     */
    public JobResult run(String instance) {
        try (Run r = new Run(instance)) {
            for (String name : r.open()) {
                r.verify(name);
            }
            return r.result();
        }
    }

    /**
     * One verification run. Holds an S3 client from {@link #open()} until {@link #close()} (the route
     * closes it when the exchange completes). A bucket that cannot be read ends the run FAILED; the
     * instances not verified yet are skipped.
     */
    public final class Run implements StagedJob.Run, AutoCloseable {
        private final String instance;
        private final Map<String, Object> details = new LinkedHashMap<>();
        private final List<Map<String, Object>> rows = new ArrayList<>();
        private final List<String> errors = new ArrayList<>();
        private JobResult done;
        private String inst;
        private S3Settings settings;
        private S3Client s3;
        private S3Catalog catalog;
        private S3Verifier verifier;
        private List<String> names = List.of();
        private int points;
        private long bytes;

        private Run(String instance) {
            this.instance = instance;
            details.put("instances", rows);
            details.put("errors", errors);
        }

        /**
         * Step {@code read-restore-points}: checks the configuration, opens the S3 client and lists
         * the instances to verify (the one asked for, or every instance of this installation).
         *
         * @return the instance names, empty when the run already has its result (S3 disabled, bad
         *         settings, unreadable bucket)
         */
        public List<String> open() {
            TerrariumConfig.S3 s3c = config.get();
            if (s3c == null || !s3c.enabled()) {
                // the scheduled job is idle; a verification asked for one instance cannot be done: say so, exit 1
                done = instance == null ? S3VerifyJob.result(JobResult.Status.OK, "S3 exports are disabled; nothing to verify", Map.of())
                        : S3VerifyJob.result(JobResult.Status.FAILED, "S3 exports are disabled: there is nothing to verify for instance " + instance
                        + " (configure S3 with `terrariumctl set s3 --enable …`)", Map.of());
                return names;
            }
            inst = installationId.get();
            if (inst == null) {
                done = S3VerifyJob.result(JobResult.Status.FAILED, "the configuration has no installation_id yet", Map.of());
                return names;
            }
            try {
                settings = S3Settings.fromConfig(s3c);
            } catch (IllegalArgumentException e) {
                done = S3VerifyJob.result(JobResult.Status.FAILED, e.getMessage(), Map.of());
                return names;
            }
            try {
                s3 = S3ClientFactory.create(settings, 2);
                catalog = new S3Catalog(s3, settings.bucket(), settings.prefix());
                io.terrarium.s3.crypto.BackupKeys keys = io.terrarium.s3.crypto.BackupKeys
                        .load(io.terrarium.config.TerrariumPaths.fromEnvironment().secretsDir()).orElse(null);
                verifier = new S3Verifier(s3, settings.bucket(), catalog, keys, keys == null
                        ? io.terrarium.s3.crypto.ManifestSeal.Legacy.ACCEPT : io.terrarium.s3.crypto.ManifestSeal.Legacy.REFUSE)
                        .withProgress(progress);
                names = instance != null ? List.of(instance) : catalog.instances(inst);
            } catch (IOException | SdkException e) {
                unreadable(e);
            }
            return names;
        }

        /** Step {@code verify-instance}: every restore point of one instance re-read and checked; publishes a verification event. */
        public void verify(String name) {
            if (done != null) {
                return;
            }
            try {
                S3Verifier.Report r = verifier.verify(inst, name);
                rows.add(r.row());
                r.problems().forEach(p -> errors.add(name + ": " + p));
                io.terrarium.events.Events.current().publish(io.terrarium.events.Event.verification(name, r.problems().isEmpty() ? "OK" : "FAILED", name + ": " + r.manifests() + " restore point(s) verified" + (r.problems().isEmpty() ? "" : ", " + r.problems().size() + " problem(s)"), r.row()));
                points += r.manifests();
                bytes += r.bytes();
            } catch (IOException | SdkException e) {
                unreadable(e);
            }
        }

        private void unreadable(Exception e) {
            errors.add("cannot read " + settings.bucket() + "/" + settings.prefix() + ": " + e.getMessage());
            done = S3VerifyJob.result(JobResult.Status.FAILED, "cannot read " + settings.bucket() + "/" + settings.prefix() + ": " + e.getMessage(), details);
        }

        @Override
        public JobResult result() {
            if (done != null) {
                return done;
            }
            String summary = points + " restore point(s) of " + names.size() + " instance(s) verified, " + bytes + " bytes read"
                    + (errors.isEmpty() ? "" : "; " + errors.size() + " problem(s): " + String.join("; ", errors));
            JobResult.Status status = !errors.isEmpty() ? JobResult.Status.FAILED
                    : points == 0 ? JobResult.Status.WARNING : JobResult.Status.OK;
            if (points == 0 && errors.isEmpty()) {
                summary = "no restore point to verify under " + settings.bucket() + "/" + settings.prefix() + inst + "/"
                        + (instance == null ? "" : instance + "/");
                if (instance != null) {
                    // a named instance without restore points is an error (a typo must not read as "verified")
                    List<String> known;
                    try {
                        known = catalog.instances(inst);
                    } catch (IOException | SdkException e) {
                        unreadable(e);
                        return done;
                    }
                    status = JobResult.Status.FAILED;
                    summary = "instance " + instance + " has no S3 restore point of this installation (nothing under "
                            + settings.bucket() + "/" + settings.prefix() + inst + "/" + instance + "/); instances with restore points: "
                            + (known.isEmpty() ? "none" : String.join(", ", known));
                    errors.add(summary);
                }
            }
            return S3VerifyJob.result(status, summary, details);
        }

        /** Closes the S3 client (idempotent). */
        @Override
        public void close() {
            if (s3 != null) {
                s3.close();
                s3 = null;
            }
        }
    }

    private static JobResult result(JobResult.Status status, String summary, Map<String, Object> details) {
        return new JobResult(ID, status, summary, null, null, 0, null, details);
    }
}
