package io.terrarium.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code terrariumctl set s3} through the packaged launcher against the development host's s3proxy
 * and the real LXD config store: good credentials pass the write/read/delete check and are stored
 * (secret copied into the secrets directory, 0600, never printed); a wrong secret exits 1 with the
 * probe's reason and leaves the stored configuration and the secrets directory as they were; a bad
 * value exits 2; {@code --disable} needs no check.
 */
class SetS3IT {
    @TempDir
    Path dir;
    String saved;
    Terrariumctl trm;
    String endpoint = env("TERRARIUM_DEV_S3_ENDPOINT");
    String bucket = env("TERRARIUM_DEV_S3_BUCKET");
    String accessKey = env("TERRARIUM_DEV_S3_ACCESS_KEY");
    String goodSecret;

    static String env(String k) {
        String v = System.getenv(k);
        assertThat(v).as("%s (source /var/lib/terrarium-dev/devhost.env)", k).isNotBlank();
        return v;
    }

    @BeforeEach
    void save() throws Exception {
        saved = StoredConfig.rawValue();
        StoredConfig.setYaml("version: 1\ninstallation_id: it-sets3-0001\n");
        trm = new Terrariumctl(dir);
        goodSecret = Files.readString(Path.of(env("TERRARIUM_DEV_S3_SECRET_FILE"))).strip();
    }

    @AfterEach
    void restore() throws Exception {
        StoredConfig.restore(saved);
    }

    Path secretFile(String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(f, content + "\n");
        return f;
    }

    @Test
    void goodCredentialsAreCheckedAndStoredWithTheSecretInTheSecretsDirectory() throws Exception {
        Path secret = secretFile("good.secret", goodSecret);
        var r = trm.run("set", "s3", "--enable", "--provider", "generic", "--endpoint", endpoint, "--bucket", bucket,
                "--region", "us-east-1", "--prefix", "it-sets3", "--access-key", accessKey,
                "--secret-key-file", secret.toString(), "--keep-chains", "3", "--no-apply");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("S3 check: write, read back, delete: OK (s3://" + bucket + "/it-sets3/)");
        assertThat(r.all()).doesNotContain(goodSecret);
        Path stored = dir.resolve("etc/secrets/s3-secret-key");
        assertThat(Files.readString(stored, StandardCharsets.UTF_8)).isEqualTo(goodSecret);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored.getParent()))).isEqualTo("rwx------");
        String yaml = StoredConfig.yaml();
        assertThat(yaml).contains("s3:\n  enabled: true\n  provider: generic\n  endpoint: " + endpoint + "\n")
                .contains("  bucket: " + bucket + "\n  prefix: it-sets3/\n  access_key: " + accessKey + "\n")
                .contains("  secret_key_file: " + stored.toAbsolutePath() + "\n")
                .contains("  retention:\n    keep_chains: 3\n")
                .doesNotContain(goodSecret);

        // issue 13: S3 enabled for the first time without a terminal → encrypted by default; the key is never printed
        Path key = dir.resolve("etc/secrets/" + io.terrarium.s3.crypto.BackupKeys.FILE);
        assertThat(key).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(r.out()).contains("Created backup key ").contains("Keep a copy OFFLINE").contains("backup encryption: on")
                .doesNotContain(Files.readString(key).strip());

        // --disable keeps the settings and runs no check (the endpoint is not even contacted)
        var d = trm.run("set", "s3", "--disable", "--endpoint", "http://127.0.0.1:1", "--no-apply");
        assertThat(d.exit()).as(d.all()).isZero();
        assertThat(d.out()).doesNotContain("S3 check");
        assertThat(StoredConfig.yaml()).contains("s3:\n  enabled: false\n").contains("  bucket: " + bucket + "\n");
    }

    @Test
    void aWrongSecretExitsOneWithTheReasonAndChangesNothing() throws Exception {
        Path good = secretFile("good.secret", goodSecret);
        assertThat(trm.run("set", "s3", "--enable", "--endpoint", endpoint, "--bucket", bucket, "--access-key", accessKey,
                "--secret-key-file", good.toString(), "--no-apply").exit()).isZero();
        String before = StoredConfig.rawValue();
        byte[] secretBefore = Files.readAllBytes(dir.resolve("etc/secrets/s3-secret-key"));

        String wrong = "wrong-" + goodSecret.substring(6) + "x";
        Path bad = secretFile("bad.secret", wrong);
        var r = trm.run("set", "s3", "--enable", "--bucket", bucket, "--prefix", "other/", "--secret-key-file", bad.toString(),
                "--no-apply");
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.err()).contains("ERROR: S3 check failed (write)").contains("secret key does not match")
                .contains("nothing was stored");
        assertThat(r.all()).doesNotContain(wrong).doesNotContain(goodSecret);
        assertThat(StoredConfig.rawValue()).isEqualTo(before);
        assertThat(Files.readAllBytes(dir.resolve("etc/secrets/s3-secret-key"))).isEqualTo(secretBefore);
    }

    @Test
    void badValuesExitTwoBeforeAnyCheck() throws Exception {
        String before = StoredConfig.rawValue();
        Path secret = secretFile("good.secret", goodSecret);
        var r = trm.run("set", "s3", "--enable", "--endpoint", "http://s3.example.com", "--bucket", "Bad_Bucket",
                "--prefix", "../x/", "--access-key", accessKey, "--secret-key-file", secret.toString(), "--no-apply");
        assertThat(r.exit()).as(r.all()).isEqualTo(2);
        assertThat(r.err()).contains("s3.endpoint: \"http://s3.example.com\" uses plain http to a non-loopback host; use https")
                .contains("s3.bucket: \"Bad_Bucket\" is not a valid bucket name")
                .contains("s3.prefix: \"../x/\" must be relative")
                .doesNotContain("S3 check");
        assertThat(StoredConfig.rawValue()).isEqualTo(before);
        assertThat(dir.resolve("etc/secrets/s3-secret-key")).doesNotExist();

        Path open = dir.resolve("open.secret");
        Files.writeString(open, goodSecret);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        var o = trm.run("set", "s3", "--enable", "--endpoint", endpoint, "--bucket", bucket, "--access-key", accessKey,
                "--secret-key-file", open.toString(), "--no-apply");
        assertThat(o.exit()).isNotZero();
        assertThat(o.err()).contains("is readable by group or others").contains("chmod 600").doesNotContain(goodSecret);
        assertThat(StoredConfig.rawValue()).isEqualTo(before);
    }

    /**
     * Issue 13: {@code --no-encrypt} keeps exports in plaintext (and says how to turn encryption on); a
     * host already exporting is not switched by a re-run without a flag; {@code --encrypt} then creates
     * the key; {@code --no-encrypt} with a key is refused (exit 2, nothing stored).
     */
    @Test
    void encryptionFlagsCreateTheKeyOnlyWhenAskedAndNoEncryptIsRefusedOnceAKeyExists() throws Exception {
        Path secret = secretFile("good.secret", goodSecret);
        Path key = dir.resolve("etc/secrets/" + io.terrarium.s3.crypto.BackupKeys.FILE);
        var plain = trm.run("set", "s3", "--enable", "--endpoint", endpoint, "--bucket", bucket, "--prefix", "it-sets3-enc",
                "--access-key", accessKey, "--secret-key-file", secret.toString(), "--no-encrypt", "--no-apply");
        assertThat(plain.exit()).as(plain.all()).isZero();
        assertThat(key).doesNotExist();
        assertThat(plain.out()).contains("backup encryption: OFF").contains("set s3 --enable --encrypt");

        var again = trm.run("set", "s3", "--enable", "--keep-chains", "4", "--no-apply");
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(key).as("a host already exporting in plaintext keeps its mode without a flag").doesNotExist();

        var on = trm.run("set", "s3", "--enable", "--encrypt", "--no-apply");
        assertThat(on.exit()).as(on.all()).isZero();
        assertThat(key).exists();
        String recovery = Files.readString(key).strip();
        assertThat(on.out()).contains("Created backup key ").contains("Keep a copy OFFLINE").doesNotContain(recovery);

        String before = StoredConfig.rawValue();
        var refused = trm.run("set", "s3", "--enable", "--keep-chains", "5", "--no-encrypt", "--no-apply");
        assertThat(refused.exit()).as(refused.all()).isEqualTo(2);
        assertThat(refused.err()).contains("--no-encrypt: this host has a backup key").contains("nothing was stored");
        assertThat(StoredConfig.rawValue()).isEqualTo(before);
        assertThat(Files.readString(key).strip()).isEqualTo(recovery);

        var show = trm.run("backup", "key", "show");
        assertThat(show.exit()).as(show.all()).isZero();
        assertThat(show.out()).doesNotContain(recovery);

        var disable = trm.run("set", "s3", "--disable", "--encrypt", "--no-apply");
        assertThat(disable.exit()).as(disable.all()).isEqualTo(2);
        assertThat(disable.err()).contains("--encrypt/--no-encrypt go with --enable");
    }
}
