package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import io.terrarium.restore.S3Restorer;
import io.terrarium.host.zfs.ZfsStreamCommands;

import io.terrarium.s3.ExportKeys;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The export and restore paths of scripts/bench-s3.sh in a JVM of their own ({@code -Xmx256m}),
 * against the dev host's s3proxy, through the production classes ({@link S3Exporter},
 * {@link S3Restorer}). Prints one {@code RESULT …} line.
 *
 * <pre>
 *   export  &lt;dataset&gt; &lt;snapshot&gt; &lt;parent manifest id | -&gt; &lt;prefix&gt;
 *           → RESULT bytes=&lt;stored bytes&gt; seconds=… manifest=&lt;id&gt;
 *   export-route (same arguments): the same export as an exchange of a route through the
 *           {@code terrarium-s3-export:} producer, stream caching on as in the daemon (context start included)
 *           (engine: {@code -Dbench.engine=JNI|CLI}, default the job's own choice)
 *   restore &lt;prefix&gt; &lt;target dataset&gt; &lt;manifest id&gt;…   (full first)
 *           → RESULT bytes=&lt;stored bytes read&gt; seconds=…
 *   plan (same arguments): only the restore's start — client, manifests, plan (HEAD of every volume) — then exit
 *           → RESULT bytes=0 seconds=…
 * </pre>
 */
public final class BenchS3Main {
    static final String INSTALLATION = "bench-0001";
    static final String INSTANCE = "bench";

    private BenchS3Main() {
    }

    public static void main(String[] args) throws Exception {
        S3Settings s = settings(args[args[0].startsWith("export") ? 4 : 1]);
        ExportKeys keys = new ExportKeys(s.prefix(), INSTALLATION);
        ManifestCodec codec = new ManifestCodec();
        try (S3Client s3 = S3ClientFactory.create(s, 6)) {
            long t0 = System.nanoTime();
            if (args[0].startsWith("export")) {
                Manifest parent = args[3].equals("-") ? null : codec.read(s3.getObjectAsBytes(b -> b.bucket(s.bucket())
                        .key(keys.manifest(INSTANCE, args[3]))).asByteArray(), s.prefix());
                String guid = new io.terrarium.host.exec.CamelExecCommandRunner().run(io.terrarium.host.exec.Command.of(
                        "zfs", "get", "-H", "-p", "-o", "value", "guid", args[1] + "@" + args[2])).stdout().strip();
                var req = new S3Exporter.Request(INSTANCE, args[1], args[2], guid, parent, List.of(), OptionalLong.empty(),
                        PartSizing.DEFAULT_FLOOR, 4, engine(), Map.of("terrarium", "bench"));
                S3Exporter exporter = new S3Exporter(s3, s, INSTALLATION, Clock.systemUTC());
                Manifest m = args[0].equals("export-route") ? throughRoute(exporter, req) : exporter.export(req, n -> { });
                System.out.printf("RESULT bytes=%d seconds=%.2f manifest=%s%n", m.streamBytes(),
                        (System.nanoTime() - t0) / 1e9, m.id());
            } else {
                List<Manifest> chain = new ArrayList<>();
                for (int i = 3; i < args.length; i++) {
                    String id = args[i];
                    chain.add(codec.read(s3.getObjectAsBytes(b -> b.bucket(s.bucket()).key(keys.manifest(INSTANCE, id)))
                            .asByteArray(), s.prefix()));
                }
                S3Restorer r = new S3Restorer(s3, s.bucket());
                var plan = r.plan(chain);
                if (args[0].equals("plan")) { // the restore's start: JVM, client, manifests, HEAD of every volume
                    System.out.printf("RESULT bytes=0 seconds=%.2f%n", (System.nanoTime() - t0) / 1e9);
                    return;
                }
                r.restore(plan, m -> ZfsStreamCommands.receive(args[2], true, false));
                System.out.printf("RESULT bytes=%d seconds=%.2f%n", chain.stream().mapToLong(Manifest::streamBytes).sum(),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /**
     * The dev host's s3proxy (devhost.env) with this prefix; read here rather than through {@code DevS3}, so
     * that the benchmark's JVM loads no test library (it runs on the release's class path, issue 16).
     */
    private static S3Settings settings(String prefix) {
        java.util.function.Function<String, String> env = k -> java.util.Objects.requireNonNull(System.getenv(k),
                k + " (source /var/lib/terrarium-dev/devhost.env)");
        return new S3Settings(java.net.URI.create(env.apply("TERRARIUM_DEV_S3_ENDPOINT")), env.apply("TERRARIUM_DEV_S3_REGION"),
                env.apply("TERRARIUM_DEV_S3_BUCKET"), prefix, env.apply("TERRARIUM_DEV_S3_ACCESS_KEY"),
                java.nio.file.Path.of(env.apply("TERRARIUM_DEV_S3_SECRET_FILE")), ProviderProfile.generic(), 4, null, null);
    }

    /** {@code -Dbench.engine=JNI|CLI}; default the engine the export job uses ({@link Compression#preferredEngine()}). */
    private static Compression.Engine engine() {
        String e = System.getProperty("bench.engine");
        return e == null ? Compression.preferredEngine() : Compression.Engine.valueOf(e);
    }

    /** The export as route {@code s3-export} runs it: {@code direct:export → terrarium-s3-export:stream}. */
    private static Manifest throughRoute(S3Exporter exporter, S3Exporter.Request req) throws Exception {
        try (org.apache.camel.CamelContext ctx = new org.apache.camel.impl.DefaultCamelContext()) {
            ctx.disableJMX();
            ctx.setStreamCaching(true);
            ctx.addRoutes(new org.apache.camel.builder.RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:export").routeId("bench-export").to(S3ExportComponent.SCHEME + ":stream").id("stream-to-s3");
                }
            });
            ctx.start();
            S3ExportComponent.Destination d = (r, p) -> exporter.export(r, p::uploaded, p::sent);
            org.apache.camel.Exchange ex = ctx.createProducerTemplate().send("direct:export", e -> {
                e.setProperty(S3ExportComponent.DESTINATION, d);
                e.getMessage().setHeader(S3ExportComponent.REQUEST, req);
            });
            if (ex.getException() != null) {
                throw ex.getException();
            }
            return ex.getMessage().getHeader(S3ExportComponent.MANIFEST, Manifest.class);
        }
    }
}
