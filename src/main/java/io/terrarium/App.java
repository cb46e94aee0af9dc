package io.terrarium;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.terrarium.backup.DatasetResolver;
import io.terrarium.backup.ReplicateJob;
import io.terrarium.backup.SnapshotJob;
import io.terrarium.config.ConfigCodec;
import io.terrarium.config.LxdConfigStore;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.exec.CommandRunner;
import io.terrarium.host.facts.HostFactsJob;
import io.terrarium.host.facts.HostFactsProbe;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdInstances;
import io.terrarium.host.net.LoopbackPorts;
import io.terrarium.host.ufw.Ufw;
import io.terrarium.proxy.sync.ProxyStateStore;
import io.terrarium.proxy.sync.ProxySyncJob;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResultStore;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Wiring: builds the adapters, the store and the jobs from paths and a command runner. The CLI
 * and the daemon share it, so they run the same code against the same host. Tests pass a
 * recording runner or temporary paths.
 */
public final class App {
    private final TerrariumPaths paths;
    private final java.util.function.Supplier<CommandRunner> runnerFactory;
    /** Production wiring: LXD through its unix socket (tests with a recording runner keep `lxc query`). */
    private final boolean runnerIsReal;
    private CommandRunner runner;
    private ObjectMapper json;
    private ConfigCodec codec;
    private LxdClient lxd;
    private ZfsAdapter zfs;
    private String sanoid = System.getProperty("terrarium.sanoid", "sanoid");
    private String syncoid = System.getProperty("terrarium.syncoid", "syncoid");

    /**
     * @param paths  host paths
     * @param runner command seam
     */
    public App(TerrariumPaths paths, CommandRunner runner) {
        this.paths = paths;
        this.runnerFactory = () -> runner;
        this.runnerIsReal = false;
    }

    private App(TerrariumPaths paths, java.util.function.Supplier<CommandRunner> runnerFactory) {
        this.paths = paths;
        this.runnerFactory = runnerFactory;
        this.runnerIsReal = true;
    }

    /**
     * The production wiring: real commands, paths from the environment. Everything is built on
     * first use, so {@code --help} and {@code --version} load neither Camel nor Jackson.
     */
    public static App production() {
        return production(TerrariumPaths.fromEnvironment());
    }

    /**
     * The production wiring on other paths: the daemon's CDS training run
     * ({@code terrariumctl daemon --train-cds}) builds the same objects on a private temporary tree.
     */
    public static App production(TerrariumPaths paths) {
        return new App(paths, (java.util.function.Supplier<CommandRunner>) CamelExecCommandRunner::new);
    }

    /** The JSON mapper used for results, facts, LXD bodies: snake_case, ISO-8601 UTC timestamps. */
    public static ObjectMapper jsonMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    }

    public TerrariumPaths paths() {
        return paths;
    }

    /** The command seam. */
    public synchronized CommandRunner runner() {
        if (runner == null) {
            runner = runnerFactory.get();
        }
        return runner;
    }

    /** Shared JSON mapper (see {@link #jsonMapper()}). */
    public synchronized ObjectMapper json() {
        if (json == null) {
            json = jsonMapper();
        }
        return json;
    }

    /** The configuration YAML codec. */
    public synchronized ConfigCodec codec() {
        if (codec == null) {
            codec = new ConfigCodec(paths.secretsDir().toAbsolutePath().toString());
        }
        return codec;
    }

    /** The local LXD client (plain mapper: LXD's own field names pass through unchanged). */
    public synchronized LxdClient lxd() {
        if (lxd == null) {
            // the local daemon over its unix socket: request bodies never in argv (issue 14 item 6);
            // `lxc query` only where no socket exists (tests with a recording runner, a remote)
            java.nio.file.Path sock = runnerIsReal ? io.terrarium.host.lxd.LxdSocket.locate(System.getenv()) : null;
            lxd = sock != null && java.nio.file.Files.exists(sock)
                    ? LxdClient.overSocket(new io.terrarium.host.lxd.LxdSocket(sock), new ObjectMapper(), Duration.ofSeconds(60))
                    : new LxdClient(runner(), new ObjectMapper(), null, Duration.ofSeconds(60));
        }
        return lxd;
    }

    /** LXD's instance backup import (zfs storage driver restores), on this app's command runner and LXD client. */
    public io.terrarium.host.lxd.LxdBackupImport lxdImport() {
        return new io.terrarium.host.lxd.LxdBackupImport(runner(), lxd());
    }

    /** The zfs adapter (capabilities probed once per process). */
    public synchronized ZfsAdapter zfs() {
        if (zfs == null) {
            zfs = new ZfsAdapter(runner());
        }
        return zfs;
    }

    /** The canonical configuration store in LXD's database. */
    public LxdConfigStore configStore() {
        return new LxdConfigStore(lxd(), codec(), paths.configLock(), new io.terrarium.config.ConfigSignature(paths.secretsDir()));
    }

    /** Where job results are kept. */
    public JobResultStore results() {
        return new JobResultStore(paths.stateDir(), json());
    }

    /** Path of the host facts file. */
    public java.nio.file.Path factsFile() {
        return paths.stateDir().resolve("host-facts.json");
    }

    /**
     * Overrides the sanoid and syncoid executables (default {@code sanoid}/{@code syncoid} on PATH,
     * or the system properties {@code terrarium.sanoid}/{@code terrarium.syncoid}). Tests on the
     * development host use wrappers that put the zfs-fuse compatibility shim on PATH.
     */
    public synchronized App withBackupTools(String sanoidExecutable, String syncoidExecutable) {
        this.sanoid = sanoidExecutable;
        this.syncoid = syncoidExecutable;
        return this;
    }

    /** Instance → dataset resolution for the configured LXD project. */
    public DatasetResolver datasets(TerrariumConfig config) {
        return new DatasetResolver(lxd(), zfs(), config.lxd().project());
    }

    /**
     * Age after which the {@code s3-janitor} aborts an unfinished multipart upload under our prefix:
     * longer than any export is expected to take (case C06: 25 h old is aborted, 1 h old is kept).
     */
    public static final Duration JANITOR_THRESHOLD = Duration.ofHours(24);

    private volatile io.terrarium.s3.ExportProgress exportProgress = io.terrarium.s3.ExportProgress.NONE;
    private java.util.Set<String> exportInstances = java.util.Set.of();

    /**
     * Sets the listener that in-process {@code s3-export} runs tell their progress (the CLI's
     * progress bar); the daemon keeps {@link io.terrarium.s3.ExportProgress#NONE}.
     */
    public App withExportProgress(io.terrarium.s3.ExportProgress listener) {
        this.exportProgress = listener == null ? io.terrarium.s3.ExportProgress.NONE : listener;
        return this;
    }

    private volatile io.terrarium.s3.TransferProgress verifyProgress = io.terrarium.s3.TransferProgress.NONE;

    /**
     * Sets the listener that in-process {@code s3-verify} runs tell the bytes they read back (the
     * CLI's progress bar or lines); the daemon keeps {@link io.terrarium.s3.TransferProgress#NONE}.
     */
    public App withVerifyProgress(io.terrarium.s3.TransferProgress listener) {
        this.verifyProgress = listener == null ? io.terrarium.s3.TransferProgress.NONE : listener;
        return this;
    }

    /** Limits in-process {@code s3-export} runs to these instances ({@code backup export --instance}). */
    public App withExportInstances(java.util.Set<String> names) {
        this.exportInstances = names == null ? java.util.Set.of() : java.util.Set.copyOf(names);
        return this;
    }

    /** Every job the daemon runs, for a given configuration. */
    public List<Job> jobs(TerrariumConfig config) {
        return List.of(new HostFactsJob(new HostFactsProbe(runner(), zfs(), lxd(), config.zfs().pool(), Clock.systemUTC()),
                factsFile(), json(), config.zfs().pool()),
                proxySync(config),
                new SnapshotJob(config, runner(), zfs(), () -> datasets(config).resolveAll(), sanoid,
                        paths.stateDir().resolve("sanoid")),
                new ReplicateJob(config.backups().syncoid(), runner(), () -> datasets(config).resolveAll(), syncoid),
                new io.terrarium.s3.S3JanitorJob(config::s3, config::installationId, paths.runDir().resolve("s3-export.lock"),
                        JANITOR_THRESHOLD, Clock.systemUTC()),
                new io.terrarium.s3.S3ExportJob(config::s3, config::installationId, runner(), zfs(),
                        () -> datasets(config).resolveAll(), io.terrarium.s3.S3ExportJob::s3Target, Clock.systemUTC(),
                        config.s3().chain().maxIncrementals())
                        .maxChainAge(Duration.ofDays(config.s3().chain().maxAgeDays())).progress(exportProgress).only(exportInstances)
                        .lockFile(paths.runDir().resolve("s3-export.lock"))
                        .hostManifest(new io.terrarium.s3.HostManifestWriter(config, codec(), lxd(),
                                io.terrarium.s3.HostManifestWriter::s3Store, Clock.systemUTC())),
                new io.terrarium.s3.S3VerifyJob(config::s3, config::installationId).progress(verifyProgress),
                new io.terrarium.restore.RestoreDrillJob(config::s3, config::installationId, config.zfs().pool(), zfs(),
                        () -> datasets(config).resolveAll(), paths.stateDir(), paths.runDir(), paths.secretsDir(), Clock.systemUTC(), json()));
    }

    /**
     * The {@code proxy-sync} job for a configuration: instances of {@code lxd.project} through
     * {@code lxd.remote}, UFW when {@code proxy.ufw} says so (default: when {@code ufw} is on the
     * PATH), busy ports by bind probe.
     */
    public ProxySyncJob proxySync(TerrariumConfig config) {
        config = appliedConfig().effective(config); // issue 14 item 8: a change stored with --no-apply waits for reconfigure
        LxdClient client = config.lxd().remote().isEmpty() ? lxd()
                : new LxdClient(runner(), new ObjectMapper(), config.lxd().remote(), Duration.ofSeconds(60));
        boolean ufw = config.proxy().ufw() != null ? config.proxy().ufw() : onPath("ufw");
        return new ProxySyncJob(new LxdInstances(client, config.lxd().project()), runner(), ufw ? new Ufw(runner()) : null,
                config, paths.stateDir(), json(), LoopbackPorts::busy).withPublicPortProbe(LoopbackPorts::publicPortBusy);
    }

    /** The configuration the host was last applied with ({@code <stateDir>/applied-config.yaml}; issue 14 item 8). */
    public io.terrarium.config.AppliedConfig appliedConfig() {
        return new io.terrarium.config.AppliedConfig(paths.stateDir(), codec());
    }

    /** Path of the proxy sync state ({@code proxy list}). */
    public ProxyStateStore proxyState() {
        return new ProxyStateStore(paths.stateDir(), json());
    }

    private static boolean onPath(String exe) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String d : path.split(":")) {
            if (!d.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
