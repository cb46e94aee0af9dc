package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.AtomicFiles;
import io.terrarium.config.ConfigStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code terrariumctl config export}: writes the recovery copy (0600, root). */
@Command(name = "export", description = {"Write the stored configuration to a file (mode 0600), the recovery/debug copy.",
        "The file is replaced atomically; it holds no secret values (secrets stay in /etc/terrarium/secrets)."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl config export", "  terrariumctl config export --file /root/terrarium-config.yaml"})
public final class ConfigExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--file", paramLabel = "PATH", description = "Target file (default: /etc/terrarium/config.yaml).")
    Path file;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        Path target = file != null ? file : app.paths().configFile();
        ConfigStore.Loaded loaded = app.configStore().load();
        if (!loaded.stored()) {
            spec.commandLine().getErr().println("note: nothing is stored yet; exporting the defaults");
        }
        Path dir = target.toAbsolutePath().getParent();
        if (Files.isDirectory(target)) {
            throw new java.io.IOException(target + " is a directory; give a file path, e.g. " + target.resolve("config.yaml"));
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            spec.commandLine().getErr().println("note: created directory " + dir);
        }
        String doc = "# Terrarium configuration exported from " + loaded.source() + "\n" + app.codec().write(loaded.config());
        AtomicFiles.write(target, doc.getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);
        spec.commandLine().getOut().println("wrote " + target + " (mode 0600)");
        return ExitCodes.OK;
    }
}
