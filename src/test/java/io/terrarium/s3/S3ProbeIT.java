package io.terrarium.s3;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link S3Probe} against the development host's s3proxy: the checks {@code set s3} and install run. */
class S3ProbeIT {
    @TempDir
    Path dir;

    private Path secretFile(String content) throws Exception {
        Path f = dir.resolve("s3-secret-" + System.nanoTime());
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @Test
    void goodCredentialsWriteReadDeleteAndLeaveNothing() throws Exception {
        S3Settings s = DevS3.settings("probe");
        S3Probe.Result r = S3Probe.run(s);
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(r.step()).isEqualTo("done");
        assertThat(r.key()).startsWith(s.prefix() + S3Probe.PROBE_DIR);
        try (var s3 = S3ClientFactory.create(s, 2)) {
            assertThat(DevS3.keys(s3, s)).isEmpty();
        }
    }

    @Test
    void wrongSecretFailsAtWriteNamingTheSecretAndNotPrintingIt() throws Exception {
        S3Settings good = DevS3.settings("probe-badkey");
        String wrong = "not-the-secret-" + System.nanoTime();
        S3Settings bad = new S3Settings(good.endpoint(), good.region(), good.bucket(), good.prefix(), good.accessKey(),
                secretFile(wrong), good.profile(), 2, null, null);
        S3Probe.Result r = S3Probe.run(bad);
        assertThat(r.ok()).isFalse();
        assertThat(r.step()).isEqualTo("write");
        assertThat(r.message()).contains("HTTP 403").contains("secret key").doesNotContain(wrong);
    }

    @Test
    void wrongAccessKeyIsNamed() throws Exception {
        S3Settings good = DevS3.settings("probe-badid");
        S3Settings bad = new S3Settings(good.endpoint(), good.region(), good.bucket(), good.prefix(), "nobody",
                good.secretKeyFile(), good.profile(), 2, null, null);
        S3Probe.Result r = S3Probe.run(bad);
        assertThat(r.ok()).isFalse();
        assertThat(r.message()).contains("HTTP 403").contains("access key");
    }

    @Test
    void missingBucketIsNamed() throws Exception {
        S3Settings good = DevS3.settings("probe-nobucket");
        S3Settings bad = new S3Settings(good.endpoint(), good.region(), "no-such-bucket-" + System.nanoTime() % 100000,
                good.prefix(), good.accessKey(), good.secretKeyFile(), good.profile(), 2, null, null);
        S3Probe.Result r = S3Probe.run(bad);
        assertThat(r.ok()).isFalse();
        assertThat(r.step()).isEqualTo("write");
        assertThat(r.message()).contains("does not exist").contains(bad.bucket());
    }

    @Test
    void unreachableEndpointFailsAtConnect() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        S3Settings bad = DevS3.settings("probe-down").withEndpoint(URI.create("http://127.0.0.1:" + port));
        S3Probe.Result r = S3Probe.run(bad);
        assertThat(r.ok()).isFalse();
        assertThat(r.step()).isEqualTo("connect");
        assertThat(r.message()).contains("cannot reach the S3 endpoint");
    }
}
