package io.terrarium.s3;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The development host's s3proxy (devhost.env), with a throwaway prefix per test class. */
final class DevS3 {
    private DevS3() {
    }

    static String env(String k) {
        String v = System.getenv(k);
        assertThat(v).as("%s (source /var/lib/terrarium-dev/devhost.env; scripts/test.sh does)", k).isNotBlank();
        return v;
    }

    /** Settings for s3proxy with the generic profile and a fresh prefix {@code it-s3-<n>/}. */
    static S3Settings settings(String what) {
        return new S3Settings(URI.create(env("TERRARIUM_DEV_S3_ENDPOINT")), env("TERRARIUM_DEV_S3_REGION"),
                env("TERRARIUM_DEV_S3_BUCKET"), "it-s3-" + what + "-" + System.nanoTime() + "/",
                env("TERRARIUM_DEV_S3_ACCESS_KEY"), Path.of(env("TERRARIUM_DEV_S3_SECRET_FILE")),
                ProviderProfile.generic(), 4, null, null);
    }

    /** Keys under the prefix. */
    static List<String> keys(S3Client s3, S3Settings s) {
        return s3.listObjectsV2Paginator(b -> b.bucket(s.bucket()).prefix(s.prefix())).contents().stream()
                .map(S3Object::key).toList();
    }

    /** Unfinished multipart uploads under the prefix. */
    static List<MultipartJanitor.Upload> uploads(S3Client s3, S3Settings s) {
        return new MultipartJanitor(s3, s.bucket(), s.prefix(), java.time.Duration.ZERO, java.time.Clock.systemUTC()).list();
    }

    /** Deletes everything under the prefix and aborts its uploads. */
    static void cleanUp(S3Client s3, S3Settings s) {
        // one DELETE per key: DeleteObjects needs a checksum header, which s3proxy answers with 501
        for (String k : keys(s3, s)) {
            s3.deleteObject(b -> b.bucket(s.bucket()).key(k));
        }
        for (MultipartJanitor.Upload u : uploads(s3, s)) {
            s3.abortMultipartUpload(b -> b.bucket(s.bucket()).key(u.key()).uploadId(u.uploadId()));
        }
    }
}
