package io.terrarium.s3;

import io.terrarium.config.SecretStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import java.io.IOException;
import java.time.Duration;

/**
 * Builds the SDK client for one destination (DESIGN.md §2, §4):
 *
 * <ul>
 *   <li>endpoint override and path-style addressing for non-AWS providers;</li>
 *   <li>checksum calculation and validation {@code WHEN_REQUIRED} where the profile asks for it
 *       (case C05: SDK ≥ 2.30 adds CRC32 headers/trailers that R2, OVH and older MinIO reject);
 *       integrity then comes from our own SHA-256 per part (and the volume's digest over them); where
 *       the profile leaves the SDK's default, {@link StreamingUploader} hands the part's SHA-256 to S3
 *       as its checksum, so the SDK computes no second one (issue 16);</li>
 *   <li>credentials from the secret file, read here and held only by the SDK's credentials object
 *       (whose {@code toString} redacts the secret); never in argv, logs or exception text;</li>
 *   <li>standard retries with exponential backoff and jitter (5xx, throttling, connection resets,
 *       timeouts), {@link S3Settings#maxAttempts()} attempts, no circuit breaker (a long export must
 *       not give up because earlier parts needed retries);</li>
 *   <li>timeouts: connect 10 s, socket read 2 min, one attempt {@link S3Settings#attemptTimeout()};</li>
 *   <li>on a plain-http loopback endpoint, {@code UNSIGNED-PAYLOAD} as over https ({@link LoopbackSigner}).</li>
 * </ul>
 */
public final class S3ClientFactory {
    private S3ClientFactory() {
    }

    /**
     * @param settings   destination
     * @param maxConnections HTTP connections in the pool (at least the uploader's parts in flight + 2)
     * @return a client; close it when done
     * @throws IOException when the secret file is missing or readable by others (message names the
     *                     file, never the content)
     */
    public static S3Client create(S3Settings settings, int maxConnections) throws IOException {
        return create(settings, maxConnections, SecretStore.read(settings.secretKeyFile()).strip(), java.util.List.of());
    }

    /**
     * The same client as {@link #create(S3Settings, int)}, with the secret given instead of read from
     * {@link S3Settings#secretKeyFile()} and extra execution interceptors (the CLI's class-data
     * training builds a client for a dummy endpoint and stops every request before it is sent,
     * {@code io.terrarium.cli.CdsTraining}).
     *
     * @param settings       destination
     * @param maxConnections HTTP connections in the pool
     * @param secret         the secret access key (held only by the SDK's credentials object)
     * @param interceptors   added after the SDK's own, in this order
     * @return a client; close it when done
     */
    public static S3Client create(S3Settings settings, int maxConnections, String secret,
                                  java.util.List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> interceptors) {
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), secret)))
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(Math.max(4, maxConnections))
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofMinutes(2))
                        .tcpKeepAlive(true))
                .overrideConfiguration(o -> o
                        .apiCallAttemptTimeout(settings.attemptTimeout())
                        .retryStrategy(retryStrategy(settings.maxAttempts()))
                        .executionInterceptors(interceptors));
        if (settings.endpoint() != null) {
            b.endpointOverride(settings.endpoint());
            // plain http is for loopback only; there, skip the SDK's payload hash (see LoopbackSigner)
            b.putAuthScheme(LoopbackSigner.scheme());
        }
        ProviderProfile p = settings.profile();
        b.forcePathStyle(p.pathStyle());
        if (p.checksumWhenRequired()) {
            b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return b.build();
    }

    /**
     * The SDK's standard AWS retry strategy (its retryable 5xx/throttling/IO conditions) with our
     * attempt count, backoff 200 ms … 20 s with jitter, and no circuit breaker.
     */
    static StandardRetryStrategy retryStrategy(int maxAttempts) {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(maxAttempts)
                .circuitBreakerEnabled(false)
                .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(200), Duration.ofSeconds(20)))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(500), Duration.ofSeconds(20)))
                .build();
    }
}
