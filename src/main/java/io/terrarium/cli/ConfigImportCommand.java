package io.terrarium.cli;

import io.terrarium.App;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code terrariumctl config import}: validates a file and stores it in LXD's database. */
@Command(name = "import", description = {"Validate a configuration file and store it in LXD's database.",
        "An invalid file is rejected with every problem listed; the stored configuration is then unchanged."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl config import", "  terrariumctl config import --file /root/terrarium-config.yaml"})
public final class ConfigImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--file", paramLabel = "PATH", description = "File to import (default: /etc/terrarium/config.yaml).")
    Path file;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        Path source = file != null ? file : app.paths().configFile();
        if (!Files.exists(source)) {
            throw new java.io.IOException(source + " does not exist; export one with `terrariumctl config export`");
        }
        app.configStore().replace(ConfigFiles.read(source), source.toString());
        spec.commandLine().getOut().println("imported " + source + " into " + app.configStore().describe());
        return ExitCodes.OK;
    }
}
