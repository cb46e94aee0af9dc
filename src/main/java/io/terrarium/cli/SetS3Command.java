package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.ConfigValidator;
import io.terrarium.config.SecretStore;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.s3.S3Probe;
import io.terrarium.s3.S3Settings;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl set s3 --enable|--disable [--endpoint URL] [--bucket B] [--region R] [--prefix P]
 * [--access-key K] [--secret-key-file FILE] [--provider aws|r2|minio|generic] [--keep-chains N]
 * [--keep-points N] [--[no-]encrypt] [--no-apply]} (issue 5; encryption: issue 13).
 *
 * <p>Options not given keep their stored value. Order: validate (exit 2, nothing stored) → with
 * {@code --enable}, a real write / read / delete round trip with {@link S3Probe} using the new
 * values and the secret read from the given file (exit 1 with the probe's message, nothing stored:
 * neither the configuration nor the secrets directory changes) → copy the secret's content into
 * {@code <secrets dir>/s3-secret-key} (0600, atomic) → store the configuration under the host lock
 * → re-apply ({@code reconfigure}: Ansible without hardening, then proxy sync) unless
 * {@code --no-apply}. The secret is never an argument and never printed.
 */
@Command(name = "s3", description = {"Configure the S3 destination of the exports (s3-export) and its retention.",
        "With --enable a real write / read / delete check runs against the bucket before anything is stored;",
        "when it fails, the command exits 1 with the reason and the stored configuration is unchanged.",
        "The secret key is read from a file (never an argument) and copied to <secrets dir>/s3-secret-key (0600).",
        "Options not given keep their stored value. After storing, the host is re-applied",
        "(as `terrariumctl reconfigure`: Ansible without the OS hardening, then proxy sync) unless --no-apply."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl set s3 --enable --provider aws --endpoint https://s3.eu-central-1.amazonaws.com \\", "      --region eu-central-1 --bucket acme-terrarium --access-key AKIA... \\", "      --secret-key-file /root/s3.secret",
                "  terrariumctl set s3 --enable --provider r2 --endpoint https://<account>.r2.cloudflarestorage.com \\", "      --region auto --bucket terrarium --access-key ... --secret-key-file /root/r2.secret",
                "  terrariumctl set s3 --enable --keep-chains 3",
                "  terrariumctl set s3 --enable --encrypt",
                "  terrariumctl set s3 --disable"})
public final class SetS3Command implements Callable<Integer> {
    /** Name of the secret file under the secrets directory. */
    public static final String SECRET_NAME = "s3-secret-key";

    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    static final class Toggle {
        @Option(names = "--enable", required = true, description = "Turn exports on (runs the write/read/delete check first).")
        boolean enable;
        @Option(names = "--disable", required = true, description = "Turn exports off (settings are kept; no check).")
        boolean disable;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Toggle toggle;

    @Option(names = "--endpoint", paramLabel = "URL", description = "S3 endpoint, https://… (http:// only for a loopback address).")
    String endpoint;

    @Option(names = "--bucket", paramLabel = "BUCKET", description = "Bucket (3–63 lowercase letters, digits, '.', '-'); must exist.")
    String bucket;

    @Option(names = "--region", paramLabel = "REGION", description = "Region (default us-east-1; R2: auto).")
    String region;

    @Option(names = "--prefix", paramLabel = "PREFIX", description = "Key prefix Terrarium owns (default terrarium/; a missing trailing / is added).")
    String prefix;

    @Option(names = "--access-key", paramLabel = "KEY", description = "Access key id.")
    String accessKey;

    @Option(names = "--secret-key-file", paramLabel = "FILE",
            description = "File holding the secret key (mode 0600); its content is copied to the secrets directory.")
    Path secretKeyFile;

    @Option(names = "--provider", paramLabel = "PROVIDER", description = "aws, r2, minio or generic (part limits, checksum headers).")
    String provider;

    @Option(names = "--keep-chains", paramLabel = "N", description = "Retention: complete chains to keep per instance (1–1000, default 2).")
    Integer keepChains;

    @Option(names = "--keep-points", paramLabel = "N", description = "Retention: newest restore points to keep per instance, with their chains (default 0).")
    Integer keepPoints;

    @Option(names = "--no-apply", description = "Store only; do not run reconfigure (Ansible, proxy sync) afterwards.")
    boolean noApply;

    @Option(names = "--encrypt", negatable = true, description = {"With --enable: create a backup key when there is none, so exports",
            "are encrypted and restore points authenticated (--no-encrypt: plaintext; refused when a key exists). Neither:",
            "a terminal is asked (default yes); without one, S3 enabled for the first time is encrypted, a host already",
            "exporting keeps its mode. The key is never printed; the command says how to keep its recovery copy offline."})
    Boolean encrypt;

    @Override
    public Integer call() throws IOException {
        App app = TerrariumCommand.app(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path storedSecret = app.paths().secretsDir().resolve(SECRET_NAME).toAbsolutePath();
        String secret = null;
        if (secretKeyFile != null) {
            // the operator's file: refused when others can read it; the value stays in memory only
            secret = SecretStore.read(secretKeyFile.toAbsolutePath());
            if (secret.isBlank()) {
                throw new IllegalArgumentException("--secret-key-file " + secretKeyFile + ": the file is empty");
            }
        }
        TerrariumConfig current = app.configStore().load().config();
        boolean hasKey = BackupEncryptionNotice.keys(app.paths().secretsDir()).isPresent();
        if (encrypt != null && !toggle.enable) {
            err.println("ERROR: --encrypt/--no-encrypt go with --enable; nothing was stored");
            err.flush();
            return ExitCodes.USAGE;
        }
        if (Boolean.FALSE.equals(encrypt) && hasKey) {
            err.println("ERROR: --no-encrypt: this host has a backup key, so exports are encrypted and stay so (its restore points"
                    + " need it); nothing was stored. Omit --no-encrypt.");
            err.flush();
            return ExitCodes.USAGE;
        }
        TerrariumConfig.S3 candidate = merge(current.s3(), storedSecret);
        List<String> problems = app.codec().problems(current.withS3(candidate)).stream()
                .filter(p -> p.startsWith("s3.")).toList();
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("ERROR: " + p));
            err.println("nothing was stored");
            err.flush();
            return ExitCodes.USAGE;
        }
        // asked before the check; the key is created only once the configuration is stored
        boolean createKey = toggle.enable && BackupEncryptionNotice.shouldCreateKey(encrypt, current.s3().enabled(), hasKey,
                System.console() != null ? Prompter.system(out) : null);
        if (candidate.enabled()) {
            // probe with the new values; the secret comes from the given file, or the stored one
            TerrariumConfig.S3 probeCfg = secretKeyFile == null ? candidate
                    : new TerrariumConfig.S3(true, candidate.provider(), candidate.endpoint(), candidate.region(),
                    candidate.bucket(), candidate.prefix(), candidate.accessKey(),
                    secretKeyFile.toAbsolutePath().toString(), candidate.retention(), candidate.chain());
            S3Probe.Result r = S3Probe.run(S3Settings.fromConfig(probeCfg));
            if (!r.ok()) {
                err.println("ERROR: S3 check failed (" + r.step() + "): " + r.message());
                err.println("nothing was stored");
                err.flush();
                return ExitCodes.FAILURE;
            }
            out.println("S3 check: " + r.message());
        }
        if (secret != null) {
            new SecretStore(app.paths().secretsDir()).write(SECRET_NAME, secret.getBytes(StandardCharsets.UTF_8));
        }
        if (noApply && !app.appliedConfig().exists()) {
            app.appliedConfig().record(app.configStore().load().config()); // issue 14 item 8: the proxy sync keeps the applied document
        }
        TerrariumConfig stored = app.configStore().update(c -> c.withS3(merge(c.s3(), storedSecret)));
        var s = stored.s3();
        out.println("stored S3 settings in " + app.configStore().describe() + ": " + (s.enabled() ? "enabled" : "disabled")
                + ", provider " + s.provider() + ", endpoint " + s.endpoint() + ", region " + s.region()
                + ", bucket " + s.bucket() + ", prefix " + s.prefix() + ", access key " + s.accessKey()
                + ", secret key in " + s.secretKeyFile() + ", retention keep_chains " + s.retention().keepChains()
                + " keep_points " + s.retention().keepPoints());
        out.println("a running daemon uses these from its next s3-export run (jobs read the stored configuration on every run)");
        if (createKey) {
            BackupEncryptionNotice.createKey(out, app.paths().secretsDir());
        }
        BackupEncryptionNotice.print(out, app.paths().secretsDir());
        out.flush();
        if (noApply) {
            return ExitCodes.OK;
        }
        CommandLine reconfigure = spec.root().commandLine().getSubcommands().get("reconfigure");
        return reconfigure.execute();
    }

    /** The stored section with the given options applied; the secret path is the secrets dir's. */
    TerrariumConfig.S3 merge(TerrariumConfig.S3 old, Path storedSecret) {
        TerrariumConfig.Retention r = old.retention();
        return new TerrariumConfig.S3(toggle.enable,
                provider != null ? provider.strip().toLowerCase(Locale.ROOT) : old.provider(),
                endpoint != null ? stripSlash(endpoint.strip()) : old.endpoint(),
                region != null ? region.strip() : old.region(),
                bucket != null ? bucket.strip() : old.bucket(),
                prefix != null ? normalizePrefix(prefix.strip()) : old.prefix(),
                accessKey != null ? accessKey.strip() : old.accessKey(),
                secretKeyFile != null ? storedSecret.toString() : old.secretKeyFile(),
                new TerrariumConfig.Retention(keepChains != null ? keepChains : r.keepChains(),
                        keepPoints != null ? keepPoints : r.keepPoints()),
                old.chain(), // no option changes the chain block; it must survive (issue 13 item 5)
                old.objectLock()); // nor the object_lock block: dropping it would silently stop locking
    }

    /** {@code backups} → {@code backups/}; {@code ""} stays empty (the bucket root). */
    static String normalizePrefix(String p) {
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
