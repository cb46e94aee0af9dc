package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.AtomicFiles;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.daemon.JobTrigger;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.jobs.JobResult;
import io.terrarium.provision.AnsiblePlaybook;
import io.terrarium.provision.StateFile;
import io.terrarium.proxy.sync.ProxySyncJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    public static final String STATE_FILE = "state.json";

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
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path site = playbook != null ? playbook : releaseHome().resolve("ansible/site.yml");
        if (!Files.isRegularFile(site)) {
            err.println("ERROR: playbook " + site + " not found (pass --playbook or set TERRARIUM_HOME)");
            err.flush();
            return ExitCodes.FAILURE;
        }
        TerrariumConfig config = app.configStore().load().config();
        byte[] state = (app.json().writerWithDefaultPrettyPrinter()
                .writeValueAsString(StateFile.vars(config, app.paths().secretsDir())) + "\n").getBytes(StandardCharsets.UTF_8);
        Path dir = app.paths().stateDir();
        Files.createDirectories(dir);
        Path stateFile = dir.resolve(check ? ".state-check-" + ProcessHandle.current().pid() + ".json" : STATE_FILE);
        try {
            if (!AtomicFiles.sameContent(stateFile, state)) {
                AtomicFiles.write(stateFile, state, AtomicFiles.OWNER_ONLY);
            }
            AnsiblePlaybook ansible = new AnsiblePlaybook(ansiblePlaybook);
            io.terrarium.host.exec.Command cmd = ansible.command(site, stateFile, hardening, check);
            out.println("running: " + cmd.display());
            out.flush();
            try {
                ansible.run(cmd, out);
            } catch (CommandFailedException e) {
                err.println("ERROR: ansible-playbook failed: " + e.getMessage());
                err.flush();
                return ExitCodes.FAILURE;
            }
        } finally {
            if (check) {
                Files.deleteIfExists(stateFile);
            }
        }
        if (check || noSync) {
            return ExitCodes.OK;
        }
        JobResult r = new JobTrigger(app).trigger(ProxySyncJob.ID, () -> config, Duration.ofSeconds(300));
        String summary = r.summary() == null ? "" : r.summary();
        out.println(r.job() + ": " + r.status() + ": " + summary.lines().findFirst().orElse(""));
        out.flush();
        if (r.failed()) {
            JobRun.errors(r).forEach(e -> err.println("ERROR: " + e));
            err.flush();
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
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
