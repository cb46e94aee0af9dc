package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl config check [FILE | --file PATH]}: validates a configuration file without
 * storing it. {@code --file} is the spelling {@code config import} and {@code config export} use;
 * both spellings at once are a usage error (exit 2).
 */
@Command(name = "check", description = {"Validate a configuration file without storing it.",
        "Prints every problem with its line or key; exit 1 when there is one.",
        "Warns (stderr, exit 0) about a value read otherwise than written: daemon.management_port 8765 is read as 876."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl config check", "  terrariumctl config check config/samples/minimal.yaml",
                "  terrariumctl config check --file /root/new-config.yaml"})
public final class ConfigCheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "File to check (default: /etc/terrarium/config.yaml).")
    Path file;

    @Option(names = "--file", paramLabel = "PATH", description = "The same as FILE, as `config import` and `config export` spell it.")
    Path fileOption;

    /**
     * Hidden: the launcher's AppCDS training run ({@code dist/bin/terrariumctl}, train_cli_archive)
     * also loads what {@code backup export/restore} need ({@link CdsTraining}: no network, no host change).
     */
    @Option(names = "--cds-training", hidden = true, description = "Also load the classes of backup export/restore (the launcher's class-data training).")
    boolean cdsTraining;

    @Override
    public Integer call() throws Exception {
        if (file != null && fileOption != null) {
            throw new ParameterException(spec.commandLine(), "give the file once: either FILE or --file PATH, not both");
        }
        App app = TerrariumCommand.app(spec);
        Path source = file != null ? file : fileOption != null ? fileOption : app.paths().configFile();
        String text = ConfigFiles.read(source);
        try {
            app.codec().parse(text, source.toString());
        } catch (ConfigException e) {
            e.problems().forEach(p -> spec.commandLine().getErr().println("ERROR: " + p));
            return ExitCodes.FAILURE;
        }
        app.codec().warnings(text, source.toString()).forEach(w -> spec.commandLine().getErr().println("WARNING: " + w));
        // the file name is the user's, but may hold control characters: never raw to the terminal
        spec.commandLine().getOut().println(ConfigException.printable(source.toString()) + ": valid");
        if (cdsTraining) {
            CdsTraining.Result r = CdsTraining.run(app);
            spec.commandLine().getOut().println("cds training: " + r.requests() + " S3 requests stopped before sending, "
                    + r.classes() + " classes loaded");
        }
        return ExitCodes.OK;
    }
}
