package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The root command {@code terrariumctl} (alias {@code trm}). Every subcommand is registered here,
 * in this one visible place.
 */
@Command(name = "terrariumctl", mixinStandardHelpOptions = true, versionProvider = TerrariumCommand.VersionProvider.class,
        description = "Terrarium: a hardened control plane for unprivileged LXD containers on ZFS.",
        subcommands = {
                StatusCommand.class,
                InstallCommand.class,
                ConfigCommand.class,
                SetCommand.class,
                ReconfigureCommand.class,
                UpdateCommand.class,
                JobsCommand.class,
                ProxyCommand.class,
                BackupCommand.class,
                DaemonCommand.class,
                ConsoleCommand.class,
                CompletionCommand.class,
                CommandLine.HelpCommand.class,
        },
        footerHeading = "%nExamples:%n",
        footer = {
                "  terrariumctl status",
                "  terrariumctl set domains example.com",
                "  terrariumctl reconfigure",
                "  terrariumctl jobs run host-facts",
                "  terrariumctl proxy sync",
                "  terrariumctl backup list",
                "  terrariumctl daemon",
                "%n`trm` is the same program."})
public final class TerrariumCommand implements Runnable {
    private final App app;

    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    /** @param app the wiring every subcommand uses */
    public TerrariumCommand(App app) {
        this.app = app;
    }

    /** The wiring shared by the subcommands. */
    public App app() {
        return app;
    }

    /** The App of the root command of {@code spec}. */
    static App app(CommandSpec spec) {
        return ((TerrariumCommand) spec.root().userObject()).app;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line for an App (used by main and by tests). */
    public static CommandLine commandLine(App app) {
        CommandLine cl = new CommandLine(new TerrariumCommand(app));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        PathHelpCommand.replaceBuiltIns(cl);
        standardHelpEverywhere(cl);
        HelpSections.install(cl);
        exitCodesEverywhere(cl);
        // wide enough that no example in a footer is cut in the middle of an argument
        cl.setUsageHelpWidth(120);
        return ExitCodes.configure(cl);
    }

    /**
     * Gives every subcommand {@code -h/--help} and {@code -V/--version} (help wins over missing
     * required arguments, as at the top level).
     */
    private static void standardHelpEverywhere(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().mixinStandardHelpOptions() && !(sub.getCommand() instanceof CommandLine.HelpCommand)
                    && !(sub.getCommand() instanceof PathHelpCommand)) {
                sub.getCommandSpec().mixinStandardHelpOptions(true);
                sub.getCommandSpec().versionProvider(new VersionProvider());
            }
            standardHelpEverywhere(sub);
        }
    }

    /**
     * Gives every command's help the exit-code section ({@link ExitCodes}), unless the command lists
     * its own: each reference page then says what 0, 1 and 2 mean.
     */
    private static void exitCodesEverywhere(CommandLine cl) {
        CommandLine.Model.UsageMessageSpec u = cl.getCommandSpec().usageMessage();
        if (u.exitCodeList().isEmpty() && !(cl.getCommand() instanceof CommandLine.HelpCommand)
                && !(cl.getCommand() instanceof PathHelpCommand)) {
            u.exitCodeListHeading("%nExit codes:%n");
            u.exitCodeList(ExitCodes.DESCRIPTIONS);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getParent() == cl) {
                exitCodesEverywhere(sub);
            }
        }
    }

    /** Prints {@code terrariumctl <version>} and the Java runtime. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"terrariumctl " + Version.get(),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
