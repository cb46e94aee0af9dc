package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.ConfigValidator;
import io.terrarium.config.SecretStore;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl set dns provider CODE NAME:VALUE…}: the lego DNS-01 provider for wildcard
 * certificates and its variables; {@code set dns provider} with nothing after it turns DNS-01 off.
 * A variable whose name contains KEY, SECRET, TOKEN or PASSWORD is a secret: its value goes to a
 * root-only file {@code <secrets>/dns-<name>} (0600) and the configuration keeps the path. Write
 * {@code NAME:@FILE} to read a value from a file so it never appears on the command line. Then
 * the host is re-applied (Ansible without hardening: Traefik's DNS-01 environment; proxy sync)
 * unless {@code --no-apply}.
 */
@Command(name = "dns", description = {"Set the DNS-01 provider (a lego provider code) and its variables, for wildcard certificates.",
        "Variables whose names contain KEY, SECRET, TOKEN or PASSWORD are stored as root-only files; the configuration keeps the path.",
        "NAME:@FILE reads the value from FILE (keeps secrets out of the shell history). `set dns provider` alone turns DNS-01 off.",
        "Then re-applies: Ansible (without the OS hardening), proxy sync."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl set dns provider cloudflare CF_DNS_API_TOKEN:@/root/cf.token",
                "  terrariumctl set dns provider route53 AWS_REGION:eu-west-1 AWS_ACCESS_KEY_ID:AKIA... \\", "      AWS_SECRET_ACCESS_KEY:@/root/aws.secret",
                "  terrariumctl set dns provider"})
public final class SetDnsCommand implements Callable<Integer> {
    /** Prefix of the secret files. */
    static final String SECRET_PREFIX = "dns-";

    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Parameters(index = "0", paramLabel = "provider", description = "The word `provider`.")
    String keyword;

    @Parameters(index = "1", arity = "0..1", paramLabel = "CODE", description = "lego provider code (cloudflare, route53, hetzner, …); none: DNS-01 off.")
    String code;

    @Parameters(index = "2..*", arity = "0..*", paramLabel = "NAME:VALUE", description = "Provider variables; NAME:@FILE reads the value from FILE.")
    List<String> pairs = new ArrayList<>();

    @Mixin
    ApplyOptions apply;

    @Mixin
    ConfirmOption confirm;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!"provider".equals(keyword)) {
            throw new IllegalArgumentException("set dns " + keyword + ": expected `set dns provider CODE NAME:VALUE…`");
        }
        if (code == null && !pairs.isEmpty()) {
            throw new IllegalArgumentException("variables given without a provider code");
        }
        Map<String, String> env = new TreeMap<>();
        Map<String, byte[]> secrets = new TreeMap<>();
        for (String p : pairs) {
            int colon = p.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("a variable must be NAME:VALUE (or NAME:@FILE); got one without a name or colon");
            }
            String name = p.substring(0, colon);
            String value = p.substring(colon + 1);
            if (!ConfigValidator.ENV_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(name + ": not an environment variable name (A-Z, 0-9, '_'), e.g. CF_DNS_API_TOKEN");
            }
            boolean fromFile = value.startsWith("@");
            if (fromFile) {
                Path f = Path.of(value.substring(1));
                value = ConfigValidator.isSecretName(name) ? SecretStore.read(f) : Files.readString(f, StandardCharsets.UTF_8).strip();
            } else if (ConfigValidator.isSecretName(name)) {
                err.println("WARNING: the value of " + name + " was given on the command line (visible in the process list and"
                        + " shell history); prefer " + name + ":@FILE");
            }
            if (value.isEmpty() || value.contains("\n")) {
                throw new IllegalArgumentException(name + ": the value must be one non-empty line");
            }
            if (ConfigValidator.isSecretName(name)) {
                secrets.put(name, value.getBytes(StandardCharsets.UTF_8));
            } else {
                env.put(name, value);
            }
        }
        TerrariumConfig.Dns old = app.configStore().load().config().dns();
        SecretStore store = new SecretStore(app.paths().secretsDir());
        Map<String, String> files = new TreeMap<>();
        for (var e : secrets.entrySet()) {
            files.put(e.getKey(), app.paths().secretsDir().resolve(secretName(e.getKey())).toAbsolutePath().toString());
        }
        TerrariumConfig.Dns dns = new TerrariumConfig.Dns(code == null ? null : code.toLowerCase(Locale.ROOT), env, files);
        List<String> problems = app.codec().problems(TerrariumConfig.defaults().withDns(dns));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        java.util.function.UnaryOperator<TerrariumConfig> change = c -> c.withDns(dns).withProxy(withoutOldProvider(c.proxy()));
        apply.confirmWithdrawals(app, change, confirm.yes, err); // before any secret file changes: a refusal loses nothing
        for (var e : secrets.entrySet()) {
            store.write(secretName(e.getKey()), e.getValue());
        }
        TerrariumConfig stored = apply.commit(app, change);
        // secret files of variables no longer set
        for (String path : old.envFiles().values()) {
            Path f = Path.of(path);
            if (!files.containsValue(path) && f.getParent() != null && f.getParent().equals(app.paths().secretsDir().toAbsolutePath())
                    && f.getFileName().toString().startsWith(SECRET_PREFIX)) {
                Files.deleteIfExists(f);
            }
        }
        var d = stored.dns();
        out.println("stored dns in " + app.configStore().describe() + ": "
                + (d.provider() == null ? "DNS-01 off" : "provider " + d.provider()
                + (d.env().isEmpty() ? "" : ", variables " + String.join(", ", d.env().keySet()))
                + (d.envFiles().isEmpty() ? "" : ", secrets " + String.join(", ", d.envFiles().keySet()) + " (files in "
                + app.paths().secretsDir() + ")")));
        out.flush();
        return apply.apply(app, stored, out, err);
    }

    /** {@code CF_DNS_API_TOKEN} → {@code dns-cf_dns_api_token}. */
    static String secretName(String var) {
        return SECRET_PREFIX + var.toLowerCase(Locale.ROOT);
    }

    private static TerrariumConfig.Proxy withoutOldProvider(TerrariumConfig.Proxy p) {
        return new TerrariumConfig.Proxy(p.dynamicFile(), p.staticFile(), p.bridgePortFirst(), p.bridgePortLast(),
                p.oauth2ProxyUrl(), null, p.intervalSeconds(), p.reloadCommand(), p.ufw(), p.wildcardBases(),
                p.publicPortFirst(), p.publicPortLast(), p.tenantAuthUrl()); // every field: a short form would drop the later ones
    }
}
