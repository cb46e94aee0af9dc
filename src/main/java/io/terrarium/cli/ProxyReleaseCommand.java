package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.DnsNames;
import io.terrarium.proxy.sync.ProxyStateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl proxy release HOST…}: frees host names from their owner (issue 14 item 2).
 * A host belongs to the instance that first published it, also while that instance is stopped,
 * until its label stops naming it; an admin releases it earlier with this command. The release is
 * recorded in {@code <stateDir>/proxy-releases.json} and applied by the next {@code proxy sync}
 * (run it to apply now): the host then goes to the earliest-created running instance that claims it.
 */
@Command(name = "release", description = {"Free host names from their owning instance (applied by the next proxy sync).",
        "A host belongs to the instance that first published it, also while it is stopped, until its",
        "label stops naming it. Wildcards are released by their pattern (*.apps.example.com)."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl proxy release app.example.com && terrariumctl proxy sync",
                "  terrariumctl proxy release '*.apps.example.com'"})
public final class ProxyReleaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Parameters(arity = "1..*", paramLabel = "HOST", description = "Host name or wildcard pattern as in the label.")
    List<String> hosts;

    @Override
    public Integer call() throws IOException {
        List<String> canonical = new ArrayList<>();
        for (String h : hosts) {
            String c = h.strip().toLowerCase(Locale.ROOT);
            String name = c.startsWith("*.") ? c.substring(2) : c;
            if (!DnsNames.isHostName(name)) {
                spec.commandLine().getErr().println("ERROR: \"" + h + "\" is not a host name or *.<base> pattern (e.g. app.example.com)");
                spec.commandLine().getErr().flush();
                return ExitCodes.USAGE;
            }
            canonical.add(c);
        }
        App app = TerrariumCommand.app(spec);
        ProxyStateStore store = app.proxyState();
        ProxyStateStore.State state = store.state();
        Map<String, String> owners = state == null || state.owners() == null ? Map.of() : state.owners();
        var out = spec.commandLine().getOut();
        for (String c : canonical) {
            String owner = owners.get(c);
            out.println(owner == null ? "not owned: " + c : "released: " + c + " (was owned by " + owner + "; applied by the next proxy sync)");
        }
        store.addReleases(canonical);
        out.flush();
        return ExitCodes.OK;
    }
}
