package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.ConfigStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code terrariumctl config show}: prints the stored configuration with defaults filled in. */
@Command(name = "show", description = "Print the stored configuration (defaults filled in) as YAML or JSON.",
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl config show", "  terrariumctl config show -o json"})
public final class ConfigShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--json", hidden = true, description = "Same as -o json.")
    boolean asJson;

    String formatName = "yaml";

    @Option(names = {"-o", "--output"}, paramLabel = "yaml|json",
            description = "Output format: yaml (default, with a source comment) or json (the configuration model, docs/configuration.md).")
    void output(String f) {
        formatName = f == null ? "yaml" : f;
    }

    @Option(names = "--format", hidden = true, paramLabel = "yaml|json", description = "Alias of --output.")
    void formatAlias(String f) {
        if (f != null) {
            formatName = f;
        }
    }

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        ConfigStore.Loaded loaded = app.configStore().load();
        var out = spec.commandLine().getOut();
        if (!formatName.equals("yaml") && !formatName.equals("json")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--output must be yaml or json, not " + formatName);
        }
        if (asJson || formatName.equals("json")) {
            Output.value(out, Format.json, loaded.config());
        } else {
            out.println("# source: " + loaded.source());
            out.print(app.codec().write(loaded.config()));
        }
        out.flush();
        return ExitCodes.OK;
    }
}
