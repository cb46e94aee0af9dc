package io.terrarium.s3;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A real write / read / delete round trip against an S3 destination, run before S3 settings are
 * saved ({@code terrariumctl set s3}) and in the install preflight. It proves what an export needs
 * (PutObject, GetObject, DeleteObject under the prefix) instead of trusting that a bucket exists.
 *
 * <p>The probe object is {@code <prefix>.probe/<random hex>} with 1,024 random bytes; it is read
 * back and compared by SHA-256, deleted, and a HEAD then must answer 404. Nothing else in the
 * bucket is touched. Requests use at most 2 attempts and a 30 s attempt timeout so a wrong endpoint
 * fails within about a minute, not after the exporter's long retry schedule.
 *
 * <p>Failures are classified into an operator-facing {@link Result#message()} that says what is
 * wrong and what to do (wrong key, no such bucket, access denied, endpoint unreachable); the
 * message never contains the secret.
 */
public final class S3Probe {
    /** Sub-prefix (under the configured prefix) for probe objects. */
    public static final String PROBE_DIR = ".probe/";
    private static final int PROBE_BYTES = 1024;

    private S3Probe() {
    }

    /**
     * Outcome of one probe.
     *
     * @param ok      whether write, read-back, delete and the 404 check all passed
     * @param step    the step that failed ({@code connect}, {@code write}, {@code read}, {@code compare},
     *                {@code delete}, {@code confirm-delete}) or {@code done}
     * @param key     the probe object's key
     * @param message one line for the operator: what failed and what to do (no secrets)
     */
    public record Result(boolean ok, String step, String key, String message) {
    }

    /**
     * Runs the probe with a client built from {@code settings} (secret read from its file).
     *
     * @param settings destination
     * @return the result; never throws for S3 or network failures
     * @throws IOException when the secret file is missing or readable by others
     */
    public static Result run(S3Settings settings) throws IOException {
        S3Settings quick = settings.withMaxAttempts(2).withAttemptTimeout(Duration.ofSeconds(30));
        try (S3Client s3 = S3ClientFactory.create(quick, 2)) {
            return run(s3, settings.bucket(), settings.prefix());
        }
    }

    /**
     * Runs the probe with a given client.
     *
     * @param s3     client
     * @param bucket bucket
     * @param prefix Terrarium's prefix (ending with {@code /}, or empty)
     * @return the result; never throws for S3 or network failures
     */
    public static Result run(S3Client s3, String bucket, String prefix) {
        byte[] body = new byte[PROBE_BYTES];
        SecureRandom rnd = new SecureRandom();
        rnd.nextBytes(body);
        byte[] id = new byte[8];
        rnd.nextBytes(id);
        String key = prefix + PROBE_DIR + HexFormat.of().formatHex(id);
        String step = "write";
        try {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(body));
            step = "read";
            byte[] back = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
            step = "compare";
            if (!Arrays.equals(sha256(body), sha256(back))) {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
                return new Result(false, step, key, "the object read back from s3://" + bucket + "/" + key
                        + " differs from what was written (" + back.length + " of " + body.length
                        + " bytes); check that the endpoint is an S3 API and no proxy rewrites bodies");
            }
            step = "delete";
            s3.deleteObject(b -> b.bucket(bucket).key(key));
            step = "confirm-delete";
            try {
                s3.headObject(b -> b.bucket(bucket).key(key));
                return new Result(false, step, key, "s3://" + bucket + "/" + key + " still exists after DeleteObject; "
                        + "retention could not remove old restore points — check the key's delete permission and object lock");
            } catch (NoSuchKeyException e) {
                // expected
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
            }
            return new Result(true, "done", key, "write, read back, delete: OK (s3://" + bucket + "/" + prefix + ")");
        } catch (S3Exception e) {
            return new Result(false, step, key, explain(step, bucket, e));
        } catch (SdkClientException e) {
            return new Result(false, "connect", key, "cannot reach the S3 endpoint (" + firstLine(e.getMessage())
                    + "); check --endpoint, DNS and the firewall");
        } catch (SdkException e) {
            return new Result(false, step, key, step + " failed: " + firstLine(e.getMessage()));
        }
    }

    static String explain(String step, String bucket, S3Exception e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String c = code == null ? "" : code;
        String what = step + " of a probe object failed (HTTP " + e.statusCode() + (c.isEmpty() ? "" : " " + c) + "): ";
        switch (c) {
            case "InvalidAccessKeyId":
                return what + "the access key is not known to this endpoint; check --access-key";
            case "SignatureDoesNotMatch":
                return what + "the secret key does not match the access key; check the file given to --secret-key-file";
            case "NoSuchBucket":
                return what + "bucket '" + bucket + "' does not exist; create it first (see docs/backups.md)";
            case "AccessDenied":
                return what + "the key may not " + step + " under the prefix; grant s3:PutObject, s3:GetObject, "
                        + "s3:DeleteObject and s3:ListBucketMultipartUploads on it";
            default:
                if (e.statusCode() == 403) {
                    return what + "access denied; check the access key, secret key and the key's permissions";
                }
                if (e.statusCode() == 404) {
                    return what + "bucket '" + bucket + "' or the endpoint path was not found; check --bucket and --endpoint";
                }
                if (e.statusCode() == 301 || (c.toLowerCase(Locale.ROOT).contains("region"))) {
                    return what + "the bucket is in another region; check --region";
                }
                return what + firstLine(e.getMessage());
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
