package io.terrarium.provision;

import com.sun.net.httpserver.HttpServer;
import io.terrarium.proxy.TraefikChecks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Ansible playbook with the real tools: {@code ansible-playbook --syntax-check},
 * {@code ansible-lint} (production profile), a check-mode run of every role against this
 * development host (downloads served from loopback), and the {@code traefik.yml} the traefik
 * role has terrariumctl render, validated against the Traefik v3 static schema.
 */
class AnsibleIT {
    static final Path ANSIBLE = Path.of("ansible").toAbsolutePath();
    static final Path LAUNCHER = Path.of("target/dist/bin/terrariumctl").toAbsolutePath();

    @TempDir
    Path tmp;

    record Run(int exit, String out) {
    }

    static Run run(Path cwd, List<String> argv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("ANSIBLE_NOCOLOR", "1");
        pb.environment().put("NO_COLOR", "1");
        pb.environment().put("ANSIBLE_LOCAL_TEMP", cwd.resolve(".ansible-tmp").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void playbookPassesSyntaxCheck() throws Exception {
        Run r = run(ANSIBLE, List.of("ansible-playbook", "--syntax-check", "-i", "localhost,", "site.yml"));
        assertThat(r.exit()).as(r.out()).isZero();
    }

    @Test
    void rolesAreAnsibleLintCleanOnTheProductionProfile() throws Exception {
        Run r = run(ANSIBLE, List.of("ansible-lint", "--nocolor", "--profile", "production"));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("0 failure(s), 0 warning(s)");
    }

    @Test
    void everyRoleDocumentsItsDefaultsInArgumentSpecs() throws Exception {
        List<String> undocumented = new ArrayList<>();
        try (var roles = Files.list(ANSIBLE.resolve("roles"))) {
            for (Path role : roles.sorted().toList()) {
                String name = role.getFileName().toString();
                String spec = Files.readString(role.resolve("meta/argument_specs.yml"));
                for (String line : Files.readAllLines(role.resolve("defaults/main.yml"))) {
                    if (line.matches("^[a-z_0-9]+:.*")) {
                        String var = line.substring(0, line.indexOf(':'));
                        assertThat(var).as("role-prefixed default in " + name).startsWith(name + "_");
                        if (!spec.contains("      " + var + ":")) {
                            undocumented.add(name + ": " + var);
                        }
                    }
                }
            }
        }
        assertThat(undocumented).as("defaults missing from meta/argument_specs.yml").isEmpty();
    }

    @Test
    void checkModeOfEveryRoleSucceedsOnThisHost() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            byte[] body = "not a real archive".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String zero = "sha256:" + "0".repeat(64);
            Path vars = tmp.resolve("state.json");
            Files.writeString(vars, """
                    {"hardening_allow_without_keys": true, "zfs_packages": ["zfs-fuse"], "lxd_storage_driver": "dir",
                     "traefik_release_url": "%1$s/traefik", "traefik_checksum": "%2$s",
                     "oauth2_proxy_release_url": "%1$s/oauth2-proxy", "oauth2_proxy_checksum": "%2$s",
                     "idp_zitadel_release_url": "%1$s/zitadel", "idp_zitadel_checksum": "%2$s",
                     "idp_auth_host": "auth.example.test"}
                    """.formatted(base, zero));
            Run r = run(ANSIBLE, List.of("ansible-playbook", "-i", "localhost,", "-c", "local", "--check", "site.yml",
                    "-e", "@" + vars));
            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).containsPattern("localhost\\s+: ok=\\d+\\s+changed=\\d+\\s+unreachable=0\\s+failed=0");
            for (String role : List.of("base", "zfs", "lxd", "hardening", "traefik", "idp", "oauth2_proxy", "backups", "terrarium")) {
                assertThat(r.out()).contains("TASK [" + role + " : ");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void traefikStaticFileTheRoleInstallsIsValidAndRenderedOnlyOnChange() throws Exception {
        assertThat(LAUNCHER).as("ITs run after mvn package").isExecutable();
        // the command line the traefik role runs, with the file and configuration moved for the test
        Path file = tmp.resolve("etc/traefik/traefik.yml");
        List<String> argv = List.of(LAUNCHER.toString(), "proxy", "static", "--config-file",
                Path.of("config/samples/full.yaml").toAbsolutePath().toString(), "--file", file.toString());
        Run first = run(tmp, argv);
        assertThat(first.exit()).as(first.out()).isZero();
        assertThat(first.out()).contains("written: " + file);
        Run second = run(tmp, argv);
        assertThat(second.out()).contains("unchanged: " + file);
        String yaml = Files.readString(file);
        TraefikChecks.assertValidStatic(yaml);
        assertThat(yaml).contains("directory: \"/etc/traefik/dynamic\"").contains("storage: \"/etc/traefik/acme.json\"");
        String role = Files.readString(ANSIBLE.resolve("roles/traefik/tasks/main.yml"));
        assertThat(role).contains("argv: [\"{{ traefik_terrariumctl }}\", proxy, static, --only-if-missing]");
        assertThat(role).doesNotContain("traefik.yml.j2");
        String defaults = Files.readString(ANSIBLE.resolve("roles/traefik/defaults/main.yml"));
        assertThat(defaults).contains("traefik_acme_storage: /etc/traefik/acme.json").contains("traefik_dynamic_dir: /etc/traefik/dynamic");
    }

    /**
     * Config keys of oauth2-proxy 7.x's config file this role may use: each is a documented flag
     * with hyphens turned into underscores (oauth2-proxy docs, "Configuration / Overview":
     * {@code --http-address}, {@code --reverse-proxy}, {@code --client-secret-file},
     * {@code --cookie-name}, {@code --whitelist-domain} → {@code whitelist_domains}, …).
     */
    static final java.util.Set<String> OAUTH2_PROXY_KEYS = java.util.Set.of("http_address", "reverse_proxy", "provider",
            "oidc_issuer_url", "client_id", "client_secret_file", "code_challenge_method", "email_domains",
            "oidc_groups_claim", "allowed_groups", "set_xauthrequest", "skip_provider_button", "upstreams", "cookie_name",
            "whitelist_domains", "cookie_secure", "cookie_httponly", "cookie_samesite");

    /** key → value (raw TOML text) of one rendered oauth2-proxy config file. */
    static java.util.Map<String, String> cfg(Path file) throws Exception {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf(" = ");
            assertThat(eq).as("TOML key = value: " + line).isPositive();
            assertThat(m.put(line.substring(0, eq), line.substring(eq + 3))).as("duplicate key in " + line).isNull();
        }
        return m;
    }

    @Test
    void theTwoGatesRenderHostOnlyCookiesWithOwnNamesSecretsPortsAndUnits() throws Exception {
        // the role's own templates and defaults, rendered by Ansible with the variables StateFile passes
        Path out = tmp.resolve("gates");
        Files.createDirectories(out);
        Path play = tmp.resolve("render.yml");
        Path role = ANSIBLE.resolve("roles/oauth2_proxy");
        Files.writeString(play, """
                - hosts: localhost
                  gather_facts: false
                  vars_files: ["%1$s/defaults/main.yml"]
                  tasks:
                    - ansible.builtin.template: {src: "%1$s/templates/oauth2-proxy.cfg.j2", dest: "%2$s/{{ item.unit }}.cfg", mode: "0644"}
                      loop: "{{ oauth2_proxy_gates }}"
                    - ansible.builtin.template: {src: "%1$s/templates/oauth2-proxy.service.j2", dest: "%2$s/{{ item.unit }}.service", mode: "0644"}
                      loop: "{{ oauth2_proxy_gates }}"
                """.formatted(role, out));
        Path vars = tmp.resolve("vars.json");
        Files.writeString(vars, """
                {"oauth2_proxy_admin_hosts": ["auth.example.test", "lxd.example.test", "manage.example.test", "proxy.example.test"],
                 "oauth2_proxy_tenant_cookie_secret_file": "/etc/terrarium/secrets/oauth2-proxy-tenant.env",
                 "idp_mode": "oidc", "idp_oidc_issuer": "https://login.example.test", "idp_oidc_client_id": "terrarium"}
                """);
        Run r = run(tmp, List.of("ansible-playbook", "-i", "localhost,", "-c", "local", play.toString(), "-e", "@" + vars));
        assertThat(r.exit()).as(r.out()).isZero();

        java.util.Map<String, String> admin = cfg(out.resolve("oauth2-proxy.cfg"));
        java.util.Map<String, String> tenant = cfg(out.resolve("oauth2-proxy-tenant.cfg"));
        assertThat(admin.keySet()).isSubsetOf(OAUTH2_PROXY_KEYS);
        assertThat(tenant.keySet()).isSubsetOf(OAUTH2_PROXY_KEYS);
        // host-only cookies: no cookie domain on either gate, so no cookie reaches another host
        assertThat(admin).doesNotContainKeys("cookie_domains", "cookie_domain", "redirect_url", "cookie_secret");
        assertThat(tenant).doesNotContainKeys("cookie_domains", "cookie_domain", "redirect_url", "cookie_secret");
        assertThat(admin).containsEntry("http_address", "\"127.0.0.1:4180\"").containsEntry("cookie_name", "\"_terrarium_admin\"")
                .containsEntry("allowed_groups", "[\"terrarium-admins\"]")
                .containsEntry("whitelist_domains", "[\"auth.example.test\", \"lxd.example.test\", \"manage.example.test\", \"proxy.example.test\"]")
                .containsEntry("client_secret_file", "\"/run/credentials/oauth2-proxy.service/client-secret\"");
        assertThat(tenant).containsEntry("http_address", "\"127.0.0.1:4181\"").containsEntry("cookie_name", "\"_terrarium_tenant\"")
                .containsEntry("client_secret_file", "\"/run/credentials/oauth2-proxy-tenant.service/client-secret\"")
                .doesNotContainKeys("allowed_groups", "whitelist_domains");
        for (java.util.Map<String, String> gate : List.of(admin, tenant)) {
            assertThat(gate).containsEntry("reverse_proxy", "true").containsEntry("set_xauthrequest", "true")
                    .containsEntry("upstreams", "[\"static://202\"]").containsEntry("cookie_secure", "true")
                    .containsEntry("oidc_issuer_url", "\"https://login.example.test\"");
        }
        String adminUnit = Files.readString(out.resolve("oauth2-proxy.service"));
        String tenantUnit = Files.readString(out.resolve("oauth2-proxy-tenant.service"));
        assertThat(adminUnit).contains("EnvironmentFile=/etc/terrarium/secrets/oauth2-proxy.env\n")
                .contains("--config=/etc/oauth2-proxy/oauth2-proxy.cfg\n");
        assertThat(tenantUnit).contains("EnvironmentFile=/etc/terrarium/secrets/oauth2-proxy-tenant.env\n")
                .contains("--config=/etc/oauth2-proxy/oauth2-proxy-tenant.cfg\n")
                .contains("LoadCredential=client-secret:/etc/terrarium/secrets/oidc-client-secret\n");
    }
}
