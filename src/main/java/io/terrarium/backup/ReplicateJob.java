package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandResult;
import io.terrarium.host.exec.CommandRunner;
import io.terrarium.host.sanoid.Syncoid;
import io.terrarium.jobs.StagedJob;
import io.terrarium.jobs.JobResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Job {@code replicate} (hourly): when {@code backups.syncoid.enabled}, runs syncoid once per
 * container dataset to {@code <target>:<target_dataset>/<leaf>} over SSH with the configured key
 * (argv in {@link Syncoid}). Datasets run one after the other; each outcome is classified and the
 * run aggregated by {@link ReplicationReport} (case C09).
 */
public final class ReplicateJob implements StagedJob<ReplicateJob.Run> {
    /** Job and route id. */
    public static final String ID = "replicate";
    private static final Logger LOG = LoggerFactory.getLogger(ReplicateJob.class);

    private final TerrariumConfig.Syncoid settings;
    private final CommandRunner runner;
    private final Supplier<List<InstanceDataset>> instances;
    private final String syncoid;

    /**
     * @param settings  syncoid settings
     * @param runner    command seam
     * @param instances instance → dataset resolution
     * @param syncoid   syncoid executable
     */
    public ReplicateJob(TerrariumConfig.Syncoid settings, CommandRunner runner, Supplier<List<InstanceDataset>> instances,
                        String syncoid) {
        this.settings = settings;
        this.runner = runner;
        this.instances = instances;
        this.syncoid = syncoid;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "syncoid replication of every container dataset to the configured target over SSH";
    }

    @Override
    public String defaultSchedule() {
        return "0 5 * * * ?";
    }

    /** The command for one dataset (for logs and tests). */
    public Command command(InstanceDataset i) {
        return Syncoid.replicate(syncoid, i.dataset(), settings.target(), target(i), settings.sshKey(),
                settings.sshPort(), settings.knownHosts(), Duration.ofHours(6));
    }

    private String target(InstanceDataset i) {
        return settings.targetDataset() + "/" + i.leaf();
    }

    @Override
    public JobResult run() {
        Run r = newRun();
        r.readDatasets();
        r.datasets().forEach(r::replicate);
        return r.result();
    }

    @Override
    public Run newRun() {
        return new Run();
    }

    /**
     * One replication run (the steps of route {@code replicate}): {@link #readDatasets}, then per
     * dataset ({@link #datasets()}, split) {@link #replicate}, then {@link #result}.
     */
    public final class Run implements StagedJob.Run {
        private final List<ReplicationReport.Row> rows = new java.util.concurrent.CopyOnWriteArrayList<>();
        private List<InstanceDataset> datasets = List.of();
        private boolean disabled;

        private Run() {
        }

        /** Step {@code read-replica-datasets}: the container datasets (nothing when replication is disabled). */
        public void readDatasets() {
            if (!settings.enabled()) {
                disabled = true;
                return;
            }
            datasets = List.copyOf(instances.get());
        }

        /** The datasets of this run, in order; the route splits on them. */
        public List<InstanceDataset> datasets() {
            return datasets;
        }

        /** Step {@code syncoid}: one dataset to its target; the outcome is classified, never thrown. */
        public void replicate(InstanceDataset i) {
            if (!i.resolved()) {
                rows.add(new ReplicationReport.Row(i.instance(), null, null, null, i.problem(), null, 0));
                return;
            }
            Command c = command(i);
            long t0 = System.nanoTime();
            Syncoid.Result res;
            try {
                CommandResult r = runner.run(c);
                res = Syncoid.classify(r.exitCode(), r.stdout() + "\n" + r.stderrTail(), settings.target(), target(i));
            } catch (CommandFailedException e) {
                res = e.timedOut() ? new Syncoid.Result(Syncoid.Outcome.FAILED, "syncoid timed out after "
                        + c.timeout().toHours() + " h", null)
                        : Syncoid.classify(e.exitCode(), e.stderrTail(), settings.target(), target(i));
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            LOG.info("replicate {} ({} → {}:{}): {} in {} ms{}", i.instance(), i.dataset(), settings.target(), target(i),
                    res.outcome(), ms, res.reason() == null ? "" : ": " + res.reason());
            rows.add(new ReplicationReport.Row(i.instance(), i.dataset(), target(i), res.outcome(), res.reason(), res.hint(), ms));
        }

        @Override
        public JobResult result() {
            if (disabled) {
                return new JobResult(ID, JobResult.Status.OK, "replication is disabled (terrariumctl set syncoid --enable …)",
                        null, null, 0, null, Map.of("enabled", false));
            }
            return ReplicationReport.aggregate(ID, List.copyOf(rows));
        }
    }
}
