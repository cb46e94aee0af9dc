package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The re-apply switches every {@code terrariumctl set …} command shares (issue rule: a {@code set}
 * stores, then re-applies the host: Ansible without the OS hardening role, then the proxy sync —
 * see {@link Reapply#standard}). {@code --no-apply} stores only.
 */
public final class ApplyOptions {
    @Option(names = "--no-apply", description = "Store only; do not run Ansible and the proxy sync (apply later with `terrariumctl reconfigure`).")
    boolean noApply;

    @Option(names = "--playbook", paramLabel = "PATH", hidden = true, description = "Playbook (default: ansible/site.yml of this release).")
    Path playbook;

    @Option(names = "--ansible-playbook", paramLabel = "EXE", defaultValue = "ansible-playbook", hidden = true,
            description = "The ansible-playbook executable.")
    String ansiblePlaybook;

    /**
     * Re-applies {@code stored} unless {@code --no-apply}.
     *
     * @return {@link ExitCodes#OK}, or {@link ExitCodes#FAILURE} when Ansible or the proxy sync failed
     *         (the configuration stays stored; the message says so)
     * @throws Exception when the state file cannot be written
     */
    int apply(App app, TerrariumConfig stored, PrintWriter out, PrintWriter err) throws Exception {
        if (noApply) {
            out.println("stored only (--no-apply); apply with `terrariumctl reconfigure`");
            out.flush();
            return ExitCodes.OK;
        }
        int rc = Reapply.standard(Reapply.site(playbook), ansiblePlaybook).run(app, stored, out, err);
        if (rc != ExitCodes.OK) {
            err.println("the new setting is stored; fix the cause and run `terrariumctl reconfigure`");
            err.flush();
        }
        return rc;
    }
}
