package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.AppliedConfig;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.lxd.LxdInstances;
import io.terrarium.proxy.sync.RouteWithdrawals;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The re-apply switches every {@code terrariumctl set …} command shares (issue rule: a {@code set}
 * stores, then re-applies the host: Ansible without the OS hardening role, then the proxy sync —
 * see {@link Reapply#standard}). {@code --no-apply} stores only. The {@code --yes} that lets a change
 * withdraw routes is {@link ConfirmOption}, offered only by the {@code set} commands whose section
 * can withdraw a route (domains, dns, idp).
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
     * Stores a change (issue 14 item 8). First the routes it would withdraw
     * ({@link RouteWithdrawals}, against the document the host runs with now) are named; then,
     * unless {@code --yes}, the operator is asked on the terminal — without one the change is
     * refused (exit 2) and nothing is stored. With {@code --no-apply} on a host that has no applied
     * copy yet, the document being replaced is recorded as the applied one first
     * ({@link AppliedConfig}), so the proxy sync keeps rendering from it until {@code reconfigure}.
     *
     * @param change the update, as for {@link io.terrarium.config.LxdConfigStore#update}
     * @param yes    {@code --yes}: store without asking
     * @return the stored document
     * @throws IllegalArgumentException when routes would be withdrawn, there is no terminal and no {@code --yes}
     * @throws java.io.IOException      when the operator answered no (nothing stored)
     */
    TerrariumConfig store(App app, java.util.function.UnaryOperator<TerrariumConfig> change, boolean yes, PrintWriter out,
                          PrintWriter err) throws Exception {
        confirmWithdrawals(app, change, yes, err);
        return commit(app, change);
    }

    /**
     * The first half of {@link #store}: names the routes the change would withdraw and asks (or
     * needs {@code --yes}); stores nothing. For commands that write other files (secrets) between
     * the question and the store.
     *
     * @throws IllegalArgumentException when routes would be withdrawn, there is no terminal and no {@code --yes}
     * @throws java.io.IOException      when the operator answered no
     */
    void confirmWithdrawals(App app, java.util.function.UnaryOperator<TerrariumConfig> change, boolean yes, PrintWriter err)
            throws Exception {
        TerrariumConfig current = app.configStore().load().config();
        AppliedConfig applied = app.appliedConfig();
        TerrariumConfig live = applied.effective(current);
        List<String> lost;
        try {
            lost = RouteWithdrawals.between(new LxdInstances(app.lxd(), live.lxd().project()).list(), live,
                    change.apply(current), app.proxyState());
        } catch (LxdException | io.terrarium.host.exec.CommandFailedException e) {
            err.println("WARNING: cannot read the instances to tell which routes this change withdraws: " + e.getMessage());
            err.flush();
            lost = List.of();
        }
        if (!lost.isEmpty()) {
            err.println("this change withdraws " + lost.size() + " published route(s)" + (noApply ? " at the next `terrariumctl reconfigure`" : "") + ":");
            lost.forEach(l -> err.println("  " + l));
            err.flush();
            if (!yes) {
                java.io.Console console = System.console();
                if (console == null) {
                    throw new IllegalArgumentException("refusing to withdraw " + lost.size()
                            + " route(s) without confirmation: no terminal to ask on; nothing stored. Repeat with --yes to store it");
                }
                String answer = console.readLine("Store it and withdraw them? [y/N] ");
                if (answer == null || !answer.strip().toLowerCase(java.util.Locale.ROOT).matches("y|yes")) {
                    throw new java.io.IOException("aborted; nothing stored");
                }
            }
        }
    }

    /**
     * The second half of {@link #store}: records the applied copy when {@code --no-apply} finds
     * none, then stores the change.
     */
    TerrariumConfig commit(App app, java.util.function.UnaryOperator<TerrariumConfig> change) throws Exception {
        AppliedConfig applied = app.appliedConfig();
        if (noApply && !applied.exists()) {
            applied.record(app.configStore().load().config());
        }
        return app.configStore().update(change);
    }

    /**
     * Re-applies {@code stored} unless {@code --no-apply}.
     *
     * @return {@link ExitCodes#OK}, or {@link ExitCodes#FAILURE} when Ansible or the proxy sync failed
     *         (the configuration stays stored; the message says so)
     * @throws Exception when the state file cannot be written
     */
    int apply(App app, TerrariumConfig stored, PrintWriter out, PrintWriter err) throws Exception {
        if (noApply) {
            out.println("stored only (--no-apply): nothing reaches Traefik or Ansible until `terrariumctl reconfigure`");
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
