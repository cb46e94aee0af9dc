package io.terrarium.routes;

import io.terrarium.jobs.RunProgress;
import io.terrarium.s3.ExportProgress;
import io.terrarium.s3.Manifest;
import io.terrarium.jobs.Job;
import io.terrarium.s3.S3ExportComponent;
import io.terrarium.s3.S3ExportJob;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;

import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Route {@code s3-export} (docs/s3.md, "Scheduled exports"): read the instances, open the
 * destination, then per dataset take a new base, choose the parent, stream it to S3 through the
 * {@code terrarium-s3-export:} producer (dropping the new base when the stream fails), drop the old
 * bases and apply retention.
 *
 * <pre>
 *   direct:s3-export → s3-export-guard → s3-export-load-config → read-datasets → open-destination
 *     → split-datasets (one exchange per dataset)
 *         → take-base → choose-parent
 *         → doTry: stream-to-s3 (terrarium-s3-export:stream) → doCatch: drop-new-base
 *         → drop-old-bases → retention
 *     → s3-export-finish
 * </pre>
 * The S3 client and the host export lock are released when the exchange completes, whatever
 * happened. A dataset's failure is recorded in its row and never stops the other datasets.
 */
public final class S3ExportRoute extends JobRouteBuilder {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public S3ExportRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled);
    }

    @Override
    public void configure() {
        schedule();
        finish(work()
                .process(step(S3ExportJob.Run.class, S3ExportJob.Run::readInstances)).id("read-datasets")
                .process(S3ExportRoute::openDestination).id("open-destination")
                .split(body()).id("split-datasets")
                    .process(item(S3ExportJob.Item::takeBase)).id("take-base")
                    .process(item(S3ExportJob.Item::chooseParent)).id("choose-parent")
                    .doTry().id("try-stream")
                        .process(S3ExportRoute::prepareStream).id("prepare-stream")
                        .to(S3ExportComponent.SCHEME + ":stream").id("stream-to-s3")
                        .process(e -> item(e).streamed(e.getMessage().getHeader(S3ExportComponent.MANIFEST, Manifest.class)))
                            .id("commit")
                    .doCatch(Exception.class).id("stream-failed")
                        .process(e -> item(e).dropNewBase(e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)))
                            .id("drop-new-base")
                    .end()
                    .process(item(S3ExportJob.Item::dropOldBases)).id("drop-old-bases")
                    .process(item(S3ExportJob.Item::retention)).id("retention")
                .end()
                .process(step(S3ExportJob.Run.class, S3ExportJob.Run::writeHostManifest)).id("write-host-manifest"));
    }

    private static S3ExportJob.Run run(Exchange e) {
        return e.getProperty(JobRuns.RUN, S3ExportJob.Run.class);
    }

    private static S3ExportJob.Item item(Exchange e) {
        return e.getMessage().getBody(S3ExportJob.Item.class);
    }

    private static Processor item(Consumer<S3ExportJob.Item> step) {
        return e -> step.accept(item(e));
    }

    /**
     * Step {@code open-destination}: lock and S3 client, released when the exchange completes; the
     * body becomes the run's datasets for {@code split-datasets}.
     */
    private static void openDestination(Exchange e) {
        S3ExportJob.Run run = run(e);
        e.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange exchange) {
                run.close();
            }
        });
        run.openDestination();
        e.setProperty(S3ExportComponent.DESTINATION, run.target());
        e.getMessage().setBody(run.items()); // what split-datasets splits
        Object job = e.getProperty(JobRuns.JOB_INSTANCE);
        ExportProgress listener = job instanceof S3ExportJob j ? j.progressListener() : ExportProgress.NONE;
        RunProgress record = e.getProperty(RunProgress.PROPERTY, RunProgress.class);
        e.setProperty(S3ExportComponent.PROGRESS, record == null ? listener : new Recording(listener, record));
    }

    /**
     * The export's progress told to the CLI's listener (in-process runs) and to the run's
     * {@link RunProgress} record (runs submitted to the daemon's job MBean, read back by the CLI).
     */
    static final class Recording implements ExportProgress {
        private final ExportProgress also;
        private final RunProgress record;

        Recording(ExportProgress also, RunProgress record) {
            this.also = also;
            this.record = record;
        }

        @Override
        public void start(String instance, String kind, OptionalLong estimate) {
            record.start(instance, kind, estimate);
            also.start(instance, kind, estimate);
        }

        @Override
        public void sent(long bytes) {
            record.read(bytes);
            also.sent(bytes);
        }

        @Override
        public void uploaded(long bytes) {
            record.stored(bytes);
            also.uploaded(bytes);
        }

        @Override
        public void finish(boolean ok) {
            record.finish(ok);
            also.finish(ok);
        }
    }

    /** Step {@code prepare-stream}: the dataset's request as the producer's header (none when it failed before). */
    private static void prepareStream(Exchange e) {
        e.getMessage().removeHeader(S3ExportComponent.MANIFEST);
        e.getMessage().setHeader(S3ExportComponent.REQUEST, item(e).request());
    }
}
