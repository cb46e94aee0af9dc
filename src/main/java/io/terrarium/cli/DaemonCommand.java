package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.ConfigException;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.daemon.TerrariumDaemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code terrariumctl daemon}: runs the host helper jobs as Camel routes until stopped. */
@Command(name = "daemon", description = {
        "Run the host helpers as Camel routes on their schedules (systemd runs this).",
        "Serves /observe/health (open), /observe/metrics, /observe/info and /observe/jolokia (management login)",
        "on 127.0.0.1:876, a privileged port no local user can take first (Hawtio can attach to Jolokia).",
        "Answers `status`, `jobs list`, `backup list --source local`, job triggers (`jobs run`, `proxy sync`,",
        "`backup export|verify|snapshot|replicate`) and `backup restore --source s3 --instance NAME --yes`",
        "for the CLI on /run/terrarium/cli/cli.sock (root only).",
        "Refuses to start when the stored configuration is invalid."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl daemon", "  terrariumctl daemon --port 877",
                "  curl -s http://127.0.0.1:876/observe/health"})
public final class DaemonCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--port", paramLabel = "PORT", description = "Management port (overrides daemon.management_port; an unprivileged one only with a warning, for tests).")
    Integer port;

    /**
     * Hidden: the AppCDS training run the launcher starts for {@code terrariumctl daemon --train-cds}
     * at install/update ({@link io.terrarium.daemon.DaemonCdsTraining}; docs/architecture.md, "Class-data sharing").
     */
    @Option(names = "--train-cds", hidden = true, description = "Start and stop the daemon on private temporary directories, running no job (AppCDS training run; the launcher records the archive).")
    boolean trainCds;

    @Override
    public Integer call() throws Exception {
        if (trainCds) {
            if (port != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--train-cds picks its own ephemeral port; drop --port");
            }
            io.terrarium.daemon.DaemonCdsTraining.run(spec.commandLine().getOut());
            return ExitCodes.OK;
        }
        App app = TerrariumCommand.app(spec);
        TerrariumConfig config;
        try {
            config = app.configStore().load().config();
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("ERROR: refusing to start: the stored configuration is invalid");
            throw e;
        }
        if (port != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("--port " + port + " is outside 1–65535");
        }
        // the CLI socket answers only clients of this very build: identify it before an update can replace the jar
        String build = io.terrarium.cli.served.ServedProtocol.buildId();
        new TerrariumDaemon(app, config, port)
                .withCliSocket(() -> io.terrarium.cli.served.ServedCommands.start(app, build, System.getenv()))
                .run();
        return ExitCodes.OK;
    }
}
