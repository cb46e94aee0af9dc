package io.terrarium.config;

import org.quartz.CronExpression;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Value checks for a parsed configuration. Every message names the dotted key and what is allowed.
 * Pure: no I/O.
 */
public final class ConfigValidator {
    /** Stable job (route) ids that {@code daemon.schedules} may name (DESIGN.md §1). */
    public static final Set<String> KNOWN_JOBS = Set.of("host-facts", "proxy-sync", "snapshot", "replicate",
            "s3-export", "s3-janitor", "s3-verify");
    /** S3 provider profiles. */
    public static final Set<String> PROVIDERS = Set.of("aws", "r2", "minio", "generic");

    private static final Pattern EMAIL_LOCAL = Pattern.compile("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}");
    private static final Pattern LXD_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern ZFS_POOL = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]{0,254}");
    private static final Pattern ZFS_DATASET = Pattern.compile("[A-Za-z][A-Za-z0-9_.:/-]{0,254}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern INSTALL_ID = Pattern.compile("[a-z0-9][a-z0-9-]{7,63}");

    private ConfigValidator() {
    }

    /**
     * Checks a configuration whose secret files live under the default secrets directory
     * {@value #SECRETS_DIR}.
     *
     * @return one message per problem; empty when the configuration is valid
     */
    public static List<String> validate(TerrariumConfig c) {
        return validate(c, SECRETS_DIR);
    }

    /**
     * Checks a configuration.
     *
     * @param secretsDir the host's secrets directory (absolute, with or without a trailing '/'):
     *                   every key or secret file the configuration names must be a file directly in
     *                   it (docs/security.md "The stored configuration")
     * @return one message per problem; empty when the configuration is valid
     */
    public static List<String> validate(TerrariumConfig c, String secretsDir) {
        String secrets = secretsDir.endsWith("/") ? secretsDir : secretsDir + "/";
        List<String> p = new ArrayList<>();
        if (c.version() != TerrariumConfig.CURRENT_VERSION) {
            p.add("version: " + c.version() + " is not supported by this terrariumctl (it reads version "
                    + TerrariumConfig.CURRENT_VERSION + "); update terrariumctl or migrate the file");
        }
        if (c.installationId() != null && !INSTALL_ID.matcher(c.installationId()).matches()) {
            p.add("installation_id: \"" + c.installationId() + "\" must be 8–64 lowercase letters, digits or '-'");
        }
        var d = c.domains();
        hostname(p, "domains.base", d.base());
        hostname(p, "domains.manage", d.manage());
        hostname(p, "domains.proxy", d.proxy());
        hostname(p, "domains.lxd", d.lxd());
        hostname(p, "domains.auth", d.auth());
        distinctHosts(p, d);
        email(p, "emails.admin", c.emails().admin());
        email(p, "emails.acme", c.emails().acme());
        var l = c.lxd();
        lxdName(p, "lxd.project", l.project());
        lxdName(p, "lxd.network", l.network());
        lxdName(p, "lxd.storage_pool", l.storagePool());
        if (!l.remote().isEmpty() && !LXD_NAME.matcher(l.remote()).matches()) {
            p.add("lxd.remote: \"" + l.remote() + "\" is not a valid LXD remote name");
        }
        var z = c.zfs();
        if (!ZFS_POOL.matcher(z.pool()).matches()) {
            p.add("zfs.pool: \"" + z.pool() + "\" is not a valid pool name (starts with a letter; letters, digits, '_', '-', '.', ':')");
        }
        if (!ZFS_DATASET.matcher(z.containersDataset()).matches() || z.containersDataset().contains("//")
                || z.containersDataset().endsWith("/")) {
            p.add("zfs.containers_dataset: \"" + z.containersDataset() + "\" is not a valid dataset name");
        } else if (!z.containersDataset().startsWith(z.pool() + "/")) {
            p.add("zfs.containers_dataset: \"" + z.containersDataset() + "\" must be inside pool \"" + z.pool() + "\"");
        }
        var dm = c.daemon();
        if (!isLoopback(dm.managementHost())) {
            p.add("daemon.management_host: \"" + dm.managementHost()
                    + "\" must be a loopback address (127.0.0.1, ::1 or localhost): the management endpoint is never exposed");
        }
        port(p, "daemon.management_port", dm.managementPort());
        if (dm.managementPort() >= PRIVILEGED_PORTS_END && dm.managementPort() <= 65535) {
            p.add("daemon.management_port: " + dm.managementPort() + " is not a privileged port: any local user could bind it"
                    + " before the daemon (and receive the CLI's management login); choose one below " + PRIVILEGED_PORTS_END
                    + " (default " + TerrariumConfig.Daemon.DEFAULT_PORT + ")");
        } else if (io.terrarium.proxy.ProxySettings.ALWAYS_RESERVED.contains(dm.managementPort())) {
            // tester, session 5: 80/443 are Traefik's entrypoints and 22 is sshd; the daemon or
            // Traefik would fail to bind, taking the ingress or the management endpoint down
            p.add("daemon.management_port: " + dm.managementPort() + " is reserved (22 sshd, 80 and 443 Traefik's entrypoints);"
                    + " choose another port below " + PRIVILEGED_PORTS_END + " (default " + TerrariumConfig.Daemon.DEFAULT_PORT + ")");
        }
        dm.schedules().forEach((job, cron) -> {
            if (!KNOWN_JOBS.contains(job)) {
                p.add("daemon.schedules: unknown job \"" + job + "\" (known: " + String.join(", ", new java.util.TreeSet<>(KNOWN_JOBS)) + ")");
            } else if (cron == null || !CronExpression.isValidExpression(cron)) {
                p.add("daemon.schedules." + job + ": \"" + cron
                        + "\" is not a Quartz cron expression (six or seven fields, seconds first, e.g. \"0 */15 * * * ?\")");
            }
        });
        s3(p, c.s3());
        proxy(p, c.proxy(), dm.managementPort());
        backups(p, c.backups(), secrets);
        idp(p, c.idp(), secrets);
        storage(p, c.storage());
        dns(p, c.dns(), c.proxy(), secrets);
        events(p, c.events(), secrets);
        return p;
    }

    /** Kafka topic names (Kafka's {@code Topic.validate}: 1–249 of ASCII letters, digits, '.', '_', '-'). */
    static final Pattern KAFKA_TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    /** Kafka {@code client.id}: printable, no spaces (it appears in broker logs and quotas). */
    private static final Pattern KAFKA_CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** A bootstrap server: {@code host:port}, host a DNS name, IPv4 or a bracketed IPv6 address. */
    private static final Pattern KAFKA_SERVER = Pattern.compile(
            "(\\[[0-9A-Fa-f:.]+\\]|(?=[A-Za-z0-9.-]{1,253}:)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*):([0-9]{1,5})");
    /** Kafka {@code security.protocol} values. */
    public static final Set<String> KAFKA_PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    /** SASL mechanisms whose credentials are a user name and a password. */
    public static final Set<String> KAFKA_SASL_MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
    /** Where secret files live on the host (DESIGN.md §3). */
    public static final String SECRETS_DIR = "/etc/terrarium/secrets/";

    /**
     * The manage, proxy, LXD UI and identity gate hosts are four Traefik routers: two with the same
     * host name would shadow each other (Traefik picks one router per rule), so each must differ.
     */
    private static void distinctHosts(List<String> p, TerrariumConfig.Domains d) {
        String[][] hosts = {{"domains.manage", d.manageHost()}, {"domains.proxy", d.proxyHost()},
                {"domains.lxd", d.lxdHost()}, {"domains.auth", d.authHost()}};
        for (int i = 0; i < hosts.length; i++) {
            for (int j = i + 1; j < hosts.length; j++) {
                if (hosts[i][1] != null && hosts[i][1].equals(hosts[j][1])) {
                    p.add(hosts[j][0] + ": \"" + hosts[j][1] + "\" is also " + hosts[i][0]
                            + "; each admin page needs its own host name (two Traefik routers with one Host rule shadow each other)");
                }
            }
        }
    }

    /** A healthchecks.io slug suffix/prefix: {@code a-z 0-9 - _} (healthchecks.io/docs/http_api/). */
    private static final Pattern SLUG_PREFIX = Pattern.compile("[a-z0-9_-]{0,64}");

    private static void events(List<String> p, TerrariumConfig.Events e, String secrets) {
        notifications(p, e, secrets);
        var k = e.kafka();
        if (k == null) {
            return;
        }
        if (k.bootstrapServers().isEmpty()) {
            p.add("events.kafka.bootstrap_servers: required (a list of host:port, e.g. [kafka1.example.com:9092])");
        }
        for (String s : k.bootstrapServers()) {
            var m = s == null ? null : KAFKA_SERVER.matcher(s);
            if (m == null || !m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
                p.add("events.kafka.bootstrap_servers: \"" + s + "\" is not host:port (e.g. kafka1.example.com:9092, 10.0.0.5:9092, [fd00::5]:9092)");
            }
        }
        if (k.topic() == null || k.topic().isBlank()) {
            p.add("events.kafka.topic: required (e.g. terrarium.events)");
        } else if (!KAFKA_TOPIC.matcher(k.topic()).matches() || k.topic().equals(".") || k.topic().equals("..")) {
            p.add("events.kafka.topic: \"" + k.topic() + "\" is not a Kafka topic name (1–249 letters, digits, '.', '_', '-')");
        }
        if (!KAFKA_CLIENT_ID.matcher(k.clientId()).matches()) {
            p.add("events.kafka.client_id: \"" + k.clientId() + "\" is not a client id (letters, digits, '.', '_', '-'; at most 128)");
        }
        if (!KAFKA_PROTOCOLS.contains(k.securityProtocol())) {
            p.add("events.kafka.security_protocol: \"" + k.securityProtocol() + "\" is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
        }
        boolean sasl = k.securityProtocol().startsWith("SASL_");
        if (sasl) {
            for (var req : new String[][]{{"sasl_mechanism", k.saslMechanism()}, {"sasl_username", k.saslUsername()},
                    {"sasl_password_file", k.saslPasswordFile()}}) {
                if (req[1] == null || req[1].isBlank()) {
                    p.add("events.kafka." + req[0] + ": required when security_protocol is " + k.securityProtocol());
                }
            }
        } else {
            for (var set : new String[][]{{"sasl_mechanism", k.saslMechanism()}, {"sasl_username", k.saslUsername()},
                    {"sasl_password_file", k.saslPasswordFile()}}) {
                if (set[1] != null) {
                    p.add("events.kafka." + set[0] + ": only used with security_protocol SASL_PLAINTEXT or SASL_SSL (it is "
                            + k.securityProtocol() + ")");
                }
            }
        }
        if (k.saslMechanism() != null && !KAFKA_SASL_MECHANISMS.contains(k.saslMechanism())) {
            p.add("events.kafka.sasl_mechanism: \"" + k.saslMechanism() + "\" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
        }
        if (k.saslUsername() != null && !KAFKA_CLIENT_ID.matcher(k.saslUsername()).matches()) {
            p.add("events.kafka.sasl_username: \"" + k.saslUsername() + "\" is not a user name (letters, digits, '.', '_', '-')");
        }
        secretFile(p, "events.kafka.sasl_password_file", k.saslPasswordFile(), secrets,
                "the password itself never goes in the config");
        if (k.deliveryTimeoutSeconds() < 1 || k.deliveryTimeoutSeconds() > 600) {
            p.add("events.kafka.delivery_timeout_seconds: " + k.deliveryTimeoutSeconds() + " is outside 1–600");
        }
        if (k.queueSize() < 1 || k.queueSize() > 100_000) {
            p.add("events.kafka.queue_size: " + k.queueSize() + " is outside 1–100000");
        }
    }

    private static void notifications(List<String> p, TerrariumConfig.Events e, String secrets) {
        if (e.webhook() != null) {
            urlFile(p, "events.webhook.url_file", e.webhook().urlFile(), secrets, "the webhook URL");
            timeout(p, "events.webhook.timeout_seconds", e.webhook().timeoutSeconds());
        }
        if (e.healthchecks() != null) {
            urlFile(p, "events.healthchecks.ping_url_file", e.healthchecks().pingUrlFile(), secrets, "the ping URL");
            if (!SLUG_PREFIX.matcher(e.healthchecks().slugPrefix()).matches()) {
                p.add("events.healthchecks.slug_prefix: \"" + printable(e.healthchecks().slugPrefix())
                        + "\" may hold only a-z, 0-9, '-' and '_' (at most 64; healthchecks.io slugs)");
            }
            timeout(p, "events.healthchecks.timeout_seconds", e.healthchecks().timeoutSeconds());
        }
        e.staleAfter().forEach((job, age) -> {
            if (!KNOWN_JOBS.contains(job)) {
                p.add("events.stale_after: unknown job \"" + printable(job) + "\" (known: "
                        + String.join(", ", new java.util.TreeSet<>(KNOWN_JOBS)) + ")");
            } else if (io.terrarium.notify.Notices.parseAge(age) == null) {
                p.add("events.stale_after." + job + ": \"" + printable(age)
                        + "\" is not an age (a whole number of 1–999999 with m, h or d, e.g. 90m, 26h, 2d)");
            }
        });
        if (!e.staleAfter().isEmpty() && e.webhook() == null) {
            p.add("events.stale_after: set, but there is no events.webhook to send job.stale to (healthchecks.io detects"
                    + " staleness itself: give each check the job's period and a grace time there)");
        }
    }

    /**
     * A file holding a URL with a token: the strict secret-file rule ({@link #secretFile(List, String,
     * String, String, String)}), and a value that looks like the URL itself is never echoed — pasting
     * the URL instead of a path is the likely mistake, and error lines end up in logs.
     */
    private static void urlFile(List<String> p, String field, String path, String secrets, String what) {
        if (path == null || path.isBlank()) {
            p.add(field + ": required (a file under " + secrets + " holding " + what + ")");
        } else if (path.contains("://")) {
            p.add(field + ": is a URL, not a file path (value not shown: it may hold a token); put " + what + " in a file under "
                    + secrets + " (chmod 600) and name that path");
        } else {
            secretFile(p, field, printable(path), secrets, what + " itself never goes in the config");
        }
    }

    private static void timeout(List<String> p, String field, int seconds) {
        if (seconds < 1 || seconds > 60) {
            p.add(field + ": " + seconds + " is outside 1–60");
        }
    }

    /** A value for an error message: control characters (newlines) shown escaped, at most 80 characters. */
    private static String printable(String v) {
        if (v == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        for (char c : v.toCharArray()) {
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.length() > 80 ? b.substring(0, 80) + "…" : b.toString();
    }

    /** Group names oauth2-proxy compares with the token's groups claim. */
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}");
    /** OIDC client ids: printable, no spaces or quotes. */
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:@-]{0,254}");
    /** The file vdev size in truncate syntax. */
    public static final Pattern SIZE = Pattern.compile("[1-9][0-9]{0,8}[KMGT]?");
    /** Environment variable names lego reads (upper case, digits, '_'). */
    public static final Pattern ENV_NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,127}");
    /** Storage modes. */
    public static final Set<String> STORAGE_MODES = Set.of("disk", "partition", "file");

    private static void idp(List<String> p, TerrariumConfig.Idp i, String secrets) {
        if (!i.mode().equals("local") && !i.mode().equals("oidc")) {
            p.add("idp.mode: \"" + i.mode() + "\" is not one of local, oidc");
        }
        if (!GROUP.matcher(i.adminGroup()).matches()) {
            p.add("idp.admin_group: \"" + i.adminGroup() + "\" is not a group name (letters, digits, '_', '.', ':', '@', '/', '-')");
        }
        if (i.issuer() != null) {
            String problem = issuerProblem(i.issuer());
            if (problem != null) {
                p.add("idp.issuer: " + problem);
            }
        }
        if (i.clientId() != null && !CLIENT_ID.matcher(i.clientId()).matches()) {
            p.add("idp.client_id: \"" + i.clientId() + "\" is not a client id (letters, digits, '_', '.', ':', '@', '-')");
        }
        secretFile(p, "idp.client_secret_file", i.clientSecretFile(), secrets, "the secret itself never goes in the config");
        if (i.mode().equals("oidc")) {
            for (var req : new String[][]{{"issuer", i.issuer()}, {"client_id", i.clientId()}, {"client_secret_file", i.clientSecretFile()}}) {
                if (req[1] == null || req[1].isBlank()) {
                    p.add("idp." + req[0] + ": required when idp.mode is oidc");
                }
            }
        }
    }

    /**
     * Checks an OIDC issuer URL: {@code https://host[/path]} (plain http only to a loopback host),
     * no query, fragment or credentials, no trailing slash (OpenID Connect Discovery 1.0 §4: the
     * discovery document is at {@code <issuer>/.well-known/openid-configuration} and its
     * {@code issuer} must equal the configured one exactly).
     *
     * @return what is wrong, or {@code null} when the URL is acceptable
     */
    public static String issuerProblem(String issuer) {
        try {
            URI u = new URI(issuer);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (u.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
                return "\"" + issuer + "\" must be an https URL with a host, e.g. https://login.example.com/realms/ops";
            }
            if (scheme.equals("http") && !isLoopback(u.getHost())) {
                return "\"" + issuer + "\" uses plain http to a non-loopback host; use https";
            }
            if (u.getUserInfo() != null || u.getQuery() != null || u.getFragment() != null) {
                return "\"" + issuer + "\" must not contain credentials, a query or a fragment";
            }
            if (issuer.endsWith("/")) {
                return "\"" + issuer + "\" must not end with '/' (write it exactly as the provider's discovery document names it)";
            }
            return null;
        } catch (URISyntaxException e) {
            return "\"" + issuer + "\" is not a URL: " + e.getReason();
        }
    }

    private static void storage(List<String> p, TerrariumConfig.Storage s) {
        if (!STORAGE_MODES.contains(s.mode())) {
            p.add("storage.mode: \"" + s.mode() + "\" is not one of disk, partition, file");
        }
        if (s.source() != null && (!s.source().startsWith("/dev/") || s.source().contains(".."))) {
            p.add("storage.source: \"" + s.source() + "\" must be a device path under /dev/ (e.g. /dev/sdb or /dev/disk/by-id/…)");
        }
        if ((s.mode().equals("disk") || s.mode().equals("partition")) && s.source() == null) {
            p.add("storage.source: required when storage.mode is " + s.mode());
        }
        if (!s.file().startsWith("/") || s.file().endsWith("/") || s.file().contains("/../")) {
            p.add("storage.file: \"" + s.file() + "\" must be an absolute file path");
        }
        if (!SIZE.matcher(s.size()).matches()) {
            p.add("storage.size: \"" + s.size() + "\" must be a number with an optional K, M, G or T suffix, e.g. 64G");
        }
    }

    private static void dns(List<String> p, TerrariumConfig.Dns d, TerrariumConfig.Proxy x, String secrets) {
        if (d.provider() != null && !DNS_PROVIDER.matcher(d.provider()).matches()) {
            p.add("dns.provider: \"" + d.provider()
                    + "\" is not a lego provider code (lowercase letters, digits, '.', '_', '-'; e.g. cloudflare)");
        } else if (d.provider() != null) {
            String why = DnsProviders.refusal(d.provider());
            if (why != null) {
                p.add("dns.provider: " + why);
            }
        }
        if (d.provider() != null && DnsProviders.refusal(d.provider()) == null) {
            for (String name : new java.util.TreeSet<>(d.env().keySet())) {
                String why = DnsProviders.refusalOf(d.provider(), name, false);
                if (why != null) {
                    p.add("dns.env." + name + ": " + why);
                }
            }
            for (String name : new java.util.TreeSet<>(d.envFiles().keySet())) {
                String why = DnsProviders.refusalOf(d.provider(), name, true);
                if (why != null) {
                    p.add("dns.env_files." + name + ": " + why);
                }
            }
        }
        if (d.provider() != null && x.dnsProvider() != null && !d.provider().equals(x.dnsProvider())) {
            p.add("dns.provider: \"" + d.provider() + "\" differs from proxy.dns_provider \"" + x.dnsProvider()
                    + "\"; remove proxy.dns_provider (dns.provider replaces it)");
        }
        if (d.provider() == null && (!d.env().isEmpty() || !d.envFiles().isEmpty())) {
            p.add("dns.env/env_files: set without dns.provider");
        }
        d.env().forEach((k, v) -> {
            if (!ENV_NAME.matcher(k).matches()) {
                p.add("dns.env: \"" + k + "\" is not an environment variable name (A-Z, 0-9, '_')");
            } else if (isSecretName(k)) {
                p.add("dns.env." + k + ": looks like a secret (name contains KEY, SECRET, TOKEN or PASSWORD); "
                        + "it belongs in a root-only file named in dns.env_files (terrariumctl set dns does that)");
            }
            if (v == null || v.isEmpty() || v.contains("\n")) {
                p.add("dns.env." + k + ": must be a non-empty single-line value");
            }
        });
        d.envFiles().forEach((k, v) -> {
            if (!ENV_NAME.matcher(k).matches()) {
                p.add("dns.env_files: \"" + k + "\" is not an environment variable name (A-Z, 0-9, '_')");
            }
            secretFile(p, "dns.env_files." + k, v == null ? "" : v, secrets, "the value itself never goes in the config");
            if (d.env().containsKey(k)) {
                p.add("dns.env_files." + k + ": also set in dns.env; keep one");
            }
        });
    }

    /**
     * Whether a DNS provider variable holds a secret: its name contains KEY, SECRET, TOKEN or
     * PASSWORD (lego's credential variables are named so, e.g. {@code CF_DNS_API_TOKEN},
     * {@code AWS_SECRET_ACCESS_KEY}).
     */
    public static boolean isSecretName(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        return n.contains("KEY") || n.contains("SECRET") || n.contains("TOKEN") || n.contains("PASSWORD");
    }

    private static final Pattern DNS_PROVIDER = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private static void proxy(List<String> p, TerrariumConfig.Proxy x, int managementPort) {
        for (var f : new String[][]{{"dynamic_file", x.dynamicFile()}, {"static_file", x.staticFile()}}) {
            if (!f[1].startsWith("/") || f[1].endsWith("/") || f[1].contains("/../")) {
                p.add("proxy." + f[0] + ": \"" + f[1] + "\" must be an absolute file path");
            } else if (!f[1].endsWith(".yml") && !f[1].endsWith(".yaml")) {
                p.add("proxy." + f[0] + ": \"" + f[1] + "\" must end with .yml or .yaml (Traefik's file provider reads only *.yml, *.yaml, *.toml)");
            }
        }
        if (x.dynamicFile().equals(x.staticFile())) {
            p.add("proxy.static_file: must differ from proxy.dynamic_file");
        }
        int first = x.bridgePortFirst();
        int last = x.bridgePortLast();
        if (first < 1024 || last > 65535 || first > last) {
            p.add("proxy.bridge_port_first/bridge_port_last: " + first + "-" + last
                    + " must be a non-empty range within 1024–65535");
        } else if (managementPort >= first && managementPort <= last) {
            p.add("proxy.bridge_port_first/bridge_port_last: " + first + "-" + last
                    + " contains daemon.management_port " + managementPort);
        }
        gateUrl(p, "proxy.oauth2_proxy_url", x.oauth2ProxyUrl(), "http://127.0.0.1:4180", managementPort);
        gateUrl(p, "proxy.tenant_auth_url", x.tenantAuthUrl(), "http://127.0.0.1:4181", managementPort);
        String adminGate = gateListener(x.oauth2ProxyUrl());
        if (adminGate != null && adminGate.equals(gateListener(x.tenantAuthUrl()))) {
            p.add("proxy.tenant_auth_url: \"" + x.tenantAuthUrl() + "\" is the admin gate (proxy.oauth2_proxy_url); tenants'"
                    + " @auth routes need their own oauth2-proxy (own cookie and secret), e.g. http://127.0.0.1:4181");
        }
        if (x.dnsProvider() != null && !DNS_PROVIDER.matcher(x.dnsProvider()).matches()) {
            p.add("proxy.dns_provider: \"" + x.dnsProvider()
                    + "\" is not a lego provider name (lowercase letters, digits, '.', '_', '-'; e.g. cloudflare)");
        } else if (x.dnsProvider() != null && DnsProviders.refusal(x.dnsProvider()) != null) {
            p.add("proxy.dns_provider: " + DnsProviders.refusal(x.dnsProvider()));
        }
        if (x.intervalSeconds() < 10 || x.intervalSeconds() > 86400) {
            p.add("proxy.interval_seconds: " + x.intervalSeconds() + " is outside 10–86400");
        }
        if (!RELOAD_COMMANDS.contains(x.reloadCommand())) {
            p.add("proxy.reload_command: " + x.reloadCommand() + " is not one of the allowed commands "
                    + RELOAD_COMMANDS.stream().map(Object::toString).sorted().toList()
                    + " (the daemon runs it as root, so the stored configuration may only choose from this fixed set; "
                    + "[] never reloads)");
        }
        for (String b : x.wildcardBases()) {
            if (b == null || !DnsNames.isHostName(b)) {
                p.add("proxy.wildcard_bases: \"" + b + "\" is not a DNS name of at least two labels (e.g. apps.example.com)");
            }
        }
        if (x.publicPortFirst() < 1 || x.publicPortLast() > 65535 || x.publicPortFirst() > x.publicPortLast()) {
            p.add("proxy.public_port_first/public_port_last: " + x.publicPortFirst() + "-" + x.publicPortLast()
                    + " must be a non-empty range within 1-65535 (default 1024-65535: privileged ports refused)");
        }
    }

    private static void s3(List<String> p, TerrariumConfig.S3 s) {
        if (!PROVIDERS.contains(s.provider())) {
            p.add("s3.provider: \"" + s.provider() + "\" is not one of aws, r2, minio, generic");
        }
        if (s.enabled()) {
            for (var req : new String[][]{{"endpoint", s.endpoint()}, {"bucket", s.bucket()},
                    {"access_key", s.accessKey()}, {"secret_key_file", s.secretKeyFile()}}) {
                if (req[1] == null || req[1].isBlank()) {
                    p.add("s3." + req[0] + ": required when s3.enabled is true");
                }
            }
        }
        if (s.endpoint() != null) {
            try {
                URI u = new URI(s.endpoint());
                String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if (u.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
                    p.add("s3.endpoint: \"" + s.endpoint() + "\" must be an http(s) URL with a host, e.g. https://s3.eu-west-1.amazonaws.com");
                } else if (scheme.equals("http") && !isLoopback(u.getHost())) {
                    p.add("s3.endpoint: \"" + s.endpoint() + "\" uses plain http to a non-loopback host; use https");
                } else if (u.getUserInfo() != null || u.getQuery() != null) {
                    p.add("s3.endpoint: must not contain credentials or a query string");
                }
            } catch (URISyntaxException e) {
                p.add("s3.endpoint: \"" + s.endpoint() + "\" is not a URL: " + e.getReason());
            }
        }
        if (s.bucket() != null && (!BUCKET.matcher(s.bucket()).matches() || s.bucket().contains(".."))) {
            p.add("s3.bucket: \"" + s.bucket() + "\" is not a valid bucket name (3–63 lowercase letters, digits, '.', '-')");
        }
        if (s.prefix().startsWith("/") || s.prefix().contains("..") || s.prefix().contains("//")
                || (!s.prefix().isEmpty() && !s.prefix().endsWith("/"))) {
            p.add("s3.prefix: \"" + s.prefix() + "\" must be relative, end with '/', and contain no '..' or '//'");
        }
        if (s.secretKeyFile() != null && !(s.secretKeyFile().startsWith("/") && plainPath(s.secretKeyFile()))) {
            p.add("s3.secret_key_file: \"" + s.secretKeyFile() + "\" must be an absolute path without '.' or '..' parts (the secret itself never goes in the config)");
        }
        var r = s.retention();
        if (r.keepChains() < 1 || r.keepChains() > 1000) {
            p.add("s3.retention.keep_chains: " + r.keepChains() + " is outside 1–1000 (the newest chain is always kept; "
                    + "use a large number to keep more)");
        }
        if (r.keepPoints() < 0 || r.keepPoints() > 100_000) {
            p.add("s3.retention.keep_points: " + r.keepPoints() + " is outside 0–100000");
        }
        var ch = s.chain();
        if (ch.maxIncrementals() < 1 || ch.maxIncrementals() > 10_000) {
            p.add("s3.chain.max_incrementals: " + ch.maxIncrementals() + " is outside 1–10000");
        }
        if (ch.maxAgeDays() < 0 || ch.maxAgeDays() > 3650) {
            p.add("s3.chain.max_age_days: " + ch.maxAgeDays() + " is outside 0–3650 (0 = no age limit)");
        }
        var lock = s.objectLock();
        if (lock != null) {
            if (lock.mode() == null || !(lock.mode().equals("GOVERNANCE") || lock.mode().equals("COMPLIANCE"))) {
                p.add("s3.object_lock.mode: " + (lock.mode() == null ? "missing" : "\"" + lock.mode() + "\"")
                        + " must be GOVERNANCE (deletable by a user allowed to bypass governance retention) or "
                        + "COMPLIANCE (nobody can delete a locked version before its date)");
            }
            if (lock.retainDays() == null || lock.retainDays() < 1 || lock.retainDays() > 36_500) {
                p.add("s3.object_lock.retain_days: " + (lock.retainDays() == null ? "missing" : lock.retainDays())
                        + " must be 1–36500 (days each new restore point stays locked after its upload)");
            }
            try {
                // an unknown spelling (e.g. "R2") is reported by its own check, once
                if (PROVIDERS.contains(s.provider()) && io.terrarium.s3.ProviderProfile.of(s.provider()).objectLockSupport()
                        == io.terrarium.s3.ProviderProfile.ObjectLockSupport.NO) {
                    p.add("s3.object_lock: provider " + s.provider() + " does not support S3 Object Lock "
                            + "(docs/s3.md \"Object Lock\"); remove s3.object_lock or use a provider that does");
                }
            } catch (IllegalArgumentException e) {
                // the unknown provider is reported by its own check
            }
        }
    }

    private static final Pattern SSH_TARGET = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}@[A-Za-z0-9.:\\[\\]-]{1,253}");

    private static void backups(List<String> p, TerrariumConfig.Backups b, String secrets) {
        if (!b.sanoidConf().startsWith("/") || !b.sanoidConf().endsWith(".conf") || b.sanoidConf().contains("..")) {
            p.add("backups.sanoid_conf: \"" + b.sanoidConf() + "\" must be an absolute path ending in sanoid.conf");
        } else if (!b.sanoidConf().endsWith("/sanoid.conf")) {
            p.add("backups.sanoid_conf: \"" + b.sanoidConf() + "\" must be named sanoid.conf (sanoid reads <configdir>/sanoid.conf)");
        }
        var pol = b.policy();
        int[] counts = {pol.frequently(), pol.hourly(), pol.daily(), pol.monthly(), pol.yearly()};
        String[] names = {"frequently", "hourly", "daily", "monthly", "yearly"};
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0 || counts[i] > 10_000) {
                p.add("backups.policy." + names[i] + ": " + counts[i] + " is outside 0–10000");
            }
        }
        if (pol.frequentPeriod() < 1 || pol.frequentPeriod() > 60 || 60 % pol.frequentPeriod() != 0) {
            p.add("backups.policy.frequent_period: " + pol.frequentPeriod()
                    + " must be a whole number of minutes that divides 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)");
        }
        var s = b.syncoid();
        if (s.target() != null && !SSH_TARGET.matcher(s.target()).matches()) {
            p.add("backups.syncoid.target: \"" + s.target() + "\" must be user@host (e.g. backup@mirror.example.com)");
        }
        if (s.targetDataset() != null && (!ZFS_DATASET.matcher(s.targetDataset()).matches()
                || s.targetDataset().contains("//") || s.targetDataset().endsWith("/"))) {
            p.add("backups.syncoid.target_dataset: \"" + s.targetDataset() + "\" is not a valid dataset name");
        }
        secretFile(p, "backups.syncoid.ssh_key", s.sshKey(), secrets, "the key itself never goes in the config");
        if (s.knownHosts() != null && !(s.knownHosts().startsWith("/") && plainPath(s.knownHosts())
                && SAFE_PATH.matcher(s.knownHosts()).matches())) {
            p.add("backups.syncoid.known_hosts: \"" + s.knownHosts() + "\" must be an absolute path of letters, digits, "
                    + "'.', '_', '-' and '/' without '.' or '..' parts (syncoid puts it into a shell command line)");
        }
        port(p, "backups.syncoid.ssh_port", s.sshPort());
        if (s.enabled()) {
            for (var req : new String[][]{{"target", s.target()}, {"target_dataset", s.targetDataset()}, {"ssh_key", s.sshKey()}}) {
                if (req[1] == null || req[1].isBlank()) {
                    p.add("backups.syncoid." + req[0] + ": required when backups.syncoid.enabled is true");
                }
            }
        }
    }

    /**
     * Checks a DNS host name by the one rule shared with the proxy label parser ({@link DnsNames}):
     * labels of letters, digits and '-', 1–63 characters each, at least two labels, 253 characters at
     * most, any letter case (stored lower-case).
     */
    public static boolean isHostname(String h) {
        return DnsNames.isHostName(h);
    }

    /** Checks an e-mail address: {@code local@host} with a valid host name. */
    public static boolean isEmail(String e) {
        if (e == null) {
            return false;
        }
        int at = e.lastIndexOf('@');
        return at > 0 && EMAIL_LOCAL.matcher(e.substring(0, at)).matches() && isHostname(e.substring(at + 1).toLowerCase(Locale.ROOT));
    }

    /** True for 127.0.0.0/8, ::1 and localhost. */
    public static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.equals("::1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    private static void hostname(List<String> p, String key, String value) {
        if (value != null && !isHostname(value)) {
            p.add(key + ": \"" + value + "\" is not a valid host name: it " + DnsNames.problem(value) + " (e.g. example.com)");
        }
    }

    private static void email(List<String> p, String key, String value) {
        if (value != null && !isEmail(value)) {
            p.add(key + ": \"" + value + "\" is not a valid e-mail address (e.g. ops@example.com)");
        }
    }

    private static void lxdName(List<String> p, String key, String value) {
        if (!LXD_NAME.matcher(value).matches()) {
            p.add(key + ": \"" + value + "\" is not a valid LXD name (letters, digits, '_', '-', '.'; at most 63)");
        }
    }

    /**
     * Ports below this need {@code CAP_NET_BIND_SERVICE} on Linux (the kernel's default of
     * {@code net.ipv4.ip_unprivileged_port_start}, ip-sysctl.rst); the daemon checks the live value
     * at start.
     */
    public static final int PRIVILEGED_PORTS_END = 1024;

    private static void port(List<String> p, String key, int value) {
        if (value < 1 || value > 65535) {
            p.add(key + ": " + value + " is outside 1–65535");
        }
    }

    /**
     * The reload commands {@code proxy.reload_command} may name (docs/security.md "The stored
     * configuration"): the daemon runs the command as root, and the stored configuration is
     * writable through LXD, so it chooses from this fixed set instead of giving an argv.
     * {@code []} never reloads.
     */
    public static final Set<List<String>> RELOAD_COMMANDS = Set.of(
            List.of(),
            List.of("systemctl", "restart", "traefik"),
            List.of("systemctl", "try-restart", "traefik"),
            List.of("systemctl", "reload-or-restart", "traefik"));

    /** File names of secrets (same rule as {@link SecretStore#write}). */
    private static final Pattern SECRET_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** Characters a path may hold when a tool puts it into a shell command line (syncoid). */
    private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9._/-]{1,4095}");

    /**
     * Checks a key or secret file path: a file directly in the secrets directory, named by the
     * {@link SecretStore} rule ({@code [a-z0-9][a-z0-9._-]{0,63}}). A path the stored configuration
     * names is read by root and handed to a tool (ssh, oauth2-proxy, Traefik), so any other file of
     * the host is refused (docs/security.md "The stored configuration").
     */
    private static void secretFile(List<String> p, String key, String value, String secrets, String note) {
        if (value == null) {
            return;
        }
        String name = value.startsWith(secrets) ? value.substring(secrets.length()) : null;
        if (name == null || !SECRET_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            p.add(key + ": \"" + value + "\" must be a file under " + secrets
                    + " (directly in it, named with lowercase letters, digits, '.', '_', '-'; root-only, 0600; " + note
                    + "); move the file there (chmod 600) and name that path");
        }
    }

    /**
     * True when a file path has no {@code .} or {@code ..} segment and no empty segment ({@code //}):
     * a secret path must name the file it looks like ({@code /etc/terrarium/secrets/..} or
     * {@code /root/../etc/shadow} must not pass a prefix check).
     */
    static boolean plainPath(String path) {
        for (String seg : path.substring(path.startsWith("/") ? 1 : 0).split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** An oauth2-proxy address: an http(s) URL with a host, no credentials or query; {@code ""} turns the gate off. */
    private static void gateUrl(List<String> p, String key, String value, String example, int managementPort) {
        if (value.isEmpty()) {
            return;
        }
        try {
            URI u = new URI(value);
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                    || u.getUserInfo() != null || u.getQuery() != null || u.getFragment() != null) {
                p.add(key + ": \"" + value + "\" must be an http(s) URL with a host and no credentials, query or fragment, e.g. "
                        + example + " (\"\" disables @auth)");
            } else if (u.getPort() > 65535 || u.getPort() == 0) {
                p.add(key + ": \"" + value + "\" has port " + u.getPort() + ", outside 1–65535");
            } else if (effectivePort(u) == managementPort && loopback(u.getHost())) {
                p.add(key + ": \"" + value + "\" is the daemon's management port " + managementPort + ", not an oauth2-proxy gate");
            }
        } catch (URISyntaxException e) {
            p.add(key + ": \"" + value + "\" is not a URL: " + e.getReason());
        }
    }

    /**
     * The listener a gate URL reaches, as {@code host:port} with the scheme's default port and every
     * loopback spelling ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}) as one host, so that
     * {@code http://localhost:4180/x} and {@code http://127.0.0.1:4180} are the same gate; null for
     * an empty or unparsable URL (reported by {@link #gateUrl}).
     */
    static String gateListener(String url) {
        if (url == null || url.isEmpty()) {
            return null;
        }
        try {
            URI u = new URI(url);
            if (u.getHost() == null) {
                return null;
            }
            String host = loopback(u.getHost()) ? "loopback" : u.getHost().toLowerCase(java.util.Locale.ROOT);
            return host + ":" + effectivePort(u);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static int effectivePort(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    /** {@link #isLoopback} for a URL's host in any letter case, the long form of ::1 included. */
    private static boolean loopback(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        return isLoopback(h) || h.equals("[0:0:0:0:0:0:0:1]");
    }
}
