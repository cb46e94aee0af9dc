package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.console.HawtioConsole;
import io.terrarium.daemon.DaemonInfo;
import io.terrarium.daemon.ManagementCredentials;
import io.terrarium.daemon.TerrariumDaemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl console}: Hawtio, connected to the running daemon, on 127.0.0.1 until
 * Ctrl-C ({@link HawtioConsole}).
 */
@Command(name = "console", description = {
        "Open the Hawtio web console of the running daemon on 127.0.0.1 (routes, diagrams, statistics, jobs).",
        "Runs until Ctrl-C; run it as root. Log in as `terrarium` (operator) or `watcher` (read only); the",
        "passwords are in the root-only management.properties in the secrets directory. Works without internet access."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl console", "  terrariumctl console --port 8090",
                "  ssh -L 8090:127.0.0.1:8090 host sudo terrariumctl console --port 8090",
                "      # then open http://127.0.0.1:8090/hawtio/ on the workstation"})
public final class ConsoleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--port", paramLabel = "PORT", description = "Port on 127.0.0.1 (default: a free one).")
    Integer port;

    @Override
    public Integer call() throws Exception {
        if (port != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("--port " + port + " is outside 1–65535");
        }
        App app = TerrariumCommand.app(spec);
        DaemonInfo d = DaemonInfo.read(app.paths().daemonFile(), app.json());
        if (d == null || !d.alive()) {
            throw new IOException("no running daemon (" + app.paths().daemonFile() + " is missing or its process is gone); "
                    + "start it with `systemctl start terrarium` and retry");
        }
        Path authFile = app.paths().managementAuthFile();
        ManagementCredentials.read(authFile);  // root only: fails early with the file's name
        d.checkListener(app.paths().daemonFile(), "the console"); // the console forwards the credentials: only to the daemon's own listener
        Path lib = hawtioDir();
        PrintWriter out = spec.commandLine().getOut();
        try (HawtioConsole console = HawtioConsole.start(lib.resolve("hawtio-war.war"), lib.resolve("monaco-editor.jar"),
                d.baseUrl() + TerrariumDaemon.JOLOKIA_PATH, authFile, port == null ? 0 : port)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    console.close();
                } catch (Exception ignored) {
                    // exiting
                }
            }, "console-stop"));
            out.println("Hawtio console for the daemon (pid " + d.pid() + "): " + console.url());
            out.println("log in as " + ManagementCredentials.USER + " (operator) or " + ManagementCredentials.VIEWER
                    + " (read only); passwords: " + authFile);
            out.println("Ctrl-C stops the console (the daemon keeps running)");
            out.flush();
            console.join();
        }
        return ExitCodes.OK;
    }

    /**
     * {@code lib/hawtio} of the installation: beside {@code terrarium.jar}, or
     * {@code $TERRARIUM_HAWTIO_DIR} when set (tests from the build tree).
     */
    static Path hawtioDir() throws URISyntaxException {
        String env = System.getenv("TERRARIUM_HAWTIO_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Path jar = Path.of(ConsoleCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return jar.getParent().resolve("hawtio");
    }
}
