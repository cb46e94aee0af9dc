package io.terrarium.s3;

import io.terrarium.App;
import io.terrarium.s3.Manifest;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobFailedException;
import io.terrarium.jobs.JobResult;
import io.terrarium.routes.JobRoutes;
import io.terrarium.routes.JobRuns;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.api.management.ManagedCamelContext;
import org.apache.camel.api.management.mbean.ManagedProcessorMBean;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Route {@code s3-export} (camel-test, advised by step id) against the fake zfs and S3 of
 * {@link S3ExportJobTest}: the compensation of a failed stream and the stream through the
 * {@code terrarium-s3-export:} producer.
 */
class S3ExportRouteTest extends CamelTestSupport {
    private final S3ExportJobTest fx = new S3ExportJobTest();

    /** Builds the job for each run from the fixture's clock, as the daemon builds it from the stored config. */
    private final Job perRun = new Job() {
        @Override public String id() { return S3ExportJob.ID; }
        @Override public String description() { return "s3-export on fakes"; }
        @Override public String defaultSchedule() { return "0 30 * * * ?"; }
        @Override public JobResult run() { return forRun().run(); }
        @Override public Job forRun() { return fx.job(24); }
        @Override public Job shape() { return fx.job(24); }
    };

    @Override
    public void configureTest(TestExecutionConfiguration config) {
        super.configureTest(config);
        config.withEnableJMX().withUseAdviceWith(true);
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        JobRoutes routes = new JobRoutes(List.of(perRun), Map.of(), false, App.jsonMapper(), null, "test");
        return new RoutesBuilder[] {routes.errorPolicy(), routes};
    }

    private Exchange runOnce() {
        Exchange ex = template.send("direct:s3-export", e -> e.getMessage().setBody("cli"));
        fx.now = fx.now.plusSeconds(3600);
        return ex;
    }

    private JobResult result(Exchange ex) throws IOException {
        return App.jsonMapper().readValue(JobRuns.resultJson(ex), JobResult.class);
    }

    @Test
    void uploadFailsAtStreamToS3NewBaseDroppedManifestUntouched() throws Exception {
        String firstBase = "terrarium-export-20261130T103000Z";
        String secondBase = "terrarium-export-20261130T113000Z";
        AdviceWith.adviceWith(context, "s3-export", a -> a.weaveById("stream-to-s3").replace().process(e -> {
            if (fx.now.toString().startsWith("2026-11-30T11")) {
                throw new UploadFailedException("part 3: 500 Internal Server Error", null);
            }
            S3Exporter.Request req = e.getMessage().getHeader(S3ExportComponent.REQUEST, S3Exporter.Request.class);
            e.getMessage().setHeader(S3ExportComponent.MANIFEST, fx.target.export(req, ExportProgress.NONE));
        }));
        context.start();

        Exchange ok = runOnce();
        assertThat(ok.isFailed()).isFalse();
        assertThat(result(ok).status()).isEqualTo(JobResult.Status.OK);
        Map<String, Manifest> before = Map.copyOf(fx.target.manifests);
        assertThat(before).hasSize(1);
        assertThat(fx.snaps).containsExactly(firstBase);

        Exchange failed = runOnce();

        assertThat(failed.getException()).isInstanceOf(JobFailedException.class);
        JobResult r = result(failed);
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("export of " + S3ExportJobTest.DS + "@" + secondBase + " failed: part 3: 500");
        // the new base is gone, the previous base and the chain stay
        assertThat(fx.log).containsSubsequence("snapshot " + S3ExportJobTest.DS + "@" + secondBase,
                "destroy " + S3ExportJobTest.DS + "@" + secondBase);
        assertThat(fx.snaps).containsExactly(firstBase);
        assertThat(fx.target.manifests).isEqualTo(before);
        ManagedCamelContext managed = context.getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
        assertThat(managed.getManagedProcessor("drop-new-base", ManagedProcessorMBean.class).getExchangesCompleted()).isEqualTo(1);
        assertThat(managed.getManagedProcessor("drop-old-bases", ManagedProcessorMBean.class).getExchangesCompleted()).isEqualTo(2);
    }

    @Test
    void theStreamGoesThroughTheTerrariumS3ExportProducerAndOlderBasesGoAfterTheCommit() throws Exception {
        context.start();
        assertThat(result(runOnce()).status()).isEqualTo(JobResult.Status.OK);
        assertThat(result(runOnce()).status()).isEqualTo(JobResult.Status.OK);
        assertThat(fx.target.requests).hasSize(2);
        assertThat(fx.target.requests.get(1).parent()).isNotNull();
        assertThat(fx.log).containsSubsequence("commit terrarium-export-20261130T113000Z",
                "destroy " + S3ExportJobTest.DS + "@terrarium-export-20261130T103000Z");
        assertThat(context.hasEndpoint("terrarium-s3-export://stream")).isNotNull();
        ManagedCamelContext managed = context.getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
        assertThat(managed.getManagedProcessor("stream-to-s3", ManagedProcessorMBean.class).getExchangesCompleted()).isEqualTo(2);
        assertThat(managed.getManagedProcessor("take-base", ManagedProcessorMBean.class).getExchangesCompleted()).isEqualTo(2);
    }
}
