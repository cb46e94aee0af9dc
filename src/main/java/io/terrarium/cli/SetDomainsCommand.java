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

/** {@code terrariumctl set domains BASE [--manage H] [--proxy H] [--lxd H] [--auth H]}. */
@Command(name = "domains", description = {"Set the base domain and, optionally, the service host names.",
        "Hosts default to manage.<base>, proxy.<base>, lxd.<base> and auth.<base>.",
        "Stores the change, then re-applies the host: Ansible without the hardening role, then the proxy sync (--no-apply: store only)."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl set domains example.com",
                "  terrariumctl set domains example.com --auth sso.example.com"})
public final class SetDomainsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    ApplyOptions apply;

    @Mixin
    ConfirmOption confirm;

    @Parameters(index = "0", paramLabel = "BASE", description = "Base domain, e.g. example.com.")
    String base;

    @Option(names = "--manage", paramLabel = "HOST", description = "Management UI host (default manage.<base>).")
    String manage;

    @Option(names = "--proxy", paramLabel = "HOST", description = "Traefik dashboard host (default proxy.<base>).")
    String proxy;

    @Option(names = "--lxd", paramLabel = "HOST", description = "LXD UI host (default lxd.<base>).")
    String lxd;

    @Option(names = "--auth", paramLabel = "HOST", description = "Identity gate host (default auth.<base>).")
    String auth;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        TerrariumConfig.Domains d = new TerrariumConfig.Domains(lower(base), lower(manage), lower(proxy), lower(lxd), lower(auth));
        TerrariumConfig stored = apply.store(app, c -> c.withDomains(d), confirm.yes, spec.commandLine().getOut(), spec.commandLine().getErr());
        var out = spec.commandLine().getOut();
        var sd = stored.domains();
        out.println("stored domains in " + app.configStore().describe() + ": base " + sd.base() + ", manage "
                + sd.manageHost() + ", proxy " + sd.proxyHost() + ", lxd " + sd.lxdHost() + ", auth " + sd.authHost());
        return apply.apply(app, stored, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    private static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(java.util.Locale.ROOT);
    }
}
