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
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl config show", "  terrariumctl config show --format json"})
public final class ConfigShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--json", hidden = true, description = "Same as --format json.")
    boolean asJson;

    @Option(names = "--format", paramLabel = "yaml|json", defaultValue = "yaml",
            description = "Output format: yaml (default, with a source comment) or json.")
    String formatName;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        ConfigStore.Loaded loaded = app.configStore().load();
        var out = spec.commandLine().getOut();
        if (!formatName.equals("yaml") && !formatName.equals("json")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--format must be yaml or json, not " + formatName);
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
