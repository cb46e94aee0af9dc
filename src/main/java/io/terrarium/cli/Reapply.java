package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.AtomicFiles;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.daemon.JobTrigger;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.jobs.JobResult;
import io.terrarium.host.ansible.AnsiblePlaybook;
import io.terrarium.provision.StateFile;
import io.terrarium.proxy.sync.ProxySyncJob;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Makes the host match a stored configuration: renders the state file
 * ({@code <state dir>/state.json}, 0600, atomic, only on change), runs {@code ansible-playbook} on
 * it with the output streamed, then the proxy sync. Shared by {@code reconfigure}, {@code install}
 * and the {@code set …} commands so all of them apply the same way.
 *
 * @param playbook  site.yml to run
 * @param ansible   the ansible-playbook executable
 * @param hardening include the OS hardening role (install, {@code reconfigure --with-hardening})
 * @param check     Ansible check mode against a temporary state file; no proxy sync
 * @param sync      run the proxy sync after Ansible
 * @param tags      only these role tags (empty: the whole site)
 * @param extraVars further vars files after the state file (install-only switches)
 */
record Reapply(Path playbook, String ansible, boolean hardening, boolean check, boolean sync, List<String> tags,
               List<Path> extraVars) {
    /** File name of the state file in the state directory. */
    static final String STATE_FILE = "state.json";

    /** A plain re-apply: the whole site without hardening, then the proxy sync. */
    static Reapply standard(Path playbook, String ansible) {
        return new Reapply(playbook, ansible, false, false, true, List.of(), List.of());
    }

    /** The playbook given, else {@code <release>/ansible/site.yml}. */
    static Path site(Path given) {
        return given != null ? given : ReconfigureCommand.releaseHome().resolve("ansible/site.yml");
    }

    /**
     * Runs it.
     *
     * @return {@link ExitCodes#OK}, or {@link ExitCodes#FAILURE} with the reason printed on {@code err}
     */
    int run(App app, TerrariumConfig config, PrintWriter out, PrintWriter err) throws Exception {
        if (!Files.isRegularFile(playbook)) {
            err.println("ERROR: playbook " + playbook + " not found (pass --playbook or set TERRARIUM_HOME)");
            err.flush();
            return ExitCodes.FAILURE;
        }
        byte[] state = (app.json().writerWithDefaultPrettyPrinter()
                .writeValueAsString(StateFile.vars(config, app.paths().secretsDir())) + "\n").getBytes(StandardCharsets.UTF_8);
        Path dir = app.paths().stateDir();
        Files.createDirectories(dir);
        Path stateFile = dir.resolve(check ? ".state-check-" + ProcessHandle.current().pid() + ".json" : STATE_FILE);
        try {
            if (!AtomicFiles.sameContent(stateFile, state)) {
                AtomicFiles.write(stateFile, state, AtomicFiles.OWNER_ONLY);
            }
            AnsiblePlaybook playbookRunner = new AnsiblePlaybook(ansible);
            io.terrarium.host.exec.Command cmd = playbookRunner.command(playbook, stateFile, hardening, check, tags, extraVars);
            out.println("running: " + cmd.display());
            out.flush();
            try {
                playbookRunner.run(cmd, out);
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
        if (!check) {
            app.appliedConfig().record(config); // the proxy sync renders from this copy from now on
        }
        if (check || !sync) {
            return ExitCodes.OK;
        }
        // an explicit re-apply tries again what a failed Traefik restart quarantined (docs/proxy.md)
        app.proxyState().clearQuarantine();
        JobTrigger trigger = new JobTrigger(app);
        JobResult r = untilNotRejected(() -> trigger.trigger(ProxySyncJob.ID, () -> config, Duration.ofSeconds(300)),
                Duration.ofSeconds(120), Duration.ofSeconds(1), () -> {
                    out.println("proxy-sync: another run is in progress (the daemon's schedule); running again once it ends, "
                            + "so that the applied configuration is the one synced");
                    out.flush();
                });
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

    /**
     * Runs {@code run} again while it is REJECTED because the same job is already running (for the
     * proxy sync: the daemon's minute timer, which may have read the configuration before this apply
     * recorded it), every {@code pause}, for at most {@code wait}; {@code waiting} is called once,
     * before the first pause. A found bug: the demo's {@code reconfigure} failed with REJECTED when it
     * met the freshly started daemon's first proxy sync.
     *
     * @return the first result that is not REJECTED, or the last REJECTED one when {@code wait} ran out
     * @throws Exception what {@code run} throws; InterruptedException while pausing
     */
    static JobResult untilNotRejected(java.util.concurrent.Callable<JobResult> run, Duration wait, Duration pause,
            Runnable waiting) throws Exception {
        long end = System.nanoTime() + wait.toNanos();
        JobResult r = run.call();
        boolean told = false;
        while (r.status() == JobResult.Status.REJECTED && System.nanoTime() < end) {
            if (!told) {
                waiting.run();
                told = true;
            }
            Thread.sleep(pause.toMillis());
            r = run.call();
        }
        return r;
    }
}
