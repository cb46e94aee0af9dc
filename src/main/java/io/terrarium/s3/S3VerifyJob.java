package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
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
 * cannot be read.
 */
public final class S3VerifyJob implements Job {
    /** Job and route id. */
    public static final String ID = "s3-verify";

    private final Supplier<TerrariumConfig.S3> config;
    private final Supplier<String> installationId;

    /** @param config the current {@code s3} section (read at each run) @param installationId this installation's id */
    public S3VerifyJob(Supplier<TerrariumConfig.S3> config, Supplier<String> installationId) {
        this.config = config;
        this.installationId = installationId;
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

    /**
     * Verifies one instance, or all when {@code instance} is {@code null}.
     *
     * @return the job result; details hold {@code instances} (rows of {@link S3Verifier.Report#row()}) and {@code errors}
     */
    public JobResult run(String instance) {
        TerrariumConfig.S3 s3c = config.get();
        if (s3c == null || !s3c.enabled()) {
            // the scheduled job is idle; a verification asked for one instance cannot be done: say so, exit 1
            return instance == null ? result(JobResult.Status.OK, "S3 exports are disabled; nothing to verify", Map.of())
                    : result(JobResult.Status.FAILED, "S3 exports are disabled: there is nothing to verify for instance " + instance
                    + " (configure S3 with `terrariumctl set s3 --enable …`)", Map.of());
        }
        String inst = installationId.get();
        if (inst == null) {
            return result(JobResult.Status.FAILED, "the configuration has no installation_id yet", Map.of());
        }
        S3Settings settings;
        try {
            settings = S3Settings.fromConfig(s3c);
        } catch (IllegalArgumentException e) {
            return result(JobResult.Status.FAILED, e.getMessage(), Map.of());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        details.put("instances", rows);
        details.put("errors", errors);
        try (S3Client s3 = S3ClientFactory.create(settings, 2)) {
            S3Catalog catalog = new S3Catalog(s3, settings.bucket(), settings.prefix());
            io.terrarium.s3.crypto.BackupKeys keys = io.terrarium.s3.crypto.BackupKeys
                    .load(io.terrarium.config.TerrariumPaths.fromEnvironment().secretsDir()).orElse(null);
            S3Verifier verifier = new S3Verifier(s3, settings.bucket(), catalog, keys, keys == null
                    ? io.terrarium.s3.crypto.ManifestSeal.Legacy.ACCEPT : io.terrarium.s3.crypto.ManifestSeal.Legacy.REFUSE);
            List<String> names = instance != null ? List.of(instance) : catalog.instances(inst);
            int points = 0;
            long bytes = 0;
            for (String name : names) {
                S3Verifier.Report r = verifier.verify(inst, name);
                rows.add(r.row());
                r.problems().forEach(p -> errors.add(name + ": " + p));
                io.terrarium.events.Events.current().publish(io.terrarium.events.Event.verification(name, r.problems().isEmpty() ? "OK" : "FAILED", name + ": " + r.manifests() + " restore point(s) verified" + (r.problems().isEmpty() ? "" : ", " + r.problems().size() + " problem(s)"), r.row()));
                points += r.manifests();
                bytes += r.bytes();
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
                    List<String> known = catalog.instances(inst);
                    status = JobResult.Status.FAILED;
                    summary = "instance " + instance + " has no S3 restore point of this installation (nothing under "
                            + settings.bucket() + "/" + settings.prefix() + inst + "/" + instance + "/); instances with restore points: "
                            + (known.isEmpty() ? "none" : String.join(", ", known));
                    errors.add(summary);
                }
            }
            return result(status, summary, details);
        } catch (IOException | SdkException e) {
            errors.add("cannot read " + settings.bucket() + "/" + settings.prefix() + ": " + e.getMessage());
            return result(JobResult.Status.FAILED, "cannot read " + settings.bucket() + "/" + settings.prefix() + ": " + e.getMessage(), details);
        }
    }

    private static JobResult result(JobResult.Status status, String summary, Map<String, Object> details) {
        return new JobResult(ID, status, summary, null, null, 0, null, details);
    }
}
