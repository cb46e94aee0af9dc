package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.AtomicFiles;
import io.terrarium.config.ConfigValidator;
import io.terrarium.config.SecretStore;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.provision.install.OidcDiscovery;
import io.terrarium.provision.install.PublicHosts;
import io.terrarium.host.block.StorageProbe;
import io.terrarium.provision.install.StorageTargets;
import io.terrarium.s3.ProviderProfile;
import io.terrarium.s3.S3Probe;
import io.terrarium.s3.S3Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code terrariumctl install}: asks for (or takes as flags) what the host needs, checks it for real
 * (preflight: OS and resources, the storage target, OIDC discovery, an S3 write/read/delete), and
 * only then stores the configuration in LXD, renders the state file and runs the whole Ansible site
 * (with the OS hardening), then the proxy sync. A failed check changes nothing: no secret is
 * copied, no configuration stored, no pool created.
 *
 * <p>Interactive by default: each answer is validated and a bad one is asked again with the
 * reason; flags given on the command line are taken as answers and not asked. With
 * {@code --non-interactive --yes} every answer comes from flags or the stored configuration
 * (re-running the install keeps what is stored) and a bad flag is a usage error (exit 2).
 * Secrets only through {@code *-file} flags or no-echo prompts.
 */
@Command(name = "install", description = {"Set up this host: ask (or take flags), check everything, store the configuration, apply it with Ansible.",
        "Preflight (OS, resources, storage target, OIDC discovery, S3 write/read/delete) runs before anything changes;",
        "a failed check stops with the reason and exit 1, nothing changed. Re-running keeps the stored answers as defaults.",
        "Secrets are read from *-file flags (root-only files) or asked without echo; never pass them as flag values."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl install",
                "  terrariumctl install --non-interactive --yes --email ops@example.com --domain example.com \\", "      --storage-mode file",
                "  terrariumctl install --non-interactive --yes --email ops@example.com --storage-mode disk \\", "      --storage-source auto --idp oidc --oidc https://login.example.com/realms/ops \\", "      --oidc-client terrarium --oidc-secret-file /root/oidc.secret",
                "  terrariumctl install --non-interactive --yes --email ops@example.com --enable-s3 \\", "      --s3-endpoint https://s3.eu-west-1.amazonaws.com --s3-provider aws --s3-region eu-west-1 \\", "      --s3-bucket acme-dr --s3-access-key AKIA... --s3-secret-key-file /root/s3.secret",
                "  # check and store only; apply later: terrariumctl reconfigure --with-hardening", "  terrariumctl install --no-apply ..."})
public final class InstallCommand implements Callable<Integer> {
    /** Secret file names under the secrets directory. */
    static final String S3_SECRET = "s3-secret-key";
    static final String OIDC_SECRET = "oidc-client-secret";
    /** Install-only Ansible switches (deleted after the run). */
    static final String ONCE_VARS = "install-once.json";

    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--non-interactive", description = "Ask nothing: answers come from flags and the stored configuration. Needs --yes.")
    boolean nonInteractive;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for the final confirmation. With an explicit --storage-source: allow wiping a device that holds a partition table or file system (never a ZFS pool member).")
    boolean yes;

    @Option(names = "--email", paramLabel = "EMAIL", description = "Operator e-mail address (required).")
    String email;

    @Option(names = "--acme-email", paramLabel = "EMAIL", description = "Address registered with Let's Encrypt (default: --email).")
    String acmeEmail;

    @Option(names = "--domain", paramLabel = "DOMAIN", description = "Base domain; hosts default to manage., proxy., lxd., auth.<domain>. Without it: <svc>.<dashed-public-ip>.traefik.me.")
    String domain;

    @Option(names = "--public-ip", paramLabel = "IPV4", description = "Public IPv4 address for the traefik.me names (default: the address of the outbound interface).")
    String publicIp;

    @Option(names = "--manage-host", paramLabel = "HOST", description = "Management UI host (default manage.<domain>).")
    String manageHost;

    @Option(names = "--proxy-host", paramLabel = "HOST", description = "Traefik dashboard host (default proxy.<domain>).")
    String proxyHost;

    @Option(names = "--lxd-host", paramLabel = "HOST", description = "LXD UI host (default lxd.<domain>).")
    String lxdHost;

    @Option(names = "--auth-host", paramLabel = "HOST", description = "Identity gate host (default auth.<domain>).")
    String authHost;

    @Option(names = "--idp", paramLabel = "local|oidc", description = "Identity provider: local (ZITADEL in a managed container, default) or oidc (an external provider).")
    String idp;

    @Option(names = "--oidc", paramLabel = "ISSUER", description = "OIDC issuer URL (--idp oidc); its discovery document must name exactly this issuer.")
    String oidcIssuer;

    @Option(names = "--oidc-client", paramLabel = "ID", description = "OIDC client id (--idp oidc).")
    String oidcClient;

    @Option(names = "--oidc-secret-file", paramLabel = "PATH", description = "File holding the OIDC client secret (mode 0600); copied into the secrets directory.")
    Path oidcSecretFile;

    @Option(names = "--admin-group", paramLabel = "GROUP", description = "Group whose members pass the admin gate (default terrarium-admins).")
    String adminGroup;

    @Option(names = "--storage-mode", paramLabel = "disk|partition|file", description = "Where the ZFS pool goes (default file).")
    String storageMode;

    @Option(names = "--storage-source", paramLabel = "PATH|auto", description = "Device for disk/partition mode; auto: the largest empty disk that is not the root disk (default auto).")
    String storageSource;

    @Option(names = "--storage-size", paramLabel = "SIZE", description = "Size of the file vdev in file mode (default 64G).")
    String storageSize;

    @Option(names = "--pool-name", paramLabel = "NAME", description = "ZFS pool name (default terrarium).")
    String poolName;

    @Option(names = "--enable-s3", arity = "0..1", description = "Export container snapshots to S3 (then --s3-endpoint, --s3-bucket, --s3-access-key, --s3-secret-key-file).")
    Boolean enableS3;

    @Option(names = "--s3-provider", paramLabel = "NAME", description = "aws, r2, minio or generic (default generic).")
    String s3Provider;

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3 endpoint (https://…).")
    String s3Endpoint;

    @Option(names = "--s3-region", paramLabel = "REGION", description = "Region (default us-east-1).")
    String s3Region;

    @Option(names = "--s3-bucket", paramLabel = "BUCKET", description = "Bucket.")
    String s3Bucket;

    @Option(names = "--s3-prefix", paramLabel = "PREFIX", description = "Key prefix (default terrarium/).")
    String s3Prefix;

    @Option(names = "--s3-access-key", paramLabel = "ID", description = "Access key id.")
    String s3AccessKey;

    @Option(names = "--s3-secret-key-file", paramLabel = "PATH", description = "File holding the secret key (mode 0600); copied into the secrets directory.")
    Path s3SecretFile;

    @Option(names = "--encrypt", negatable = true, description = "With S3: create a backup key when there is none (exports encrypted, restore points authenticated); --no-encrypt: plaintext. Neither: asked (default yes); with --non-interactive, a first S3 setup is encrypted and a host already exporting keeps its mode.")
    Boolean encrypt;

    @Option(names = "--enable-syncoid", arity = "0..1", description = "Replicate to a second server with syncoid (then --syncoid-target, --syncoid-target-dataset, --syncoid-ssh-key).")
    Boolean enableSyncoid;

    @Option(names = "--syncoid-target", paramLabel = "USER@HOST", description = "Receiving server.")
    String syncoidTarget;

    @Option(names = "--syncoid-target-dataset", paramLabel = "DATASET", description = "Parent dataset on the target.")
    String syncoidDataset;

    @Option(names = "--syncoid-ssh-key", paramLabel = "PATH", description = "Private key file (mode 0600).")
    String syncoidKey;

    @Option(names = "--syncoid-ssh-port", paramLabel = "PORT", description = "SSH port (default 22).")
    Integer syncoidPort;

    @Option(names = "--no-apply", description = "Stop after the preflight and storing the configuration (apply later with `reconfigure --with-hardening`).")
    boolean noApply;

    @Option(names = "--no-hardening", description = "Skip the OS hardening role (SSH, UFW) in this run.")
    boolean noHardening;

    @Option(names = "--no-sync", description = "Skip the proxy sync after Ansible.")
    boolean noSync;

    @Option(names = "--ansible-tags", paramLabel = "TAG", split = ",", description = "Run only these roles (e.g. zfs); for recovery and tests.")
    List<String> ansibleTags = new ArrayList<>();

    @Option(names = "--extra-vars", paramLabel = "FILE", hidden = true, description = "Another Ansible vars file after the state file (tests).")
    List<Path> extraVars = new ArrayList<>();

    @Option(names = "--playbook", paramLabel = "PATH", description = "Playbook (default: ansible/site.yml of this release).")
    Path playbook;

    @Option(names = "--ansible-playbook", paramLabel = "EXE", defaultValue = "ansible-playbook", hidden = true,
            description = "The ansible-playbook executable.")
    String ansiblePlaybook;

    @Option(names = "--os-release", paramLabel = "FILE", defaultValue = "/etc/os-release", hidden = true,
            description = "os-release file (tests).")
    Path osRelease;

    @Option(names = "--storage-include-loop", hidden = true, description = "Let auto consider loop devices (tests only).")
    boolean includeLoop;

    private PrintWriter out;
    private PrintWriter err;
    private Prompter prompter;
    private App app;
    /** Secrets to copy into the secrets directory after the preflight: name → value. */
    private final Map<String, byte[]> pendingSecrets = new LinkedHashMap<>();
    /** Temporary files holding prompted secrets for the preflight (deleted at the end). */
    private final List<Path> tempFiles = new ArrayList<>();
    private StorageTargets.Target storageTarget;
    /** The answers asked for a backup key (issue 13); it is created once the configuration is stored. */
    private boolean createBackupKey;

    @Override
    public Integer call() throws Exception {
        app = TerrariumCommand.app(spec);
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (nonInteractive && !yes) {
            throw new IllegalArgumentException("--non-interactive needs --yes (the install changes this host)");
        }
        if (!nonInteractive) {
            prompter = Prompter.system(out);
            if (System.console() == null) {
                err.println("WARNING: no terminal: answers (and secrets) are read from standard input");
                err.flush();
            }
        }
        try {
            TerrariumConfig base = app.configStore().load().config();
            TerrariumConfig wanted = answers(base);
            // "auto" is resolved to a device by the preflight; validate the rest with a stand-in path
            List<String> problems = app.codec().problems("auto".equals(wanted.storage().source())
                    ? wanted.withStorage(new TerrariumConfig.Storage(wanted.storage().mode(), "/dev/auto",
                    wanted.storage().file(), wanted.storage().size())) : wanted);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            summary(wanted);
            if (!preflight(wanted)) {
                err.println("ERROR: preflight failed; nothing was changed");
                err.flush();
                return ExitCodes.FAILURE;
            }
            if (prompter != null && !yes && !prompter.confirm("Store this configuration and " + (noApply ? "stop" : "apply it to this host") + "?", false)) {
                out.println("cancelled; nothing was changed");
                return ExitCodes.FAILURE;
            }
            if (noApply && !app.appliedConfig().exists()) {
                // issue 14 item 8: the proxy sync keeps rendering what the host runs with until `reconfigure`
                try {
                    app.appliedConfig().record(app.configStore().load().config());
                } catch (RuntimeException e) {
                    err.println("WARNING: cannot record the configuration the host runs with (" + e.getMessage()
                            + "); the next proxy sync uses the stored one");
                }
            }
            TerrariumConfig stored = store(wanted);
            if (noApply) {
                out.println("stored; not applied (--no-apply). Apply with: terrariumctl reconfigure --with-hardening");
                return ExitCodes.OK;
            }
            return apply(stored);
        } finally {
            for (Path t : tempFiles) {
                Files.deleteIfExists(t);
            }
        }
    }

    // ---- answers ---------------------------------------------------------------------------------

    /** The configuration the answers describe, on top of what is stored. */
    TerrariumConfig answers(TerrariumConfig base) throws IOException {
        String admin = answer("Operator e-mail", "--email", email, base.emails().admin(), InstallCommand::checkEmail, true);
        String acme = answer("Let's Encrypt e-mail", "--acme-email", acmeEmail, base.emails().acmeAddress() != null ? base.emails().acmeAddress() : admin,
                InstallCommand::checkEmail, false);
        TerrariumConfig c = base.withEmails(new TerrariumConfig.Emails(admin, acme == null || acme.equals(admin) ? null : acme));
        c = c.withDomains(domains(base));
        c = c.withIdp(idp(base));
        c = storage(c);
        c = s3(c);
        c = syncoid(c);
        return c;
    }

    /**
     * One answer: the flag when given (checked; a bad flag is a usage error), else the prompt
     * (interactive) or the default (non-interactive).
     */
    private String answer(String question, String flag, String flagValue, String def, Function<String, String> check, boolean required) {
        if (flagValue != null) {
            String v = flagValue.strip();
            String problem = check.apply(v);
            if (problem != null) {
                throw new IllegalArgumentException(flag + " " + v + ": " + problem);
            }
            return v;
        }
        if (prompter == null) {
            if (def == null && required) {
                throw new IllegalArgumentException(flag + " is required with --non-interactive");
            }
            return def;
        }
        return prompter.ask(question, def, v -> v.isEmpty() ? (required ? "an answer is required" : null) : check.apply(v));
    }

    private TerrariumConfig.Domains domains(TerrariumConfig base) {
        String storedBase = base.domains().base();
        String d = domain;
        if (d == null && prompter != null) {
            d = prompter.ask("Domain (empty: <service>.<public-ip>.traefik.me names)",
                    storedBase == null || storedBase.endsWith("." + PublicHosts.SUFFIX) ? "" : storedBase,
                    v -> v.isEmpty() ? null : checkHost(v));
            d = d.isEmpty() ? null : d;
        } else if (d != null && checkHost(d.strip()) != null) {
            throw new IllegalArgumentException("--domain " + d + ": " + checkHost(d.strip()));
        } else if (d == null) {
            d = storedBase;
        }
        TerrariumConfig.Domains result;
        if (d != null) {
            result = new TerrariumConfig.Domains(d.strip().toLowerCase(Locale.ROOT), null, null, null, null);
        } else {
            String ip = publicIp != null ? publicIp : PublicHosts.outboundIpv4().orElse(null);
            if (ip == null && prompter != null) {
                ip = prompter.ask("Public IPv4 address of this host", null, v -> checkIpv4(v));
            }
            if (ip == null) {
                throw new IllegalArgumentException("no --domain and no public IPv4 address found: pass --domain or --public-ip");
            }
            if (checkIpv4(ip) != null) {
                throw new IllegalArgumentException("--public-ip " + ip + ": " + checkIpv4(ip));
            }
            result = PublicHosts.forIp(ip);
        }
        return new TerrariumConfig.Domains(result.base(), host("--manage-host", manageHost), host("--proxy-host", proxyHost),
                host("--lxd-host", lxdHost), host("--auth-host", authHost));
    }

    private static String host(String flag, String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (checkHost(v) != null) {
            throw new IllegalArgumentException(flag + " " + value + ": " + checkHost(v));
        }
        return v;
    }

    private TerrariumConfig.Idp idp(TerrariumConfig base) throws IOException {
        TerrariumConfig.Idp old = base.idp();
        String mode = answer("Identity provider: local (ZITADEL here) or oidc (external)", "--idp", idp, old.mode(),
                v -> v.equals("local") || v.equals("oidc") ? null : "answer local or oidc", true);
        String group = answer("Admin group (members pass the admin gate)", "--admin-group", adminGroup, old.adminGroup(),
                v -> v.matches("[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}") ? null : "letters, digits, '_', '.', ':', '@', '/', '-'", true);
        if (mode.equals("local")) {
            return new TerrariumConfig.Idp("local", old.issuer(), old.clientId(), old.clientSecretFile(), group);
        }
        // interactive: the discovery check runs on the answer, so a wrong issuer is asked again
        String issuer = answer("OIDC issuer URL", "--oidc", oidcIssuer, old.issuer(),
                prompter == null ? ConfigValidator::issuerProblem : v -> {
                    String p = ConfigValidator.issuerProblem(v);
                    if (p != null) {
                        return p;
                    }
                    OidcDiscovery.Result r = OidcDiscovery.check(v);
                    return r.ok() ? null : r.message();
                }, true);
        String client = answer("OIDC client id", "--oidc-client", oidcClient, old.clientId(),
                v -> v.matches("[A-Za-z0-9][A-Za-z0-9_.:@-]{0,254}") ? null : "letters, digits, '_', '.', ':', '@', '-'", true);
        String secretPath = old.clientSecretFile();
        if (oidcSecretFile != null) {
            pendingSecrets.put(OIDC_SECRET, readSecretFile("--oidc-secret-file", oidcSecretFile));
            secretPath = secretsPath(OIDC_SECRET);
        } else if (prompter != null && (secretPath == null || !prompter.confirm("Keep the stored OIDC client secret (" + secretPath + ")?", true))) {
            String s = prompter.askSecret("OIDC client secret", v -> null);
            pendingSecrets.put(OIDC_SECRET, s.getBytes(StandardCharsets.UTF_8));
            secretPath = secretsPath(OIDC_SECRET);
        } else if (secretPath == null) {
            throw new IllegalArgumentException("--oidc-secret-file is required with --idp oidc");
        }
        return new TerrariumConfig.Idp("oidc", issuer, client, secretPath, group);
    }

    private TerrariumConfig storage(TerrariumConfig c) throws IOException {
        TerrariumConfig.Storage old = c.storage();
        String pool = answer("ZFS pool name", "--pool-name", poolName, c.zfs().pool(),
                v -> v.matches("[A-Za-z][A-Za-z0-9_.:-]{0,254}") ? null : "starts with a letter; letters, digits, '_', '-', '.', ':'", true);
        if (!pool.equals(c.zfs().pool())) {
            c = c.withZfs(new TerrariumConfig.Zfs(pool, null));
        }
        String mode = answer("Storage for the pool: disk, partition or file", "--storage-mode", storageMode, old.mode(),
                v -> ConfigValidator.STORAGE_MODES.contains(v) ? null : "answer disk, partition or file", true);
        if (mode.equals("file")) {
            String size = answer("Size of the pool file", "--storage-size", storageSize, old.size(),
                    v -> ConfigValidator.SIZE.matcher(v).matches() ? null : "a number with K, M, G or T, e.g. 64G", true);
            return c.withStorage(new TerrariumConfig.Storage("file", null, old.file(), size));
        }
        String def = old.source() != null && mode.equals(old.mode()) ? old.source() : (mode.equals("disk") ? "auto" : null);
        final String m = mode;
        // interactive: the device is checked as the answer is given; non-interactive: in the preflight
        String source = answer(mode.equals("disk") ? "Disk for the pool (auto: the largest empty disk)" : "Partition for the pool",
                "--storage-source", storageSource, def,
                v -> {
                    if (!v.equals("auto") && !v.startsWith("/dev/")) {
                        return "a device path under /dev/ or auto";
                    }
                    if (v.equals("auto") && !m.equals("disk")) {
                        return "auto picks whole disks only; name the partition";
                    }
                    if (prompter == null) {
                        return null;
                    }
                    StorageTargets.Target t = resolveStorage(m, v);
                    return t.ok() ? null : t.message();
                }, true);
        return c.withStorage(new TerrariumConfig.Storage(mode, source, old.file(), old.size()));
    }

    private TerrariumConfig s3(TerrariumConfig c) throws IOException {
        TerrariumConfig.S3 old = c.s3();
        while (true) {
            boolean on = enableS3 != null ? enableS3
                    : prompter != null ? prompter.confirm("Export snapshots to S3?", old.enabled()) : old.enabled();
            if (!on) {
                return c.withS3(new TerrariumConfig.S3(false, old.provider(), old.endpoint(), old.region(), old.bucket(),
                        old.prefix(), old.accessKey(), old.secretKeyFile(), old.retention(), old.chain(), old.objectLock()));
            }
            Function<String, String> any = v -> null;
            String provider = answer("S3 provider: aws, r2, minio or generic", "--s3-provider", s3Provider, old.provider(),
                    v -> ConfigValidator.PROVIDERS.contains(v) ? null : "answer aws, r2, minio or generic", true);
            String endpoint = answer("S3 endpoint URL", "--s3-endpoint", s3Endpoint, old.endpoint(), v -> s3Problem(c, v, null, "endpoint"), true);
            String region = answer("S3 region", "--s3-region", s3Region, old.region(), any, true);
            String bucket = answer("S3 bucket", "--s3-bucket", s3Bucket, old.bucket(), v -> s3Problem(c, null, v, "bucket"), true);
            String prefix = answer("S3 key prefix", "--s3-prefix", s3Prefix, old.prefix(), any, true);
            String access = answer("S3 access key id", "--s3-access-key", s3AccessKey, old.accessKey(), any, true);
            String secretPath = old.secretKeyFile();
            Path probeSecret = secretPath == null ? null : Path.of(secretPath);
            if (s3SecretFile != null) {
                pendingSecrets.put(S3_SECRET, readSecretFile("--s3-secret-key-file", s3SecretFile));
                probeSecret = s3SecretFile;
                secretPath = secretsPath(S3_SECRET);
            } else if (prompter != null && (secretPath == null || !prompter.confirm("Keep the stored S3 secret key (" + secretPath + ")?", true))) {
                String s = prompter.askSecret("S3 secret key", v -> null);
                pendingSecrets.put(S3_SECRET, s.getBytes(StandardCharsets.UTF_8));
                probeSecret = tempSecret(s);
                secretPath = secretsPath(S3_SECRET);
            } else if (secretPath == null) {
                throw new IllegalArgumentException("--s3-secret-key-file is required with --enable-s3");
            }
            // install asks nothing about retention or chains: a re-run keeps the stored blocks (issue 13
            // item 5: defaults here made the next hourly export delete every chain but the newest two)
            TerrariumConfig.S3 s3 = new TerrariumConfig.S3(true, provider, endpoint, region, bucket, prefix, access, secretPath,
                    old.retention(), old.chain(), old.objectLock());
            List<String> problems = app.codec().problems(c.withS3(s3)).stream().filter(p -> p.startsWith("s3.")).toList();
            if (!problems.isEmpty()) {
                if (prompter == null || enableS3 != null && s3Endpoint != null) {
                    throw new IllegalArgumentException(String.join("; ", problems));
                }
                prompter.say("  rejected: " + String.join("; ", problems));
                old = s3;
                continue;
            }
            s3ProbeSecret = probeSecret;
            boolean hasKey = BackupEncryptionNotice.keys(app.paths().secretsDir()).isPresent();
            if (Boolean.FALSE.equals(encrypt) && hasKey) {
                throw new IllegalArgumentException("--no-encrypt: this host has a backup key, so exports are encrypted and stay so"
                        + " (its restore points need it); omit --no-encrypt");
            }
            createBackupKey = BackupEncryptionNotice.shouldCreateKey(encrypt, c.s3().enabled(), hasKey, prompter);
            if (prompter != null && enableS3 == null) {
                S3Probe.Result r = probeS3(s3, probeSecret);
                if (!r.ok()) {
                    prompter.say("  rejected: S3 check failed: " + r.message());
                    // ask again with these answers as defaults; the typed secret is not kept
                    old = new TerrariumConfig.S3(true, provider, endpoint, region, bucket, prefix, access, old.secretKeyFile(),
                            old.retention(), old.chain(), old.objectLock());
                    pendingSecrets.remove(S3_SECRET);
                    continue;
                }
                prompter.say("  S3 check: " + r.message());
            }
            return c.withS3(s3);
        }
    }

    /** The secret file the S3 preflight reads (the operator's file, or a temporary copy of a prompted one). */
    private Path s3ProbeSecret;

    private static String s3Problem(TerrariumConfig c, String endpoint, String bucket, String key) {
        TerrariumConfig.S3 s = new TerrariumConfig.S3(false, null, endpoint, null, bucket, null, null, null);
        return ConfigValidator.validate(c.withS3(s)).stream().filter(p -> p.startsWith("s3." + key)).findFirst()
                .map(p -> p.substring(p.indexOf(':') + 1).strip()).orElse(null);
    }

    private TerrariumConfig syncoid(TerrariumConfig c) {
        TerrariumConfig.Syncoid old = c.backups().syncoid();
        boolean on = enableSyncoid != null ? enableSyncoid
                : prompter != null ? prompter.confirm("Replicate to a second server with syncoid?", old.enabled()) : old.enabled();
        if (!on) {
            return c.withBackups(c.backups().withSyncoid(new TerrariumConfig.Syncoid(false, old.target(), old.targetDataset(),
                    old.sshKey(), old.sshPort(), old.knownHosts())));
        }
        Function<String, String> target = v -> v.matches("[a-z_][a-z0-9_.-]{0,31}@[A-Za-z0-9.:\\[\\]-]{1,253}") ? null : "user@host, e.g. backup@mirror.example.com";
        String t = answer("syncoid target (user@host)", "--syncoid-target", syncoidTarget, old.target(), target, true);
        String ds = answer("Parent dataset on the target", "--syncoid-target-dataset", syncoidDataset, old.targetDataset(),
                v -> v.matches("[A-Za-z][A-Za-z0-9_.:/-]{0,254}") && !v.endsWith("/") ? null : "a dataset name, e.g. tank/terrarium", true);
        String key = answer("SSH private key file", "--syncoid-ssh-key", syncoidKey, old.sshKey(), v -> {
            try {
                SetSyncoidCommand.checkKey(Path.of(v));
                return null;
            } catch (IllegalArgumentException | IOException e) {
                return e.getMessage();
            }
        }, true);
        return c.withBackups(c.backups().withSyncoid(new TerrariumConfig.Syncoid(true, t, ds, key,
                syncoidPort != null ? syncoidPort : old.sshPort(), old.knownHosts())));
    }

    // ---- preflight -------------------------------------------------------------------------------

    private void summary(TerrariumConfig c) {
        var d = c.domains();
        out.println("Terrarium install:");
        out.println("  e-mail        " + c.emails().admin() + " (ACME " + c.emails().acmeAddress() + ")");
        out.println("  hosts         " + d.manageHost() + ", " + d.proxyHost() + ", " + d.lxdHost() + ", " + d.authHost());
        out.println("  identity      " + c.idp().mode() + (c.idp().mode().equals("oidc") ? " " + c.idp().issuer() + " client " + c.idp().clientId() : "")
                + ", admin group " + c.idp().adminGroup());
        var st = c.storage();
        out.println("  storage       pool " + c.zfs().pool() + " on " + st.mode() + " "
                + (st.mode().equals("file") ? st.file() + " (" + st.size() + ")" : st.source()));
        out.println("  S3 export     " + (c.s3().enabled() ? c.s3().endpoint() + " bucket " + c.s3().bucket() + " prefix " + c.s3().prefix() : "off"));
        var sy = c.backups().syncoid();
        out.println("  replication   " + (sy.enabled() ? sy.target() + ":" + sy.targetDataset() : "off"));
        out.flush();
    }

    /** Runs every check and prints one line each. @return whether all passed */
    private boolean preflight(TerrariumConfig c) throws IOException {
        out.println("Preflight:");
        boolean ok = check("os", osCheck());
        ok &= check("resources", resourcesCheck(c));
        if (!noApply) {
            ok &= check("ansible", toolCheck());
        }
        ok &= check("storage", storageCheck(c));
        if (c.idp().mode().equals("oidc")) {
            OidcDiscovery.Result r = OidcDiscovery.check(c.idp().issuer());
            ok &= check("oidc", new Check(r.ok(), r.message()));
        }
        if (c.s3().enabled()) {
            S3Probe.Result r = probeS3(c.s3(), s3ProbeSecret != null ? s3ProbeSecret : Path.of(c.s3().secretKeyFile()));
            ok &= check("s3", new Check(r.ok(), r.message()));
        }
        if (c.backups().syncoid().enabled()) {
            Check k;
            try {
                SetSyncoidCommand.checkKey(Path.of(c.backups().syncoid().sshKey()));
                k = new Check(true, "key " + c.backups().syncoid().sshKey() + " is root-only");
            } catch (IllegalArgumentException e) {
                k = new Check(false, e.getMessage());
            }
            ok &= check("syncoid", k);
        }
        out.flush();
        return ok;
    }

    /** One check's outcome. */
    record Check(boolean ok, String message) {
    }

    private boolean check(String name, Check c) {
        (c.ok() ? out : err).println("  " + (c.ok() ? "ok  " : "FAIL") + "  " + name + ": " + c.message());
        (c.ok() ? out : err).flush();
        return c.ok();
    }

    private Check osCheck() throws IOException {
        if (!Files.isRegularFile(osRelease)) {
            return new Check(false, osRelease + " is missing; Terrarium supports Ubuntu 24.04 (Debian 12 for development)");
        }
        Map<String, String> os = new LinkedHashMap<>();
        for (String line : Files.readAllLines(osRelease, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                os.put(line.substring(0, eq), line.substring(eq + 1).replaceAll("^\"|\"$", ""));
            }
        }
        String id = os.getOrDefault("ID", "");
        String ver = os.getOrDefault("VERSION_ID", "");
        String arch = System.getProperty("os.arch");
        boolean archOk = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
        boolean osOk = (id.equals("ubuntu") && ver.equals("24.04")) || (id.equals("debian") && ver.equals("12"));
        String what = os.getOrDefault("PRETTY_NAME", id + " " + ver) + " (" + arch + ")";
        if (!osOk) {
            return new Check(false, what + " is not supported; use Ubuntu 24.04 (Debian 12 for development)");
        }
        if (!archOk) {
            return new Check(false, what + ": only x86_64 and aarch64 are supported");
        }
        return new Check(true, what + (id.equals("debian") ? " (development)" : ""));
    }

    private Check resourcesCheck(TerrariumConfig c) throws IOException {
        int cpus = Runtime.getRuntime().availableProcessors();
        long memKib = 0;
        Path meminfo = Path.of("/proc/meminfo");
        if (Files.isReadable(meminfo)) {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    memKib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        long rootFree = Files.getFileStore(Path.of("/")).getUsableSpace();
        String facts = cpus + " CPU(s), " + gib(memKib * 1024) + " memory, " + gib(rootFree) + " free on /";
        if (memKib > 0 && memKib < 900 * 1024) {
            return new Check(false, facts + ": at least 1 GiB of memory is needed");
        }
        if (rootFree < 2L << 30) {
            return new Check(false, facts + ": at least 2 GiB free on / is needed");
        }
        return new Check(true, facts);
    }

    private Check toolCheck() {
        String exe = ansiblePlaybook;
        boolean found = exe.contains("/") ? Files.isExecutable(Path.of(exe))
                : java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, exe)));
        Path site = Reapply.site(playbook);
        if (!found) {
            return new Check(false, exe + " not found; install.sh installs it (apt-get install ansible-core), or pass --no-apply");
        }
        if (!Files.isRegularFile(site)) {
            return new Check(false, "playbook " + site + " not found (pass --playbook or set TERRARIUM_HOME)");
        }
        return new Check(true, exe + ", " + site);
    }

    private Check storageCheck(TerrariumConfig c) throws IOException {
        String pool = c.zfs().pool();
        try {
            if (new io.terrarium.host.zfs.ZfsAdapter(app.runner()).poolExists(pool)) {
                return new Check(true, "pool " + pool + " exists; it is kept as it is (the storage answers are not used)");
            }
        } catch (RuntimeException e) {
            // no zpool yet (the zfs role installs it): the pool does not exist
        }
        TerrariumConfig.Storage st = c.storage();
        if (st.mode().equals("file")) {
            Path f = Path.of(st.file());
            if (Files.exists(f)) {
                return new Check(false, st.file() + " already exists but pool " + pool + " is not imported; "
                        + "import it (zpool import -d " + f.getParent() + " " + pool + ") or move the file away");
            }
            Path dir = f.getParent();
            while (dir != null && !Files.exists(dir)) {
                dir = dir.getParent();
            }
            long free = dir == null ? 0 : Files.getFileStore(dir).getUsableSpace();
            long size = parseSize(st.size());
            if (free < 1L << 30) {
                return new Check(false, "only " + gib(free) + " free for " + st.file() + "; at least 1 GiB is needed");
            }
            return new Check(true, "file " + st.file() + ", " + st.size() + " sparse, " + gib(free) + " free"
                    + (free < size ? " (less than the file's size: the pool can fill the root file system)" : ""));
        }
        storageTarget = resolveStorage(st.mode(), st.source());
        return new Check(storageTarget.ok(), storageTarget.message());
    }

    /** Reads the block devices and decides on {@code source} (a path or auto). */
    private StorageTargets.Target resolveStorage(String mode, String source) {
        try {
            var devices = new StorageProbe(app.runner(), app.json()).devices();
            if ("auto".equals(source)) {
                return StorageTargets.auto(devices, includeLoop);
            }
            Path p = Path.of(source);
            if (!Files.exists(p)) {
                return new StorageTargets.Target(false, null, 0, false, source + " does not exist (see `lsblk`)");
            }
            String real = p.toRealPath().toString();
            StorageTargets.Target t = StorageTargets.explicit(devices, real, mode, yes);
            return t.ok() ? new StorageTargets.Target(true, source, t.sizeBytes(), t.wipe(), t.message()) : t;
        } catch (IOException | RuntimeException e) {
            return new StorageTargets.Target(false, null, 0, false, "cannot read the block devices: " + e.getMessage());
        }
    }

    private S3Probe.Result probeS3(TerrariumConfig.S3 s3, Path secret) {
        try {
            S3Settings settings = new S3Settings(URI.create(s3.endpoint()), s3.region(), s3.bucket(), s3.prefix(), s3.accessKey(),
                    secret, ProviderProfile.of(s3.provider()), S3Settings.DEFAULT_MAX_ATTEMPTS, null, null);
            return S3Probe.run(settings);
        } catch (IOException | RuntimeException e) {
            return new S3Probe.Result(false, "connect", null, e.getMessage());
        }
    }

    // ---- store and apply -------------------------------------------------------------------------

    private TerrariumConfig store(TerrariumConfig wanted) throws IOException {
        SecretStore secrets = new SecretStore(app.paths().secretsDir());
        for (var e : pendingSecrets.entrySet()) {
            secrets.write(e.getKey(), e.getValue());
        }
        String resolved = storageTarget != null && storageTarget.ok() ? storageTarget.path() : wanted.storage().source();
        TerrariumConfig.Storage st = new TerrariumConfig.Storage(wanted.storage().mode(), resolved, wanted.storage().file(),
                wanted.storage().size());
        TerrariumConfig stored = app.configStore().updateAndSign(c -> c.withEmails(wanted.emails()).withDomains(wanted.domains())
                .withIdp(wanted.idp()).withZfs(wanted.zfs()).withStorage(st).withS3(wanted.s3()).withBackups(wanted.backups()));
        out.println("stored the configuration in " + app.configStore().describe()
                + (pendingSecrets.isEmpty() ? "" : "; secrets in " + app.paths().secretsDir() + ": " + String.join(", ", pendingSecrets.keySet())));
        if (stored.s3().enabled()) {
            if (createBackupKey) {
                BackupEncryptionNotice.createKey(out, app.paths().secretsDir());
            }
            BackupEncryptionNotice.print(out, app.paths().secretsDir());
        }
        out.flush();
        return stored;
    }

    private int apply(TerrariumConfig stored) throws Exception {
        List<Path> vars = new ArrayList<>();
        Path once = null;
        if (storageTarget != null && storageTarget.wipe()) {
            Files.createDirectories(app.paths().stateDir());
            once = app.paths().stateDir().resolve(ONCE_VARS);
            AtomicFiles.write(once, "{\"zfs_storage_wipe\": true}\n".getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);
            vars.add(once);
        }
        vars.addAll(extraVars);
        try {
            return new Reapply(Reapply.site(playbook), ansiblePlaybook, !noHardening, false, !noSync, ansibleTags, vars)
                    .run(app, stored, out, err);
        } finally {
            if (once != null) {
                Files.deleteIfExists(once);
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private byte[] readSecretFile(String flag, Path file) {
        try {
            return SecretStore.read(file).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage());
        }
    }

    private Path tempSecret(String value) throws IOException {
        Path t = Files.createTempFile("terrarium-install", ".secret",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        tempFiles.add(t);
        Files.writeString(t, value, StandardCharsets.UTF_8);
        return t;
    }

    private String secretsPath(String name) {
        return app.paths().secretsDir().resolve(name).toAbsolutePath().toString();
    }

    static String checkEmail(String v) {
        return ConfigValidator.isEmail(v) ? null : "not an e-mail address (e.g. ops@example.com)";
    }

    static String checkHost(String v) {
        return ConfigValidator.isHostname(v) ? null : "not a host name (lowercase letters, digits, '-' and '.', e.g. example.com)";
    }

    static String checkIpv4(String v) {
        try {
            PublicHosts.forIp(v);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    static long parseSize(String s) {
        char u = s.charAt(s.length() - 1);
        long n = Long.parseLong(Character.isDigit(u) ? s : s.substring(0, s.length() - 1));
        return switch (u) {
            case 'K' -> n << 10;
            case 'M' -> n << 20;
            case 'G' -> n << 30;
            case 'T' -> n << 40;
            default -> n;
        };
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
