package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.ConfigValidator;
import io.terrarium.config.SecretStore;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.provision.install.OidcDiscovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl set idp local|oidc …}: switch the identity provider behind the admin gate. For
 * oidc the discovery document is fetched first and must name exactly the issuer (as in the install
 * preflight); a failed check stores nothing (exit 1). The client secret is copied from a root-only
 * file into the secrets directory. Then the host is re-applied (Ansible without hardening, proxy sync)
 * unless {@code --no-apply}.
 */
@Command(name = "idp", description = {"Set the identity provider: local (ZITADEL in a managed container) or oidc (an external provider).",
        "oidc: the discovery document <issuer>/.well-known/openid-configuration is checked first and must name exactly the issuer.",
        "Then re-applies: Ansible (without the OS hardening), proxy sync."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl set idp local",
                "  terrariumctl set idp oidc --issuer https://login.example.com/realms/ops --client terrarium \\", "      --secret-file /root/oidc.secret",
                "  terrariumctl set idp oidc --admin-group ops-admins --no-apply"})
public final class SetIdpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Parameters(index = "0", paramLabel = "local|oidc", description = "The provider.")
    String mode;

    @Option(names = "--issuer", paramLabel = "URL", description = "OIDC issuer (oidc; default: the stored one).")
    String issuer;

    @Option(names = "--client", paramLabel = "ID", description = "OIDC client id (oidc; default: the stored one).")
    String client;

    @Option(names = "--secret-file", paramLabel = "PATH", description = "File holding the client secret (mode 0600); copied into the secrets directory.")
    Path secretFile;

    @Option(names = "--admin-group", paramLabel = "GROUP", description = "Group whose members pass the admin gate.")
    String adminGroup;

    @Mixin
    ApplyOptions apply;

    @Mixin
    ConfirmOption confirm;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!mode.equals("local") && !mode.equals("oidc")) {
            throw new IllegalArgumentException("idp \"" + mode + "\": use local or oidc");
        }
        TerrariumConfig.Idp old = app.configStore().load().config().idp();
        String group = adminGroup != null ? adminGroup : old.adminGroup();
        TerrariumConfig.Idp idp;
        byte[] secret = null;
        String secretPath = old.clientSecretFile();
        if (secretFile != null) {
            secret = SecretStore.read(secretFile).getBytes(StandardCharsets.UTF_8);
            secretPath = app.paths().secretsDir().resolve(InstallCommand.OIDC_SECRET).toAbsolutePath().toString();
        }
        if (mode.equals("local")) {
            idp = new TerrariumConfig.Idp("local", old.issuer(), old.clientId(), old.clientSecretFile(), group);
        } else {
            idp = new TerrariumConfig.Idp("oidc", issuer != null ? issuer : old.issuer(), client != null ? client : old.clientId(),
                    secretPath, group);
            List<String> problems = app.codec().problems(TerrariumConfig.defaults().withIdp(idp));
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems).replace("required when idp.mode is oidc",
                        "required (--issuer, --client, --secret-file)"));
            }
            OidcDiscovery.Result r = OidcDiscovery.check(idp.issuer(), "--issuer");
            if (!r.ok()) {
                err.println("ERROR: " + r.message() + "; nothing was stored");
                err.flush();
                return ExitCodes.FAILURE;
            }
            out.println(r.message());
        }
        if (secret != null) {
            new SecretStore(app.paths().secretsDir()).write(InstallCommand.OIDC_SECRET, secret);
        }
        TerrariumConfig stored = apply.store(app, c -> c.withIdp(idp), confirm.yes, spec.commandLine().getOut(), spec.commandLine().getErr());
        out.println("stored idp in " + app.configStore().describe() + ": " + stored.idp().mode()
                + (stored.idp().mode().equals("oidc") ? " " + stored.idp().issuer() + " client " + stored.idp().clientId() : "")
                + ", admin group " + stored.idp().adminGroup());
        out.flush();
        return apply.apply(app, stored, out, err);
    }

}
