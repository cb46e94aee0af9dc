package io.terrarium.s3;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

/**
 * An in-memory S3 for unit tests: objects, multipart uploads (with initiation times), and a hook
 * that fails chosen part uploads. Records the highest part number ever sent and the peak number
 * of parts in flight.
 */
public final class FakeS3 implements S3Client {
    public final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    final Map<String, Upload> uploads = new ConcurrentHashMap<>();
    final AtomicInteger maxPartNumber = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger peakInFlight = new AtomicInteger();
    final AtomicInteger aborted = new AtomicInteger();
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    /** (key, partNumber) → fail this part upload. */
    volatile BiPredicate<String, Integer> failPart = (k, n) -> false;
    /** key → fail HEAD of it with a 500 (the object is there). */
    volatile java.util.function.Predicate<String> failHead = k -> false;
    /** key → fail DELETE of it with a 500 (the object stays). */
    volatile java.util.function.Predicate<String> failDelete = k -> false;
    private final AtomicInteger ids = new AtomicInteger();
    /** "key#part" (or "key" for a PutObject) → the {@code x-amz-checksum-sha256} sent with it, when one was. */
    public final Map<String, String> checksums = new ConcurrentHashMap<>();

    static final class Upload {
        final String key;
        final Instant initiated;
        final Map<Integer, byte[]> parts = new TreeMap<>();

        Upload(String key, Instant initiated) {
            this.key = key;
            this.initiated = initiated;
        }
    }

    /** Adds an unfinished upload started at a given time (janitor tests). */
    String addUpload(String key, Instant initiated) {
        String id = "u" + ids.incrementAndGet();
        uploads.put(id, new Upload(key, initiated));
        return id;
    }

    @Override
    public String serviceName() {
        return "s3";
    }

    @Override
    public void close() {
    }

    private static byte[] read(RequestBody body) {
        try (InputStream in = body.contentStreamProvider().newStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public PutObjectResponse putObject(PutObjectRequest r, RequestBody body) {
        calls.add("put " + r.key());
        byte[] data = read(body);
        checkChecksum(r.key(), r.checksumSHA256(), data);
        objects.put(r.key(), data);
        return PutObjectResponse.builder().eTag("\"e\"").build();
    }

    @Override
    public CreateMultipartUploadResponse createMultipartUpload(CreateMultipartUploadRequest r) {
        calls.add("create " + r.key());
        String id = addUpload(r.key(), Instant.now());
        return CreateMultipartUploadResponse.builder().uploadId(id).build();
    }

    @Override
    public UploadPartResponse uploadPart(UploadPartRequest r, RequestBody body) {
        int now = inFlight.incrementAndGet();
        peakInFlight.accumulateAndGet(now, Math::max);
        try {
            maxPartNumber.accumulateAndGet(r.partNumber(), Math::max);
            Upload u = uploads.get(r.uploadId());
            if (u == null) {
                throw noSuchUpload();
            }
            if (failPart.test(r.key(), r.partNumber())) {
                throw (S3Exception) S3Exception.builder().statusCode(500)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalError").errorMessage("injected").build())
                        .message("injected failure").build();
            }
            byte[] data = read(body);
            checkChecksum(r.key() + "#" + r.partNumber(), r.checksumSHA256(), data);
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (u) {
                u.parts.put(r.partNumber(), data);
            }
            return UploadPartResponse.builder().eTag("\"p" + r.partNumber() + "\"").build();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** As S3 does: a body that does not match its {@code x-amz-checksum-sha256} is refused (400 BadDigest). */
    private void checkChecksum(String what, String checksum, byte[] data) {
        if (checksum == null) {
            return;
        }
        String got;
        try {
            got = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!got.equals(checksum)) {
            throw (S3Exception) S3Exception.builder().statusCode(400)
                    .awsErrorDetails(AwsErrorDetails.builder().errorCode("BadDigest").build()).message("BadDigest").build();
        }
        checksums.put(what, checksum);
    }

    private static S3Exception noSuchUpload() {
        return (S3Exception) S3Exception.builder().statusCode(404)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("NoSuchUpload").build()).message("NoSuchUpload").build();
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(CompleteMultipartUploadRequest r) {
        calls.add("complete " + r.key());
        Upload u = uploads.remove(r.uploadId());
        if (u == null) {
            throw noSuchUpload();
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int expect = 1;
        for (CompletedPart p : r.multipartUpload().parts()) {
            if (p.partNumber() != expect++) {
                throw new IllegalStateException("parts out of order");
            }
            all.writeBytes(u.parts.get(p.partNumber()));
        }
        objects.put(r.key(), all.toByteArray());
        return CompleteMultipartUploadResponse.builder().eTag("\"m\"").key(r.key()).build();
    }

    @Override
    public AbortMultipartUploadResponse abortMultipartUpload(AbortMultipartUploadRequest r) {
        calls.add("abort " + r.key());
        if (uploads.remove(r.uploadId()) == null) {
            throw noSuchUpload();
        }
        aborted.incrementAndGet();
        return AbortMultipartUploadResponse.builder().build();
    }

    @Override
    public HeadObjectResponse headObject(HeadObjectRequest r) {
        if (failHead.test(r.key())) {
            throw (S3Exception) S3Exception.builder().statusCode(500).message("injected HEAD failure").build();
        }
        byte[] b = objects.get(r.key());
        if (b == null) {
            throw NoSuchKeyException.builder().statusCode(404).message("no such key").build();
        }
        return HeadObjectResponse.builder().contentLength((long) b.length).build();
    }

    @Override
    public DeleteObjectResponse deleteObject(DeleteObjectRequest r) {
        calls.add("delete " + r.key());
        if (failDelete.test(r.key())) {
            throw (S3Exception) S3Exception.builder().statusCode(500).message("injected DELETE failure").build();
        }
        objects.remove(r.key());
        return DeleteObjectResponse.builder().build();
    }

    @Override
    public <T> T getObject(GetObjectRequest r, ResponseTransformer<GetObjectResponse, T> t) {
        byte[] b = objects.get(r.key());
        if (b == null) {
            throw NoSuchKeyException.builder().statusCode(404).message("no such key").build();
        }
        calls.add(r.range() == null ? "get " + r.key() : "get " + r.key() + " " + r.range());
        GetObjectResponse.Builder resp = GetObjectResponse.builder().contentLength((long) b.length);
        byte[] body = b;
        if (r.range() != null) {
            // "bytes=first-last" as S3 serves it: 416 when first is past the end, last clipped to the end
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes=(\\d+)-(\\d+)").matcher(r.range());
            if (!m.matches()) {
                throw new IllegalArgumentException("FakeS3 serves only bytes=first-last ranges: " + r.range());
            }
            int first = Integer.parseInt(m.group(1));
            int last = (int) Math.min(Long.parseLong(m.group(2)), b.length - 1L);
            if (first >= b.length) {
                throw (S3Exception) S3Exception.builder().statusCode(416).message("InvalidRange").build();
            }
            body = java.util.Arrays.copyOfRange(b, first, last + 1);
            resp.contentLength((long) body.length).contentRange("bytes " + first + "-" + last + "/" + b.length);
        }
        try {
            return t.transform(resp.build(), AbortableInputStream.create(new ByteArrayInputStream(body)));
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getObject(GetObjectRequest r) {
        return getObject(r, ResponseTransformer.toInputStream());
    }

    /** One page with every match; {@code delimiter} folds deeper keys into common prefixes. */
    @Override
    public ListObjectsV2Response listObjectsV2(ListObjectsV2Request r) {
        String prefix = r.prefix() == null ? "" : r.prefix();
        java.util.TreeSet<String> common = new java.util.TreeSet<>();
        List<S3Object> contents = new ArrayList<>();
        new TreeMap<>(objects).forEach((k, v) -> {
            if (!k.startsWith(prefix)) {
                return;
            }
            int d = r.delimiter() == null ? -1 : k.indexOf(r.delimiter(), prefix.length());
            if (d >= 0) {
                common.add(k.substring(0, d + 1));
            } else {
                contents.add(S3Object.builder().key(k).size((long) v.length).build());
            }
        });
        return ListObjectsV2Response.builder().contents(contents)
                .commonPrefixes(common.stream().map(c -> CommonPrefix.builder().prefix(c).build()).toList())
                .isTruncated(false).build();
    }

    @Override
    public ListMultipartUploadsResponse listMultipartUploads(ListMultipartUploadsRequest r) {
        String prefix = r.prefix() == null ? "" : r.prefix();
        List<MultipartUpload> list = new ArrayList<>();
        uploads.forEach((id, u) -> {
            if (u.key.startsWith(prefix)) {
                list.add(MultipartUpload.builder().key(u.key).uploadId(id).initiated(u.initiated).build());
            }
        });
        return ListMultipartUploadsResponse.builder().uploads(list).isTruncated(false).build();
    }

    @Override
    public PutObjectResponse putObject(java.util.function.Consumer<PutObjectRequest.Builder> c, RequestBody body) {
        return putObject(PutObjectRequest.builder().applyMutation(c).build(), body);
    }
}
