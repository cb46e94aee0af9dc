package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.proxy.TraefikChecks;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code terrariumctl proxy static}: the single writer of traefik.yml the Ansible role calls. */
class ProxyStaticCommandTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects lxd = new FakeLxdProjects();

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString(),
                // the full sample names its secrets under the production secrets directory
                "TERRARIUM_SECRETS_DIR", "/etc/terrarium/secrets")),
                new RecordingCommandRunner(lxd));
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void writesOnceThenReportsUnchangedAndTheFileIsValidTraefikStaticConfig() throws Exception {
        Path file = dir.resolve("traefik/traefik.yml");
        Run first = run("proxy", "static", "--config-file", "config/samples/full.yaml", "--file", file.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo("written: " + file + "\n");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        long mtime = Files.getLastModifiedTime(file).toMillis();
        Run second = run("proxy", "static", "--config-file", "config/samples/full.yaml", "--file", file.toString());
        assertThat(second.out()).isEqualTo("unchanged: " + file + "\n");
        assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(mtime);
        String yaml = Files.readString(file);
        TraefikChecks.assertValidStatic(yaml);
        assertThat(yaml).contains("email: \"certs@example.com\"").contains("provider: \"cloudflare\"");
    }

    /**
     * h1's finding (session 7): the Ansible role rewrote traefik.yml and its handler restarted Traefik
     * with it, unchecked and without a fallback. With {@code --only-if-missing} (what the role runs)
     * an existing file is left to the proxy sync, which restarts with a check and falls back.
     */
    @Test
    void onlyIfMissingWritesAFirstFileButLeavesAnExistingOneAsItIs() throws Exception {
        Path file = dir.resolve("etc-traefik/traefik.yml");
        Run first = run("proxy", "static", "--only-if-missing", "--config-file", "config/samples/full.yaml", "--file", file.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo("written: " + file + "\n");
        Files.writeString(file, "entryPoints:\n  web: {address: ':80'}\n"); // not what full.yaml renders
        Run again = run("proxy", "static", "--only-if-missing", "--config-file", "config/samples/full.yaml", "--file", file.toString());
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).isEqualTo("kept: " + file + " (exists; the proxy sync applies changes to it with a checked restart)\n")
                .doesNotContain("written");
        assertThat(Files.readString(file)).isEqualTo("entryPoints:\n  web: {address: ':80'}\n");
        Run plain = run("proxy", "static", "--config-file", "config/samples/full.yaml", "--file", file.toString());
        assertThat(plain.out()).isEqualTo("written: " + file + "\n");
    }

    @Test
    void keepsTheTcpAndUdpEntrypointsTheCurrentFilePublishes() throws Exception {
        Path file = dir.resolve("traefik.yml");
        Files.writeString(file, "entryPoints:\n  web: {address: ':80'}\n  tcp-5432: {address: ':5432/tcp'}\n"
                + "  udp-51820: {address: ':51820/udp'}\n  tcp-99999: {address: ':99999/tcp'}\n  custom: {address: ':1'}\n");
        Run r = run("proxy", "static", "--config-file", "config/samples/minimal.yaml", "--file", file.toString());
        assertThat(r.out()).startsWith("written: ");
        String yaml = Files.readString(file);
        assertThat(yaml).contains("tcp-5432:\n    address: \":5432/tcp\"").contains("udp-51820:\n    address: \":51820/udp\"")
                .doesNotContain("99999").doesNotContain("custom");
        TraefikChecks.assertValidStatic(yaml);
    }

    @Test
    void printWritesNothingAndReadsTheStoredConfigurationByDefault() {
        assertThat(run("set", "emails", "--no-apply", "ops@example.com").exit()).isZero();
        Path file = dir.resolve("never.yml");
        Run r = run("proxy", "static", "--print", "--file", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("# Generated by terrariumctl").contains("email: \"ops@example.com\"");
        assertThat(file).doesNotExist();
    }

    @Test
    void anInvalidConfigurationFileIsRefused() {
        Run r = run("proxy", "static", "--config-file", "config/samples/invalid/unknown-key.yaml", "--print");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("unknown key");
    }
}
