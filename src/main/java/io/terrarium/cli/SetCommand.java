package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code terrariumctl set …}: change one part of the stored configuration. */
@Command(name = "set", description = {"Change one part of the stored configuration.",
        "Each change is validated first; an invalid value is rejected and nothing is stored."},
        subcommands = {SetDomainsCommand.class, SetEmailsCommand.class, SetSyncoidCommand.class, SetS3Command.class, SetIdpCommand.class, SetDnsCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl set domains example.com", "  terrariumctl set emails ops@example.com",
                "  terrariumctl set syncoid --enable --target backup@mirror.example.com \\", "      --target-dataset tank/terrarium --ssh-key /root/.ssh/terrarium-syncoid",
                "  terrariumctl set s3 --enable --provider minio --endpoint https://minio.example.com \\", "      --bucket terrarium --access-key terrarium --secret-key-file /root/s3.secret"})
public final class SetCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
