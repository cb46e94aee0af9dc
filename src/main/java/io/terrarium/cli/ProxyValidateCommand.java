package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.proxy.ParseResult;
import io.terrarium.proxy.ProxyLabelParser;
import io.terrarium.proxy.ProxyRoute;
import io.terrarium.proxy.ProxySettings;
import io.terrarium.proxy.sync.ProxySettingsMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl proxy validate LABEL}: checks a {@code user.proxy} value against the grammar
 * and this host's settings (reserved ports, bridge range, gate, DNS-01 provider) with
 * {@link ProxyLabelParser#validate}. Exit 0 when valid, 1 with one ERROR line per problem.
 */
@Command(name = "validate", description = {"Check a user.proxy label without publishing anything.",
        "Uses this host's settings (reserved ports, bridge range, oauth2-proxy, DNS-01 provider).",
        "Exit 0 and one line per route when valid; exit 1 and one ERROR line per problem."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl proxy validate 'https://app.example.com:8080@auth:admins,devops'",
                "  terrariumctl proxy validate 'tcp://5432:5432' --instance pg1"})
public final class ProxyValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Parameters(index = "0", paramLabel = "LABEL", description = "The user.proxy value (quote it).")
    String label;

    @Option(names = "--instance", paramLabel = "NAME", defaultValue = "label",
            description = "Instance name used in messages (default: ${DEFAULT-VALUE}).")
    String instance;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        ProxySettings settings = ProxySettingsMapper.settings(app.configStore().load().config());
        List<String> problems = ProxyLabelParser.validate(instance, label, settings);
        if (!problems.isEmpty()) {
            var err = spec.commandLine().getErr();
            problems.forEach(p -> err.println("ERROR: " + p));
            err.flush();
            return ExitCodes.FAILURE;
        }
        ParseResult parsed = ProxyLabelParser.parse(instance, label, settings);
        var out = spec.commandLine().getOut();
        if (parsed.routes().isEmpty()) {
            out.println("valid: empty label (publishes nothing)");
        }
        for (ProxyRoute r : parsed.routes()) {
            out.println("ok: " + r.source());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
