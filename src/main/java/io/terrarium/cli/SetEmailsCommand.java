package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code terrariumctl set emails ADMIN [--acme EMAIL]}. */
@Command(name = "emails", description = {"Set the operator e-mail address and, optionally, a separate ACME (Let's Encrypt) address.",
        "The ACME address defaults to the operator address.",
        "Stores the change, then re-applies the host: Ansible without the hardening role, then the proxy sync (--no-apply: store only)."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl set emails ops@example.com",
                "  terrariumctl set emails ops@example.com --acme certs@example.com"})
public final class SetEmailsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    ApplyOptions apply;

    @Parameters(index = "0", paramLabel = "ADMIN", description = "Operator e-mail address.")
    String admin;

    @Option(names = "--acme", paramLabel = "EMAIL", description = "Address registered with Let's Encrypt (default: ADMIN).")
    String acme;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        // no route depends on the e-mail addresses (ProxyPlanner does not read emails.acme): nothing to confirm
        TerrariumConfig stored = apply.commit(app, c -> c.withEmails(new TerrariumConfig.Emails(admin.strip(),
                acme == null ? null : acme.strip())));
        spec.commandLine().getOut().println("stored emails in " + app.configStore().describe() + ": admin "
                + stored.emails().admin() + ", acme " + stored.emails().acmeAddress());
        return apply.apply(app, stored, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
