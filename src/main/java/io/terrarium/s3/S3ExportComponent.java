package io.terrarium.s3;

import io.terrarium.s3.Manifest;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;

import java.io.IOException;
import java.util.Map;

/**
 * Camel component {@code terrarium-s3-export:<name>} (DESIGN.md §1/§6): one producer that runs a whole
 * dataset stream — {@code zfs send} → zstd → equal-size multipart upload → manifest commit — inside
 * itself ({@link S3Exporter}), so the bytes never become a message body. Camel Main 4.17 enables
 * stream caching by default with spooling off: an InputStream body of a multi-GB {@code zfs send}
 * would be read into the heap. Memory stays {@code part size × (in flight + 1)} as in
 * {@link StreamingUploader}.
 *
 * <p>Contract of one exchange:
 * <ul>
 *   <li>in: header {@value #REQUEST} = the {@link S3Exporter.Request} (none: the producer does
 *       nothing — a dataset that failed before), property {@value #DESTINATION} = the
 *       {@link Destination} (the run's open S3 side), property {@value #PROGRESS} = an optional
 *       {@link ExportProgress};</li>
 *   <li>out: header {@value #MANIFEST} = the committed {@link Manifest}; the body is untouched;</li>
 *   <li>failure: the exception (IOException: nothing committed, the multipart upload aborted).</li>
 * </ul>
 */
public final class S3ExportComponent extends DefaultComponent {
    /** Scheme of the component (registered through META-INF/services). */
    public static final String SCHEME = "terrarium-s3-export";
    /** Header in: the export request. */
    public static final String REQUEST = "TerrariumS3ExportRequest";
    /** Header out: the committed manifest. */
    public static final String MANIFEST = "TerrariumS3ExportManifest";
    /** Exchange property: the {@link Destination}. */
    public static final String DESTINATION = "terrariumS3ExportDestination";
    /** Exchange property: the {@link ExportProgress} (optional). */
    public static final String PROGRESS = "terrariumS3ExportProgress";

    /** Where a stream goes: the S3 side of one run ({@link S3ExportJob.Target}). */
    @FunctionalInterface
    public interface Destination {
        /**
         * Runs {@code zfs send} for {@code req} and exports it; returns the committed manifest.
         *
         * @throws IOException when anything failed (nothing committed)
         */
        Manifest export(S3Exporter.Request req, ExportProgress progress) throws IOException;
    }

    /**
     * One stream with its progress events: {@link ExportProgress#start} before,
     * {@link ExportProgress#finish} after (true only when the manifest was committed).
     */
    public static Manifest stream(Destination destination, S3Exporter.Request req, ExportProgress progress) throws IOException {
        ExportProgress p = progress == null ? ExportProgress.NONE : progress;
        p.start(req.instance(), req.parent() == null ? "full" : "incremental", req.estimate());
        boolean done = false;
        try {
            Manifest m = destination.export(req, p);
            done = true;
            return m;
        } finally {
            p.finish(done);
        }
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        return new ExportEndpoint(uri, this);
    }

    /** The endpoint; a producer only. */
    @UriEndpoint(firstVersion = "4.17.0", scheme = SCHEME, title = "Terrarium S3 export", syntax = SCHEME + ":name",
            producerOnly = true, category = {Category.CLOUD})
    static final class ExportEndpoint extends DefaultEndpoint {
        ExportEndpoint(String uri, S3ExportComponent component) {
            super(uri, component);
        }

        @Override
        public Producer createProducer() {
            return new ExportProducer(this);
        }

        @Override
        public Consumer createConsumer(Processor processor) {
            throw new UnsupportedOperationException(SCHEME + ": is a producer only");
        }
    }

    /** Runs one stream per exchange. */
    static final class ExportProducer extends DefaultProducer {
        ExportProducer(Endpoint endpoint) {
            super(endpoint);
        }

        @Override
        public void process(Exchange exchange) throws Exception {
            S3Exporter.Request req = exchange.getMessage().getHeader(REQUEST, S3Exporter.Request.class);
            if (req == null) {
                return;
            }
            Destination d = exchange.getProperty(DESTINATION, Destination.class);
            if (d == null) {
                throw new IllegalStateException("no " + DESTINATION + " on the exchange: nothing to export to");
            }
            Manifest m = stream(d, req, exchange.getProperty(PROGRESS, ExportProgress.class));
            exchange.getMessage().setHeader(MANIFEST, m);
        }
    }
}
