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
 * in this one visible place ({@link #COMMANDS}).
 */
@Command(name = "terrariumctl", mixinStandardHelpOptions = true, versionProvider = TerrariumCommand.VersionProvider.class,
        description = "Terrarium: a hardened control plane for unprivileged LXD containers on ZFS.",
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
    /**
     * The top-level commands, in the order help lists them. Registered by {@link #commandLine}
     * rather than in the annotation, so that {@link #commandLine(App, String[])} can build only the
     * branch a command line runs.
     */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(
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
            CommandLine.HelpCommand.class);

    /**
     * Commands that reach other top-level commands at run time, so they always get the whole tree:
     * {@code set} runs {@code reconfigure} ({@code set s3}), {@code completion} describes every
     * command, {@code help} walks to any command.
     */
    private static final java.util.Set<String> NEED_WHOLE_TREE = java.util.Set.of("set", "completion", "help");

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

    /** Builds the whole command line for an App (help pages, completion, man pages, tests). */
    public static CommandLine commandLine(App app) {
        return build(app, COMMANDS);
    }

    /**
     * Builds the command line for running {@code args}: only the branch of the invoked top-level
     * command when the arguments name one (after nothing but {@code -v}/{@code --verbose}), else the
     * whole tree. picocli builds the model of every command it is given, ~0.8 s of a CLI start for
     * the whole tree (issue 16 item 4; docs/benchmarks.md); the branch alone parses, runs and prints
     * errors and help exactly as the whole tree does (TerrariumCommandTreeTest).
     *
     * @param app  the wiring
     * @param args the command line's arguments, unchanged
     */
    public static CommandLine commandLine(App app, String[] args) {
        for (String a : args) {
            if (a.equals("--verbose") || a.matches("-v+")) {
                continue;
            }
            if (!NEED_WHOLE_TREE.contains(a)) {
                for (Class<?> c : COMMANDS) {
                    Command command = c.getAnnotation(Command.class);
                    if (command.name().equals(a) || java.util.Arrays.asList(command.aliases()).contains(a)) {
                        return build(app, java.util.List.of(c));
                    }
                }
            }
            break;
        }
        return commandLine(app);
    }

    private static CommandLine build(App app, java.util.List<Class<?>> commands) {
        CommandLine cl = new CommandLine(new TerrariumCommand(app));
        for (Class<?> c : commands) {
            cl.addSubcommand(c);
        }
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
