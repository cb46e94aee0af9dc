package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl reconfigure}: makes the host match the stored configuration again. Renders the
 * state file ({@link StateFile}, {@code <state dir>/state.json}, 0600, atomic, only on change), runs
 * {@code ansible-playbook -i localhost, -c local <release>/ansible/site.yml -e @state.json
 * --skip-tags hardening} with its output streamed, then runs the proxy sync. {@code --check} runs
 * Ansible in check mode against a temporary state file and changes nothing.
 */
@Command(name = "reconfigure", description = {"Re-apply the stored configuration: state file, Ansible (without the OS hardening), proxy sync.",
        "Streams Ansible's output. Exit 1 when Ansible or the proxy sync fails.",
        "--check shows what Ansible would change and changes nothing."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl reconfigure", "  terrariumctl reconfigure --check", "  terrariumctl reconfigure --with-hardening"})
public final class ReconfigureCommand implements Callable<Integer> {
    /** File name of the state file in the state directory. */
    public static final String STATE_FILE = Reapply.STATE_FILE;

    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--check", description = "Ansible check mode (with diffs); write nothing, skip the proxy sync.")
    boolean check;

    @Option(names = "--with-hardening", description = "Also run the OS hardening role (SSH, UFW), as the install does.")
    boolean hardening;

    @Option(names = "--no-sync", description = "Skip the proxy sync after Ansible.")
    boolean noSync;

    @Option(names = "--playbook", paramLabel = "PATH",
            description = "Playbook to run (default: ansible/site.yml of this release; TERRARIUM_HOME overrides the release).")
    Path playbook;

    @Option(names = "--ansible-playbook", paramLabel = "EXE", defaultValue = "ansible-playbook", hidden = true,
            description = "The ansible-playbook executable.")
    String ansiblePlaybook;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        TerrariumConfig config = app.configStore().load().config();
        return new Reapply(Reapply.site(playbook), ansiblePlaybook, hardening, check, !noSync, List.of(), List.of())
                .run(app, config, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The release directory: {@code TERRARIUM_HOME}, else the parent of the jar's {@code lib/}. */
    static Path releaseHome() {
        String env = System.getenv("TERRARIUM_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        try {
            Path jar = Path.of(ReconfigureCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path parent = jar.getParent() == null ? jar : jar.getParent();
            return parent.getParent() == null ? parent : parent.getParent();
        } catch (Exception e) {
            return Path.of("/opt/terrarium/current");
        }
    }
}
