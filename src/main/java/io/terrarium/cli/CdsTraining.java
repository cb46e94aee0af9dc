package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.s3.ProviderProfile;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.s3.S3Settings;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.stream.Stream;

/**
 * The extra work of the CLI's AppCDS training run ({@code terrariumctl config check SAMPLE
 * --cds-training}, started by the launcher once per JDK and jar set; issue 16): loads the classes that
 * {@code backup export} and {@code backup restore} need beyond picocli and Jackson, so that their JVMs
 * map them from the archive instead of loading and verifying them from the jars (the S3 client alone
 * loads thousands of classes of the AWS SDK and Apache HttpClient).
 *
 * <p>No network access and no change to the host: the S3 clients are built for {@link #DUMMY_ENDPOINT}
 * (TEST-NET-1, RFC 5737: never routed) and for AWS's default endpoint with a dummy key, and an execution interceptor throws in
 * {@code beforeTransmission}, after the SDK has marshalled, signed and prepared each request but
 * before its HTTP client opens any connection. No file is read or written apart from the release's
 * own jars; Terrarium's classes of the backup packages are loaded without being initialised (no
 * static initialiser runs: zstd-jni's native library is not extracted).
 */
public final class CdsTraining {
    /** The endpoint of the training client: TEST-NET-1 (RFC 5737), reserved for documentation, never routed. */
    public static final URI DUMMY_ENDPOINT = URI.create("http://192.0.2.1:9000");

    /** Packages (as class-file path prefixes) whose classes the backup commands use: loaded, not initialised. */
    static final List<String> PACKAGES = List.of("io/terrarium/s3/", "io/terrarium/restore/", "io/terrarium/backup/",
            "io/terrarium/host/zstd/", "io/terrarium/host/zfs/", "io/terrarium/host/exec/", "io/terrarium/cli/Backup",
            "io/terrarium/cli/S3", "io/terrarium/cli/Progress", "io/terrarium/cli/Job", "io/terrarium/events/");

    private CdsTraining() {
    }

    /** What one training pass did. @param requests S3 requests stopped before sending @param classes classes loaded by name */
    public record Result(int requests, int classes) {
    }

    /**
     * Runs the training pass against {@link #DUMMY_ENDPOINT}.
     *
     * @param app the wiring (for the picocli branch of {@code backup})
     * @return what was done
     */
    public static Result run(App app) {
        return run(app, DUMMY_ENDPOINT);
    }

    /**
     * Runs the training pass: builds the {@code backup} branch of the command line and parses a
     * restore and an export, builds an S3 client for {@code endpoint} (profile generic) and one for AWS (profile
     * aws, no endpoint) and makes with each every request a
     * restore or export makes (list, head, ranged get, multipart upload, put, delete) — each stopped
     * before it is sent — then loads the classes of {@link #PACKAGES}.
     *
     * @param app      the wiring
     * @param endpoint the client's endpoint (never contacted)
     * @return requests stopped before sending and classes loaded by name
     * @throws IllegalStateException when a request was not stopped by the interceptor (it would have been sent)
     */
    public static Result run(App app, URI endpoint) {
        picocli.CommandLine backup = TerrariumCommand.commandLine(app, new String[]{"backup"});
        backup.parseArgs("backup", "restore", "--source", "s3", "--instance", "training", "--as-new", "training-copy", "--yes");
        backup.parseArgs("backup", "export", "--instance", "training");
        // both kinds of client: a store with an endpoint (generic profile, checksums when required, our loopback
        // signer registered) and AWS itself (no endpoint: the regional default, virtual-hosted style, SDK checksums)
        int requests = s3Requests(endpoint, ProviderProfile.generic()) + s3Requests(null, ProviderProfile.aws());
        return new Result(requests, loadClasses());
    }

    /** Thrown by the interceptor instead of sending the request. */
    static final class NotSent extends RuntimeException {
        NotSent() {
            super("CDS training: request not sent", null, false, false);
        }
    }

    private static int s3Requests(URI endpoint, ProviderProfile profile) {
        S3Settings s = new S3Settings(endpoint, "us-east-1", "cds-training", "terrarium/", "cds-training",
                Path.of("/nonexistent/cds-training"), profile, 1, null, null);
        AtomicInteger stopped = new AtomicInteger();
        ExecutionInterceptor stop = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                stopped.incrementAndGet();
                throw new NotSent();
            }
        };
        String bucket = s.bucket();
        String key = "terrarium/cds-training/volume";
        byte[] part = new byte[4096];
        List<java.util.function.Function<S3Client, Object>> calls = List.of(
                c -> c.listObjectsV2(b -> b.bucket(bucket).prefix("terrarium/")),
                c -> c.headObject(b -> b.bucket(bucket).key(key)),
                c -> c.getObject(b -> b.bucket(bucket).key(key).range("bytes=0-4095")),
                c -> c.getObjectAsBytes(b -> b.bucket(bucket).key(key)),
                c -> c.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType("application/zstd")),
                c -> c.uploadPart(b -> b.bucket(bucket).key(key).uploadId("u").partNumber(1)
                        .contentLength((long) part.length), RequestBody.fromBytes(part)),
                c -> c.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId("u")
                        .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag("e")))),
                c -> c.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId("u")),
                c -> c.putObject(b -> b.bucket(bucket).key(key + ".json").contentType("application/json"),
                        RequestBody.fromBytes(part)),
                c -> c.deleteObject(b -> b.bucket(bucket).key(key)));
        try (S3Client client = S3ClientFactory.create(s, 4, "cds-training", List.of(stop))) {
            for (java.util.function.Function<S3Client, Object> call : calls) {
                try {
                    call.apply(client);
                    throw new IllegalStateException("CDS training: an S3 request was answered (it must never be sent)");
                } catch (RuntimeException e) {
                    if (!stoppedHere(e)) {
                        throw e;
                    }
                }
            }
        }
        if (stopped.get() != calls.size()) {
            throw new IllegalStateException("CDS training: " + stopped.get() + " of " + calls.size() + " S3 requests reached the interceptor");
        }
        return stopped.get();
    }

    private static boolean stoppedHere(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotSent) {
                return true;
            }
        }
        return false;
    }

    /** Loads (without initialising) every class of {@link #PACKAGES} in this class's jar or directory. */
    private static int loadClasses() {
        List<String> names = new ArrayList<>();
        try {
            Path where = Path.of(CdsTraining.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(where)) {
                try (Stream<Path> files = Files.walk(where)) {
                    files.filter(f -> f.toString().endsWith(".class"))
                            .map(f -> where.relativize(f).toString().replace('\\', '/'))
                            .forEach(n -> add(names, n));
                }
            } else {
                try (InputStream in = Files.newInputStream(where); JarInputStream jar = new JarInputStream(in)) {
                    for (JarEntry e = jar.getNextJarEntry(); e != null; e = jar.getNextJarEntry()) {
                        add(names, e.getName());
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return 0; // the archive is smaller, nothing else changes
        }
        int loaded = 0;
        ClassLoader loader = CdsTraining.class.getClassLoader();
        for (String n : names) {
            try {
                Class.forName(n, false, loader);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                // an optional dependency missing: that class is simply not archived
            }
        }
        return loaded;
    }

    private static void add(List<String> names, String entry) {
        if (entry.endsWith(".class") && !entry.endsWith("module-info.class") && !entry.endsWith("package-info.class")
                && PACKAGES.stream().anyMatch(entry::startsWith)) {
            names.add(entry.substring(0, entry.length() - ".class".length()).replace('/', '.'));
        }
    }
}
