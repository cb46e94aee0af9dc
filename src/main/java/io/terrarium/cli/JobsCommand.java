package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code terrariumctl jobs list|run}. */
@Command(name = "jobs", description = "List the host helper jobs or run one now (in the daemon when it runs).",
        subcommands = {JobsListCommand.class, JobsRunCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl jobs list", "  terrariumctl jobs run host-facts"})
public final class JobsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
