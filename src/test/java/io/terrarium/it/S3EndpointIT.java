package io.terrarium.it;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The development host's S3 API (s3proxy on loopback) answers the AWS SDK v2 the way the S3 export
 * will use it: checksum calculation WHEN_REQUIRED (case C05), put/head/get/delete.
 */
class S3EndpointIT {
    private static String env(String k) {
        String v = System.getenv(k);
        assertThat(v).as("%s (source /var/lib/terrarium-dev/devhost.env; scripts/test.sh does)", k).isNotBlank();
        return v;
    }

    @Test
    void putHeadGetDeleteRoundTrip() throws Exception {
        String secret = Files.readString(Path.of(env("TERRARIUM_DEV_S3_SECRET_FILE"))).strip();
        try (S3Client s3 = S3Client.builder()
                .endpointOverride(URI.create(env("TERRARIUM_DEV_S3_ENDPOINT")))
                .region(Region.of(env("TERRARIUM_DEV_S3_REGION")))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(env("TERRARIUM_DEV_S3_ACCESS_KEY"), secret)))
                .build()) {
            String bucket = env("TERRARIUM_DEV_S3_BUCKET");
            String key = "it/probe-" + System.nanoTime();
            byte[] body = "terrarium probe".getBytes();
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(body));
            assertThat(s3.headObject(b -> b.bucket(bucket).key(key)).contentLength()).isEqualTo(body.length);
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray()).isEqualTo(body);
            s3.deleteObject(b -> b.bucket(bucket).key(key));
            assertThatThrownBy(() -> s3.headObject(b -> b.bucket(bucket).key(key))).isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class);
        }
    }
}
