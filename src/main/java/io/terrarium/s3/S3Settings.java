package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything needed to talk to one S3 destination. Holds the path of the secret file, never the
 * secret itself ({@link S3ClientFactory} reads it when it builds the client).
 *
 * @param endpoint       endpoint URL, or {@code null} for AWS's regional default
 * @param region         region name, e.g. {@code us-east-1} (R2: {@code auto})
 * @param bucket         bucket name
 * @param prefix         key prefix Terrarium owns, ending with {@code /} (e.g. {@code terrarium/})
 * @param accessKey      access key id
 * @param secretKeyFile  root-only file with the secret key (see {@code SecretStore})
 * @param profile        provider limits and quirks
 * @param maxAttempts    attempts per request including the first (SDK retries with backoff on 5xx,
 *                       throttling and connection errors), ≥ 1
 * @param storageClass   storage class for new objects, or {@code null} for the provider default
 * @param attemptTimeout limit for one HTTP attempt (a part upload); retried when exceeded
 */
public record S3Settings(URI endpoint, String region, String bucket, String prefix, String accessKey,
                         Path secretKeyFile, ProviderProfile profile, int maxAttempts, String storageClass,
                         Duration attemptTimeout) {
    /** Default attempts per request (1 + 7 retries). */
    public static final int DEFAULT_MAX_ATTEMPTS = 8;
    /** Default limit for one HTTP attempt. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofMinutes(10);

    public S3Settings {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKeyFile, "secretKeyFile");
        Objects.requireNonNull(profile, "profile");
        prefix = normalizePrefix(prefix);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        attemptTimeout = attemptTimeout == null ? DEFAULT_ATTEMPT_TIMEOUT : attemptTimeout;
        profile.checkStorageClass(storageClass);
    }

    /**
     * Settings from the {@code s3} config section.
     *
     * @throws IllegalArgumentException when the section lacks bucket, access key or secret file
     */
    public static S3Settings fromConfig(TerrariumConfig.S3 s3) {
        if (s3.bucket() == null || s3.accessKey() == null || s3.secretKeyFile() == null) {
            throw new IllegalArgumentException("s3 needs bucket, access_key and secret_key_file (terrariumctl set s3 …)");
        }
        return new S3Settings(s3.endpoint() == null ? null : URI.create(s3.endpoint()), s3.region(), s3.bucket(),
                s3.prefix(), s3.accessKey(), Path.of(s3.secretKeyFile()), ProviderProfile.of(s3.provider()),
                DEFAULT_MAX_ATTEMPTS, null, null);
    }

    /** Same settings with another profile (tests scale limits down). */
    public S3Settings withProfile(ProviderProfile p) {
        return new S3Settings(endpoint, region, bucket, prefix, accessKey, secretKeyFile, p, maxAttempts,
                storageClass, attemptTimeout);
    }

    /** Same settings with another prefix. */
    public S3Settings withPrefix(String p) {
        return new S3Settings(endpoint, region, bucket, p, accessKey, secretKeyFile, profile, maxAttempts,
                storageClass, attemptTimeout);
    }

    /** Same settings with another endpoint (tests put a fault proxy in front). */
    public S3Settings withEndpoint(URI e) {
        return new S3Settings(e, region, bucket, prefix, accessKey, secretKeyFile, profile, maxAttempts,
                storageClass, attemptTimeout);
    }

    /** Same settings with another attempt count. */
    public S3Settings withMaxAttempts(int n) {
        return new S3Settings(endpoint, region, bucket, prefix, accessKey, secretKeyFile, profile, n,
                storageClass, attemptTimeout);
    }

    /** Same settings with another limit for one HTTP attempt. */
    public S3Settings withAttemptTimeout(Duration t) {
        return new S3Settings(endpoint, region, bucket, prefix, accessKey, secretKeyFile, profile, maxAttempts,
                storageClass, t);
    }

    /**
     * A prefix as stored: no leading {@code /}, no {@code ..} segment, ends with {@code /} (empty
     * stays empty, meaning the whole bucket).
     */
    static String normalizePrefix(String p) {
        if (p == null || p.isEmpty()) {
            return "";
        }
        if (p.startsWith("/") || p.contains("\\") || java.util.Arrays.asList(p.split("/")).contains("..")) {
            throw new IllegalArgumentException("S3 prefix \"" + p + "\" must be relative, without '..' or '\\'");
        }
        return p.endsWith("/") ? p : p + "/";
    }
}
