package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.testing.MutableClock;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Request;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Dates and request rewriting of {@link ObjectLock}; the store side is S3ObjectLockIT. */
class ObjectLockTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T22:40:10.250Z"));

    /** Records the requests it gets; answers the two write calls, refuses nothing else. */
    static class Recording implements S3Client {
        final List<S3Request> seen = new ArrayList<>();

        @Override
        public PutObjectResponse putObject(PutObjectRequest r, RequestBody body) {
            seen.add(r);
            return PutObjectResponse.builder().build();
        }

        @Override
        public CreateMultipartUploadResponse createMultipartUpload(CreateMultipartUploadRequest r) {
            seen.add(r);
            return CreateMultipartUploadResponse.builder().uploadId("u1").build();
        }

        @Override
        public HeadObjectResponse headObject(HeadObjectRequest r) {
            seen.add(r);
            return HeadObjectResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "s3";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void retainUntilIsNowPlusThePeriodRoundedUpToAWholeSecond() {
        ObjectLock lock = new ObjectLock(ObjectLockMode.GOVERNANCE, Duration.ofDays(7), clock);
        assertThat(lock.retainUntil()).isEqualTo(Instant.parse("2026-12-13T22:40:11Z"));
        clock.now = Instant.parse("2026-12-06T23:00:00Z");
        assertThat(lock.retainUntil()).isEqualTo(Instant.parse("2026-12-13T23:00:00Z"));
    }

    @Test
    void aDateIsExtendedOnlyWhenItIsMissingOrEarlierNeverShortened() {
        Instant wanted = Instant.parse("2026-12-20T00:00:00Z");
        assertThat(ObjectLock.needsExtension(null, wanted)).isTrue();
        assertThat(ObjectLock.needsExtension(wanted.minusSeconds(1), wanted)).isTrue();
        assertThat(ObjectLock.needsExtension(wanted, wanted)).isFalse();
        assertThat(ObjectLock.needsExtension(wanted.plusSeconds(86_400), wanted)).isFalse();
    }

    @Test
    void theLockingClientAddsModeAndDateToPutObjectAndCreateMultipartUploadOnly() {
        Recording rec = new Recording();
        S3Client c = new ObjectLock(ObjectLockMode.COMPLIANCE, Duration.ofDays(1), clock).locking(rec);
        c.putObject(b -> b.bucket("b").key("k/manifest.json"), RequestBody.fromString("{}"));
        c.createMultipartUpload(b -> b.bucket("b").key("k/stream.zst.0000"));
        c.headObject(b -> b.bucket("b").key("k/manifest.json"));
        Instant until = Instant.parse("2026-12-07T22:40:11Z");
        PutObjectRequest put = (PutObjectRequest) rec.seen.get(0);
        assertThat(put.objectLockMode()).isEqualTo(ObjectLockMode.COMPLIANCE);
        assertThat(put.objectLockRetainUntilDate()).isEqualTo(until);
        assertThat(put.key()).isEqualTo("k/manifest.json");
        CreateMultipartUploadRequest mpu = (CreateMultipartUploadRequest) rec.seen.get(1);
        assertThat(mpu.objectLockMode()).isEqualTo(ObjectLockMode.COMPLIANCE);
        assertThat(mpu.objectLockRetainUntilDate()).isEqualTo(until);
        assertThat(rec.seen.get(2)).isEqualTo(HeadObjectRequest.builder().bucket("b").key("k/manifest.json").build());
    }

    @Test
    void fromConfigIsNullWithoutABlockAndRefusesAnUnknownMode() {
        assertThat(ObjectLock.fromConfig(null, clock)).isNull();
        ObjectLock l = ObjectLock.fromConfig(new TerrariumConfig.ObjectLock("GOVERNANCE", 14), clock);
        assertThat(l.mode()).isEqualTo(ObjectLockMode.GOVERNANCE);
        assertThat(l.retain()).isEqualTo(Duration.ofDays(14));
        assertThatThrownBy(() -> ObjectLock.fromConfig(new TerrariumConfig.ObjectLock("LEGAL", 14), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GOVERNANCE or COMPLIANCE");
        assertThatThrownBy(() -> new ObjectLock(ObjectLockMode.GOVERNANCE, Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
    }

    @Test
    void aBucketWithoutLockConfigurationFailsTheCheckSayingWhatToDo() {
        S3Client noLock = new Recording() {
            @Override
            public software.amazon.awssdk.services.s3.model.GetObjectLockConfigurationResponse getObjectLockConfiguration(
                    software.amazon.awssdk.services.s3.model.GetObjectLockConfigurationRequest r) {
                throw (S3Exception) S3Exception.builder().statusCode(404)
                        .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                                .errorCode("ObjectLockConfigurationNotFoundError").build()).build();
            }
        };
        assertThatThrownBy(() -> ObjectLock.checkBucket(noLock, "backups"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("bucket backups has no Object Lock configuration (404 ObjectLockConfigurationNotFoundError)")
                .hasMessageContaining("remove s3.object_lock").hasMessageContaining("Nothing was uploaded");
    }

    @Test
    void theProfilesSayWhichProvidersSupportObjectLock() {
        assertThat(ProviderProfile.aws().objectLockSupport()).isEqualTo(ProviderProfile.ObjectLockSupport.YES);
        assertThat(ProviderProfile.minio().objectLockSupport()).isEqualTo(ProviderProfile.ObjectLockSupport.YES);
        assertThat(ProviderProfile.r2().objectLockSupport()).isEqualTo(ProviderProfile.ObjectLockSupport.NO);
        assertThat(ProviderProfile.generic().objectLockSupport()).isEqualTo(ProviderProfile.ObjectLockSupport.UNKNOWN);
        assertThat(ProviderProfile.aws().scaled(4, 1024, 1 << 20).objectLockSupport())
                .isEqualTo(ProviderProfile.ObjectLockSupport.YES);
    }

    @Test
    void a403OnDeleteIsALockRefusalAndOtherErrorsAreNot() {
        assertThat(ObjectLock.isLockRefusal(new IOException("x", S3Exception.builder().statusCode(403).build()))).isTrue();
        assertThat(ObjectLock.isLockRefusal(new IOException("x", S3Exception.builder().statusCode(500).build()))).isFalse();
        assertThat(ObjectLock.isLockRefusal(new IOException("x"))).isFalse();
    }
}
