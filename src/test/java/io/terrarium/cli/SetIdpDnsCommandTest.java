package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import static org.assertj.core.api.Assertions.assertThat;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code set dns} and {@code set idp} against a fake LXD store and a fake ansible-playbook that
 * records its argv: secrets go to root-only files and never into the configuration, the host is
 * re-applied without hardening, a failed OIDC check stores nothing.
 */
class SetIdpDnsCommandTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects projects = new FakeLxdProjects();
    private RecordingCommandRunner runner;
    private Path playbook;
    private Path fakeAnsible;

    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void setUp() throws Exception {
        runner = new RecordingCommandRunner(c -> c.args().get(c.args().size() - 1).startsWith("/1.0/instances")
                ? RecordingCommandRunner.Reply.ok("[]") : projects.apply(c));
        playbook = Files.createDirectories(dir.resolve("release/ansible")).resolve("site.yml");
        Files.writeString(playbook, "---\n");
        fakeAnsible = dir.resolve("ansible-playbook");
        Files.writeString(fakeAnsible, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + dir.resolve("argv.txt") + "\"\n"
                + "cp \"${7#@}\" \"" + dir.resolve("seen-state.json") + "\"\necho 'PLAY RECAP'\n");
        Files.setPosixFilePermissions(fakeAnsible, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "version: 1\ndomains:\n  base: example.com\nproxy:\n  dynamic_file: " + dir.resolve("traefik/dynamic/t.yml")
                + "\n  static_file: " + dir.resolve("traefik/traefik.yml") + "\n  reload_command: []\n  ufw: false\n");
        assertThat(run("config", "import", "--file", config.toString()).exit()).isZero();
    }

    private Run run(String... args) {
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())), runner);
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private String storedYaml() {
        String b64 = projects.projects.get("terrarium-system").get("user.terrarium.config_b64");
        return new String(java.util.Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    void dnsSecretsGoToRootOnlyFilesAndTheHostIsReappliedWithoutHardening() throws Exception {
        Path token = dir.resolve("cf.token");
        Files.writeString(token, "cf-token-value\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Run r = run("set", "dns", "provider", "cloudflare", "CF_DNS_API_TOKEN:@" + token, "CF_API_EMAIL:ops@example.com",
                "--playbook", playbook.toString(), "--ansible-playbook", fakeAnsible.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path secret = dir.resolve("etc/secrets/dns-cf_dns_api_token");
        assertThat(Files.readString(secret)).isEqualTo("cf-token-value");
        assertThat(Files.getPosixFilePermissions(secret)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(storedYaml()).contains("provider: cloudflare").contains("CF_API_EMAIL: ops@example.com")
                .contains("CF_DNS_API_TOKEN: " + secret.toAbsolutePath()).doesNotContain("cf-token-value");
        assertThat(Files.readAllLines(dir.resolve("argv.txt"))).endsWith("--skip-tags", "hardening");
        assertThat(Files.readString(dir.resolve("seen-state.json"))).contains("\"traefik_dns_provider\" : \"cloudflare\"")
                .contains("\"CF_DNS_API_TOKEN\" : \"" + secret.toAbsolutePath() + "\"").doesNotContain("cf-token-value");
        assertThat(r.out()).contains("proxy-sync: OK");

        Run off = run("set", "dns", "provider", "--no-apply");
        assertThat(off.exit()).as(off.err()).isZero();
        assertThat(off.out()).contains("DNS-01 off");
        assertThat(storedYaml()).doesNotContain("cloudflare");
        assertThat(secret).doesNotExist();
    }

    @Test
    void setDomainsAndEmailsStoreThenReapplyWithoutHardening() throws Exception {
        Run d = run("set", "domains", "example.org", "--playbook", playbook.toString(), "--ansible-playbook", fakeAnsible.toString());
        assertThat(d.exit()).as(d.err()).isZero();
        assertThat(storedYaml()).contains("base: example.org");
        assertThat(Files.readAllLines(dir.resolve("argv.txt"))).endsWith("--skip-tags", "hardening");
        assertThat(Files.readString(dir.resolve("seen-state.json"))).contains("example.org");
        assertThat(d.out()).contains("proxy-sync: OK");

        Files.delete(dir.resolve("argv.txt"));
        Run e = run("set", "emails", "ops@example.org", "--no-apply", "--ansible-playbook", fakeAnsible.toString());
        assertThat(e.exit()).as(e.err()).isZero();
        assertThat(storedYaml()).contains("admin: ops@example.org");
        assertThat(dir.resolve("argv.txt")).as("--no-apply runs no Ansible").doesNotExist();
        assertThat(e.out()).contains("terrariumctl reconfigure");
    }

    @Test
    void aFailedReapplyKeepsTheStoredSettingAndSaysHowToRetry() throws Exception {
        Path failing = dir.resolve("ansible-fails");
        Files.writeString(failing, "#!/bin/sh\necho 'fatal: [localhost]: FAILED!' >&2\nexit 2\n");
        Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwxr-xr-x"));
        Run r = run("set", "emails", "ops@example.net", "--playbook", playbook.toString(), "--ansible-playbook", failing.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("ansible-playbook failed").contains("terrariumctl reconfigure");
        assertThat(storedYaml()).contains("admin: ops@example.net");
    }

    @Test
    void dnsRejectsBadNamesWithoutEchoingValuesAndStoresNothing() {
        String before = storedYaml();
        Run r = run("set", "dns", "provider", "cloudflare", "cf_token:hunter2", "--no-apply");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("cf_token: not an environment variable name").doesNotContain("hunter2");
        Run inline = run("set", "dns", "provider", "cloudflare", "CF_DNS_API_TOKEN:hunter2", "--no-apply");
        assertThat(inline.exit()).isZero();
        assertThat(inline.err()).contains("WARNING: the value of CF_DNS_API_TOKEN was given on the command line").doesNotContain("hunter2");
        assertThat(storedYaml()).isNotEqualTo(before).doesNotContain("hunter2");
    }

    @Test
    void oidcNeedsTheDiscoveryDocumentToNameTheIssuerBeforeAnythingIsStored() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String issuer = "http://127.0.0.1:" + http.getAddress().getPort() + "/ops";
        http.createContext("/ops/.well-known/openid-configuration", ex -> {
            byte[] b = ("{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\"a\",\"token_endpoint\":\"t\",\"jwks_uri\":\"j\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        try {
            Path secret = dir.resolve("oidc.secret");
            Files.writeString(secret, "s3cr3t");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            String before = storedYaml();
            Run bad = run("set", "idp", "oidc", "--issuer", issuer + "x", "--client", "terrarium", "--secret-file", secret.toString(), "--no-apply");
            assertThat(bad.exit()).isEqualTo(1);
            assertThat(bad.err()).contains("answered HTTP 404").contains("nothing was stored");
            assertThat(storedYaml()).isEqualTo(before);
            assertThat(dir.resolve("etc/secrets/oidc-client-secret")).doesNotExist();

            Run ok = run("set", "idp", "oidc", "--issuer", issuer, "--client", "terrarium", "--secret-file", secret.toString(),
                    "--admin-group", "ops", "--playbook", playbook.toString(), "--ansible-playbook", fakeAnsible.toString());
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(storedYaml()).contains("mode: oidc").contains("issuer: " + issuer).contains("admin_group: ops").doesNotContain("s3cr3t");
            assertThat(Files.readString(dir.resolve("seen-state.json"))).contains("\"idp_mode\" : \"oidc\"")
                    .contains("\"idp_oidc_issuer\" : \"" + issuer + "\"");
            assertThat(Files.readAllLines(dir.resolve("argv.txt"))).endsWith("--skip-tags", "hardening");
        } finally {
            http.stop(0);
        }
    }
}
