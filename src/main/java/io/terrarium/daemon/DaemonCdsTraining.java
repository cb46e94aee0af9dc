package io.terrarium.daemon;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResultStore;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The daemon's class-data-sharing training run ({@code terrariumctl daemon --train-cds}, issue 16
 * item 4): starts the daemon as {@code terrariumctl daemon} does — the same CamelContext, every job
 * route and its scheduler route, the management server, Jolokia, metrics, the CLI socket — until its
 * health endpoint answers 200, then stops it, so that the JVM's {@code -XX:ArchiveClassesAtExit}
 * (set by the launcher, which renames the archive into place) records the classes of a daemon start.
 *
 * <p>It leaves the host alone: the configuration is the defaults (the stored one lives in LXD's
 * database, which is not read), every job is paused before the context starts (the scheduler
 * routes run to their {@code <id>-unless-paused} step and skip, as under {@code jobs pause}), and
 * every file — run, state, etc and secrets directories, the management login, the CLI socket,
 * Camel's CLI connector directory ({@code user.home/.camel}), Vert.x's file cache
 * ({@code java.io.tmpdir}) — lives in a private temporary directory removed afterwards. The management server binds an ephemeral port on 127.0.0.1.
 */
public final class DaemonCdsTraining {
    /** How long the daemon may take to report health UP before the training run fails, in seconds. */
    public static final int HEALTH_TIMEOUT_SECONDS = 180;
    /**
     * System property: milliseconds the trained daemon keeps running after health UP before it
     * stops (default 0). Tests set it (through {@code JAVA_TOOL_OPTIONS}) to see scheduler fires skipped.
     */
    public static final String HOLD_PROPERTY = "terrarium.cds.training.hold.millis";

    private DaemonCdsTraining() {
    }

    /**
     * Runs the training start and stop.
     *
     * @param out where the one-line outcome goes
     * @throws Exception when the daemon does not start or its health never reaches UP (the launcher
     *                   then keeps no archive)
     */
    public static void run(PrintWriter out) throws Exception {
        Path tmp = Files.createTempDirectory("terrarium-cds-training-");
        String home = System.getProperty("user.home");
        String tmpdir = System.getProperty("java.io.tmpdir");
        try {
            TerrariumPaths paths = paths(tmp);
            for (Path d : new Path[]{paths.etcDir(), paths.secretsDir(), paths.runDir(), paths.stateDir(), tmp.resolve("home"),
                    tmp.resolve("tmp")}) {
                Files.createDirectories(d);
            }
            // camel-cli-connector writes <user.home>/.camel/<pid>.json while the context runs
            System.setProperty("user.home", tmp.resolve("home").toString());
            // Vert.x's file cache (vertx-cache/) and anything else read later from java.io.tmpdir
            System.setProperty("java.io.tmpdir", tmp.resolve("tmp").toString());
            App app = App.production(paths);
            TerrariumConfig config = TerrariumConfig.defaults();
            JobResultStore results = app.results();
            for (Job job : app.jobs(config)) {
                results.pause(job.id());
            }
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("TERRARIUM_RUN_DIR", paths.runDir().toString());
            env.put("TERRARIUM_STATE_DIR", paths.stateDir().toString());
            env.put("TERRARIUM_ETC_DIR", paths.etcDir().toString());
            env.put("TERRARIUM_SECRETS_DIR", paths.secretsDir().toString());
            String build = io.terrarium.cli.served.ServedProtocol.buildId();
            long t0 = System.nanoTime();
            new TerrariumDaemon(app, config, freeLoopbackPort())
                    .trainingRun()
                    .withCliSocket(() -> io.terrarium.cli.served.ServedCommands.start(app, build, env))
                    .run();
            out.println("daemon training run: health UP after " + (System.nanoTime() - t0) / 1_000_000 + " ms, stopped; no job ran");
            out.flush();
        } finally {
            System.setProperty("user.home", home);
            System.setProperty("java.io.tmpdir", tmpdir);
            deleteTree(tmp);
        }
    }

    /** The private tree of a training run: {@code etc/}, {@code etc/secrets/}, {@code run/}, {@code state/} under {@code tmp}. */
    static TerrariumPaths paths(Path tmp) {
        Path etc = tmp.resolve("etc");
        return new TerrariumPaths(etc, etc.resolve("secrets"), tmp.resolve("run"), tmp.resolve("state"));
    }

    /** A port the kernel just handed out on 127.0.0.1 (free unless another process takes it in between). */
    static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover in the temporary directory is harmless; the archive does not depend on it
        }
    }
}
