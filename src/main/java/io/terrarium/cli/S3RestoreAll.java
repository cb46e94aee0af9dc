package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.restore.RestoreException;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdEditor;
import io.terrarium.restore.HostRestoreService;
import io.terrarium.s3.S3Catalog;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.restore.S3RestoreService;
import io.terrarium.restore.S3Restorer;
import io.terrarium.s3.S3Settings;
import io.terrarium.s3.ExportKeys;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --source s3 --all} branch of {@link BackupRestoreCommand}: plan, confirm, execute
 * ({@link HostRestoreService}), then a summary with per-instance and total times. Exit 0 when every
 * instance came back, 1 when planning failed (nothing changed) or an instance failed, 2 without a
 * terminal and without {@code --yes} (the exact command is printed).
 */
final class S3RestoreAll {
    private final BackupRestoreCommand cmd;

    S3RestoreAll(BackupRestoreCommand cmd) {
        this.cmd = cmd;
    }

    int call() {
        App app = TerrariumCommand.app(cmd.spec);
        PrintWriter out = cmd.spec.commandLine().getOut();
        PrintWriter err = cmd.spec.commandLine().getErr();
        TerrariumConfig config = app.configStore().load().config();
        S3Settings settings;
        try {
            settings = S3Lists.settings(config);
        } catch (IllegalArgumentException e) {
            return fail(err, e.getMessage());
        }
        String where = "s3://" + settings.bucket() + "/" + settings.prefix();
        try (S3Client s3 = S3ClientFactory.create(settings, 4)) {
            S3Catalog catalog = new S3Catalog(s3, settings.bucket(), settings.prefix());
            S3Restorer restorer = S3Restorer.forHost(s3, settings.bucket(), app.paths().secretsDir(), cmd.acceptUnauthenticated)
                    .withProgress(ProgressDisplay.forThisProcess(err)); // per instance: a bar on a terminal, lines on a pipe
            HostRestoreService service = new HostRestoreService(app.lxd(), new LxdEditor(app.runner(), app.lxd()), app.zfs(),
                    manifests(s3, settings), catalog, restorer,
                    project -> new S3RestoreService(app.lxd(), app.zfs(), new io.terrarium.backup.DatasetResolver(app.lxd(), app.zfs(), project),
                            project, app.paths().runDir(), catalog, restorer, config.installationId(), where, Clock.systemUTC(),
                            app.lxdImport()).localParent(config.zfs().containersDataset()).trustConfig(cmd.trustConfig),
                    project -> new io.terrarium.backup.DatasetResolver(app.lxd(), app.zfs(), project),
                    config.installationId(), where).localParent(config.zfs().containersDataset())
                    .trustConfig(cmd.trustConfig).configTarget(configTarget(app));
            HostRestoreService.Plan plan;
            try {
                plan = service.plan(cmd.installation, cmd.which == null ? null : cmd.which.at, cmd.force, cmd.parentDataset,
                        cmd.hostManifest);
            } catch (RestoreException e) {
                return fail(err, e.getMessage());
            }
            plan.describe().forEach(out::println);
            out.flush();
            String exact = cmd.trustConfig ? plan.exactCommand().replace(" --yes", " --trust-config --yes") : plan.exactCommand();
            Integer refused = cmd.confirm(exact);
            if (refused != null) {
                return refused;
            }
            HostRestoreService.Summary summary;
            try {
                // proxy sync renders routes with the configuration as it is now (the old host's domains applied)
                summary = service.execute(plan, () -> app.proxySync(app.configStore().load().config()).run().summary(), line -> {
                    out.println(line);
                    out.flush();
                });
            } catch (RestoreException e) {
                return fail(err, e.getMessage());
            }
            out.println("summary (installation " + plan.installationId() + "):");
            for (HostRestoreService.InstanceResult r : summary.instances()) {
                out.printf("  %-24s %8.1f s  %-8s %s%n", r.name(), r.millis() / 1000.0, r.running() ? "running" : "stopped", r.outcome());
            }
            out.println("  proxy sync: " + summary.proxySync());
            out.printf("  total: %d instance(s) in %.1f s%n", summary.instances().size(), summary.totalMillis() / 1000.0);
            out.flush();
            if (!summary.ok()) {
                err.println("ERROR: not every instance came back; fix the cause and run the same command again (restored ones are skipped):");
                err.println("  " + exact);
                err.flush();
                return ExitCodes.FAILURE;
            }
            return ExitCodes.OK;
        } catch (SdkException | IOException e) {
            return fail(err, "S3 failed: " + e.getMessage());
        }
    }

    /** This host's signed configuration store as the target of the old host's configuration. */
    static HostRestoreService.ConfigTarget configTarget(App app) {
        io.terrarium.config.LxdConfigStore store = app.configStore();
        return new HostRestoreService.ConfigTarget() {
            @Override
            public String document() {
                return store.readDocument();
            }

            @Override
            public void validate(String yaml) {
                app.codec().parse(yaml, "the old host's configuration merged into this host's");
            }

            @Override
            public void store(String yaml) {
                TerrariumConfig next = app.codec().parse(yaml, "the old host's configuration merged into this host's");
                store.update(current -> next);
            }

            @Override
            public String describe() {
                return store.describe();
            }
        };
    }

    private static int fail(PrintWriter err, String msg) {
        err.println("ERROR: " + msg);
        err.flush();
        return ExitCodes.FAILURE;
    }

    /** Host manifests in the bucket under the configured prefix ({@link ExportKeys#hostManifestDir}). */
    static HostRestoreService.Manifests manifests(S3Client s3, S3Settings settings) {
        String bucket = settings.bucket();
        String prefix = settings.prefix();
        return new HostRestoreService.Manifests() {
            @Override
            public List<String> installations() throws IOException {
                List<String> out = new ArrayList<>();
                for (String inst : new S3Catalog(s3, bucket, prefix).installations()) {
                    if (!keys(inst).isEmpty()) {
                        out.add(inst);
                    }
                }
                return out;
            }

            @Override
            public List<String> keys(String installationId) throws IOException {
                String dir = new ExportKeys(prefix, installationId).hostManifestDir();
                try {
                    return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(dir)).contents().stream().map(S3Object::key)
                            .filter(k -> k.endsWith(".json") && k.indexOf('/', dir.length()) < 0).sorted().toList();
                } catch (SdkException e) {
                    throw new IOException("cannot list " + dir + ": " + e.getMessage(), e);
                }
            }

            @Override
            public byte[] read(String key) throws IOException {
                try {
                    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
                } catch (SdkException e) {
                    throw new IOException("cannot read " + key + ": " + e.getMessage(), e);
                }
            }
        };
    }
}
