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
        ProxySettings settings;
        try {
            settings = ProxySettingsMapper.settings(app.configStore().load().config());
        } catch (RuntimeException e) {
            // checking a label's syntax must not depend on LXD or on the stored configuration
            spec.commandLine().getErr().println("note: the stored configuration cannot be read (" + e.getMessage()
                    + "); checking against the default proxy settings");
            settings = ProxySettingsMapper.settings(io.terrarium.config.TerrariumConfig.defaults());
        }
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
            out.println("ok: " + r.source() + "  →  " + describe(r));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** What a parsed route means, normalised (lower-cased host, sorted groups, default port). */
    static String describe(ProxyRoute r) {
        if (r instanceof io.terrarium.proxy.HttpRoute h) {
            String auth = h.auth() == null ? "" : ", behind the sign-in gate" + (h.auth().groups().isEmpty() ? ""
                    : " for groups " + String.join(",", h.auth().groups()))
                    + (h.auth().callbackHost() == null ? "" : " (callback " + h.auth().callbackHost() + ")");
            return h.scheme() + "://" + h.host() + (h.pathPrefix() == null || h.pathPrefix().equals("/") ? "" : h.pathPrefix())
                    + " to container port " + h.containerPort() + auth;
        }
        if (r instanceof io.terrarium.proxy.L4Route l) {
            return "public port " + l.publicPort() + "/" + l.protocol() + " to container port " + l.containerPort();
        }
        return r.source();
    }
}
