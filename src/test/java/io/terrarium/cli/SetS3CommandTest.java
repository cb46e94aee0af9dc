package io.terrarium.cli;

import io.terrarium.config.TerrariumConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code set s3} stores: options over the stored section, the secret path, prefix normalisation. */
class SetS3CommandTest {
    static final Path SECRET = Path.of("/etc/terrarium/secrets/s3-secret-key");
    static final TerrariumConfig.S3 OLD = new TerrariumConfig.S3(true, "r2", "https://a.r2.cloudflarestorage.com", "auto",
            "old-bucket", "terrarium/", "AK", "/etc/terrarium/secrets/s3-secret-key", new TerrariumConfig.Retention(3, 10));

    static SetS3Command cmd(boolean enable) {
        SetS3Command c = new SetS3Command();
        c.toggle = new SetS3Command.Toggle();
        c.toggle.enable = enable;
        c.toggle.disable = !enable;
        return c;
    }

    @Test
    void optionsNotGivenKeepTheStoredValues() {
        SetS3Command c = cmd(true);
        c.bucket = " new-bucket ";
        c.keepPoints = 0;
        assertThat(c.merge(OLD, SECRET)).isEqualTo(new TerrariumConfig.S3(true, "r2", "https://a.r2.cloudflarestorage.com",
                "auto", "new-bucket", "terrarium/", "AK", SECRET.toString(), new TerrariumConfig.Retention(3, 0)));
    }

    @Test
    void disableKeepsEverythingElse() {
        assertThat(cmd(false).merge(OLD, SECRET)).isEqualTo(new TerrariumConfig.S3(false, OLD.provider(), OLD.endpoint(),
                OLD.region(), OLD.bucket(), OLD.prefix(), OLD.accessKey(), OLD.secretKeyFile(), OLD.retention()));
    }

    @Test
    void aGivenSecretFileIsStoredAsTheSecretsDirectoryPathAndValuesAreNormalised() {
        SetS3Command c = cmd(true);
        c.secretKeyFile = Path.of("/root/s3.secret");
        c.provider = "AWS";
        c.endpoint = "https://s3.eu-central-1.amazonaws.com/";
        c.prefix = "backups/host1";
        TerrariumConfig.S3 s = c.merge(TerrariumConfig.S3.disabled(), SECRET);
        assertThat(s.secretKeyFile()).isEqualTo(SECRET.toString());
        assertThat(s.provider()).isEqualTo("aws");
        assertThat(s.endpoint()).isEqualTo("https://s3.eu-central-1.amazonaws.com");
        assertThat(s.prefix()).isEqualTo("backups/host1/");
        assertThat(s.retention()).isEqualTo(new TerrariumConfig.Retention(2, 0));
    }

    /** Issue 13 item 5: {@code set s3} used to rebuild the section without its chain block (defaults). */
    @Test
    void setS3KeepsTheStoredChainBlock() {
        TerrariumConfig.S3 old = OLD.withChain(new TerrariumConfig.Chain(3, 0));
        SetS3Command c = cmd(true);
        c.bucket = "other-bucket";
        assertThat(c.merge(old, SECRET).chain()).isEqualTo(new TerrariumConfig.Chain(3, 0));
        assertThat(cmd(false).merge(old, SECRET).chain()).isEqualTo(new TerrariumConfig.Chain(3, 0));
    }

    @Test
    void setS3KeepsTheStoredObjectLock() {
        TerrariumConfig.S3 old = OLD.withObjectLock(new TerrariumConfig.ObjectLock("COMPLIANCE", 30));
        SetS3Command c = cmd(true);
        c.bucket = "other-bucket";
        assertThat(c.merge(old, SECRET).objectLock()).isEqualTo(new TerrariumConfig.ObjectLock("COMPLIANCE", 30));
        assertThat(cmd(false).merge(old, SECRET).objectLock()).isEqualTo(new TerrariumConfig.ObjectLock("COMPLIANCE", 30));
    }

    @Test
    void prefixNormalisation() {
        assertThat(SetS3Command.normalizePrefix("")).isEmpty();
        assertThat(SetS3Command.normalizePrefix("x/")).isEqualTo("x/");
        assertThat(SetS3Command.normalizePrefix("x/y")).isEqualTo("x/y/");
    }
}
