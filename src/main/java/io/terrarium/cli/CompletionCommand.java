package io.terrarium.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code terrariumctl completion bash|zsh}: prints the shell completion script generated from the
 * command tree by picocli's {@link AutoComplete} (the same script the release installs under
 * {@code share/bash-completion/completions/}). The script completes both names, {@code terrariumctl}
 * and {@code trm}; zsh loads it through {@code bashcompinit}, which the script itself enables.
 */
@Command(name = "completion", description = {"Print the shell completion script for bash or zsh.",
        "The release installs it for bash already; use this for zsh or a custom setup."},
        footerHeading = "%nExamples:%n", footer = {
        "  source <(terrariumctl completion bash)                 # try it in the current bash",
        "  terrariumctl completion zsh > ~/.zsh/terrariumctl.zsh   # then: source it from ~/.zshrc",
        "%nExit codes: 0 ok, 2 bad usage (an unknown shell)."})
public final class CompletionCommand implements Callable<Integer> {
    /** The shells the script supports. */
    public enum Shell { bash, zsh }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh")
    Shell shell;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(script(spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /**
     * The completion script for {@code root}'s command tree, registered for {@code terrariumctl} and
     * {@code trm}. Works in bash ≥ 4 and in zsh (the generated script runs {@code bashcompinit}).
     *
     * @param root the root command line ({@code terrariumctl})
     * @return the script text, ending in a newline
     */
    public static String script(CommandLine root) {
        String name = root.getCommandName();
        String bash = AutoComplete.bash(name, root);
        return bash + "\n# trm is the same program\ncomplete -F _complete_" + name + " -o default trm\n";
    }
}
