package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code terrariumctl jobs list|run|pause|resume}. */
@Command(name = "jobs", description = "List the host helper jobs, run one now (in the daemon when it runs), or pause and resume their schedules.",
        subcommands = {JobsListCommand.class, JobsRunCommand.class, JobsPauseCommand.Pause.class, JobsPauseCommand.Resume.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl jobs list", "  terrariumctl jobs run host-facts",
                "  terrariumctl jobs pause s3-export"})
public final class JobsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
