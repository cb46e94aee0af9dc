package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code terrariumctl config show|export|import|check}. */
@Command(name = "config", description = "Show, export, import or check the configuration stored in LXD's database.",
        subcommands = {ConfigShowCommand.class, ConfigExportCommand.class, ConfigImportCommand.class,
                ConfigCheckCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl config show", "  terrariumctl config export",
                "  terrariumctl config check /etc/terrarium/config.yaml", "  terrariumctl config import"})
public final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
