package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code terrariumctl proxy sync|list|validate} (docs/reference/proxy.md). */
@Command(name = "proxy", description = {"Publish labelled containers through Traefik (user.proxy labels, docs/proxy.md)."},
        subcommands = {ProxySyncCommand.class, ProxyListCommand.class, ProxyValidateCommand.class, ProxyStaticCommand.class,
                ProxyReleaseCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl proxy sync", "  terrariumctl proxy list", "  terrariumctl proxy static", "  terrariumctl proxy release app.example.com",
        "  terrariumctl proxy validate 'https://app.example.com:8080@auth:admins'"})
public final class ProxyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
