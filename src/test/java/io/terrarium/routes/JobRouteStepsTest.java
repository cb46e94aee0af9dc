package io.terrarium.routes;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdInstances;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobFailedException;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobResultStore;
import io.terrarium.proxy.sync.ProxySyncJob;
import io.terrarium.testing.FakeLxdInstances;
import io.terrarium.testing.RecordingCommandRunner;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.api.management.ManagedCamelContext;
import org.apache.camel.api.management.mbean.ManagedProcessorMBean;
import org.apache.camel.api.management.mbean.ManagedRouteMBean;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.TriggerKey;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Route tests (camel-test): the job routes' named steps, advised by id; the scheduler routes built
 * from {@code daemon.schedules}; Camel's counters for FAILED and REJECTED runs; route dumping.
 */
class JobRouteStepsTest extends CamelTestSupport {
    private final Path dir = Files.createTempDirectory("terrarium-route-test");
    private final FakeLxdInstances lxd = new FakeLxdInstances();
    private final RecordingCommandRunner runner = new RecordingCommandRunner(lxd);
    private final List<Job> jobs = new ArrayList<>();
    private Map<String, String> schedules = Map.of();
    private boolean scheduled;

    JobRouteStepsTest() throws Exception {
    }

    @Override
    public void configureTest(TestExecutionConfiguration config) {
        super.configureTest(config);
        config.withEnableJMX().withUseAdviceWith(true);
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        // the routes are added by each test (start(…)) once it has chosen its jobs
        return new RoutesBuilder[0];
    }

    private void start(Job... js) throws Exception {
        jobs.addAll(List.of(js));
        JobRoutes routes = new JobRoutes(jobs, schedules, scheduled, App.jsonMapper(),
                new JobResultStore(dir.resolve("state"), App.jsonMapper()), "test");
        context.addRoutes(routes.errorPolicy());
        context.addRoutes(routes);
    }

    private ManagedCamelContext managed() {
        return context.getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
    }

    private Path dynamicFile() {
        return dir.resolve("traefik/dynamic/terrarium-lxc.yml");
    }

    private ProxySyncJob proxySync() {
        TerrariumConfig c = TerrariumConfig.defaults().withProxy(new TerrariumConfig.Proxy(dynamicFile().toString(),
                dir.resolve("traefik/traefik.yml").toString(), null, null, null, null, null, List.of(), false));
        return new ProxySyncJob(new LxdInstances(LxdClient.local(runner, new com.fasterxml.jackson.databind.ObjectMapper()), "default"),
                runner, null, c, dir.resolve("state"), App.jsonMapper(), (first, last, skip) -> new TreeSet<>());
    }

    /** A snapshot job on the recording fake (zfs and sanoid answer through {@code lxd.other}). */
    private io.terrarium.backup.SnapshotJob snapshot() {
        TerrariumConfig c = TerrariumConfig.defaults().withBackups(new TerrariumConfig.Backups(
                dir.resolve("etc/sanoid/sanoid.conf").toString(), null, null));
        return new io.terrarium.backup.SnapshotJob(c, runner, new io.terrarium.host.zfs.ZfsAdapter(runner),
                () -> List.of(new io.terrarium.backup.InstanceDataset("web", "Running", "terrarium/containers/web", null)),
                "sanoid", dir.resolve("state/sanoid"));
    }

    @Test
    void sanoidFailingStopsTheSnapshotRouteAtTakeAndPruneNothingIsReportedAndTheRunIsAFailedExchange() throws Exception {
        lxd.other = c -> c.argv().contains("sanoid") ? RecordingCommandRunner.Reply.fail(2, "cannot open /etc/sanoid/sanoid.conf\n")
                : RecordingCommandRunner.Reply.ok("");
        start(snapshot());
        AdviceWith.adviceWith(context, "snapshot", a -> a.weaveById("report-per-instance").before().to("mock:report"));
        context.start();
        getMockEndpoint("mock:report").expectedMessageCount(0);

        Exchange ex = template.send("direct:snapshot", e -> e.getMessage().setBody("cli"));

        getMockEndpoint("mock:report").assertIsSatisfied();
        assertThat(ex.getException()).isInstanceOf(JobFailedException.class);
        JobResult r = App.jsonMapper().readValue(JobRuns.resultJson(ex), JobResult.class);
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).startsWith("sanoid failed:");
        assertThat(Files.readString(dir.resolve("etc/sanoid/sanoid.conf"))).as("written by the step before").contains("[terrarium/containers]");
        assertThat(managed().getManagedProcessor("write-sanoid-conf", ManagedProcessorMBean.class).getExchangesCompleted()).isEqualTo(1);
        assertThat(managed().getManagedProcessor("take-and-prune-snapshots", ManagedProcessorMBean.class).getExchangesFailed()).isEqualTo(1);
        assertThat(managed().getManagedRoute("snapshot", ManagedRouteMBean.class).getExchangesFailed()).isEqualTo(1);
    }

    @Test
    void aSnapshotRunPassesItsThreeStepsOnceAndReportsTheSnapshotsPerInstance() throws Exception {
        start(snapshot());
        context.start();
        Exchange ex = template.send("direct:snapshot", e -> e.getMessage().setBody("cli"));
        assertThat(ex.isFailed()).as("%s", ex.getException()).isFalse();
        for (String step : List.of("snapshot-guard", "snapshot-load-config", "write-sanoid-conf", "take-and-prune-snapshots",
                "report-per-instance", "snapshot-finish")) {
            assertThat(managed().getManagedProcessor(step, ManagedProcessorMBean.class).getExchangesCompleted()).as(step).isEqualTo(1);
        }
        assertThat(runner.calls()).anySatisfy(c -> assertThat(c).contains("sanoid", "--cron"));
    }

    @Test
    void s3VerifyWithS3DisabledReadsNoRestorePointAndVerifiesNoInstance() throws Exception {
        start(new io.terrarium.s3.S3VerifyJob(TerrariumConfig.S3::disabled, () -> "inst"));
        context.start();
        Exchange ex = template.send("direct:s3-verify", e -> e.getMessage().setBody("schedule"));
        assertThat(ex.isFailed()).isFalse();
        JobResult r = App.jsonMapper().readValue(JobRuns.resultJson(ex), JobResult.class);
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(r.summary()).isEqualTo("S3 exports are disabled; nothing to verify");
        assertThat(managed().getManagedProcessor("read-restore-points", ManagedProcessorMBean.class).getExchangesCompleted()).isEqualTo(1);
        assertThat(managed().getManagedProcessor("verify-instance", ManagedProcessorMBean.class).getExchangesTotal()).isZero();
    }

    /** A job with a fixed outcome (or one that blocks), for the counters and schedules. */
    private static final class FakeJob implements Job {
        final String id;
        final JobResult.Status status;
        final CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(0);

        FakeJob(String id, JobResult.Status status) {
            this.id = id;
            this.status = status;
        }

        @Override public String id() { return id; }
        @Override public String description() { return "fake " + id; }
        @Override public String defaultSchedule() { return "0 0 3 ? * SUN"; }

        @Override
        public JobResult run() {
            entered.countDown();
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new JobResult(id, status, status.name().toLowerCase(), null, null, 0, null, Map.of());
        }
    }

    @Test
    void lxdUnreadableNothingWrittenToTraefikAndTheRunIsAFailedExchange() throws Exception {
        Files.createDirectories(dynamicFile().getParent());
        Files.writeString(dynamicFile(), "# last good file\n");
        lxd.down = true;
        start(proxySync());
        AdviceWith.adviceWith(context, "proxy-sync", a -> a.weaveById("write-traefik-files").before().to("mock:write-traefik-files"));
        context.start();
        MockEndpoint writes = getMockEndpoint("mock:write-traefik-files");
        writes.expectedMessageCount(0);

        Exchange ex = template.send("direct:proxy-sync", e -> e.getMessage().setBody("cli"));

        writes.assertIsSatisfied();
        assertThat(Files.readString(dynamicFile())).isEqualTo("# last good file\n");
        assertThat(Files.exists(dir.resolve("traefik/traefik.yml"))).isFalse();
        assertThat(ex.getException()).isInstanceOf(JobFailedException.class);
        JobResult r = App.jsonMapper().readValue(JobRuns.resultJson(ex), JobResult.class);
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("cannot read LXD instances").contains("the last good Traefik files stay");
        assertThat(managed().getManagedRoute("proxy-sync", ManagedRouteMBean.class).getExchangesFailed()).isEqualTo(1);
        assertThat(managed().getManagedProcessor("read-instances", ManagedProcessorMBean.class).getExchangesFailed()).isEqualTo(1);
        assertThat(managed().getManagedProcessor("plan", ManagedProcessorMBean.class).getExchangesTotal()).isZero();
        // recorded for status and jobs list
        assertThat(new JobResultStore(dir.resolve("state"), App.jsonMapper()).last("proxy-sync").status())
                .isEqualTo(JobResult.Status.FAILED);
    }

    @Test
    void aSuccessfulSyncPassesEveryNamedStepOnce() throws Exception {
        lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com:8080");
        start(proxySync());
        context.start();
        Exchange ex = template.send("direct:proxy-sync", e -> e.getMessage().setBody("cli"));
        assertThat(ex.isFailed()).isFalse();
        for (String step : List.of("proxy-sync-guard", "proxy-sync-load-config", "read-instances", "plan", "reconcile-bridges",
                "write-traefik-files", "reload-traefik", "reconcile-ufw", "save-state", "proxy-sync-finish")) {
            assertThat(managed().getManagedProcessor(step, ManagedProcessorMBean.class).getExchangesCompleted())
                    .as(step).isEqualTo(1);
        }
        assertThat(Files.readString(dynamicFile())).contains("web.example.com");
        assertThat(managed().getManagedRoute("proxy-sync", ManagedRouteMBean.class).getExchangesCompleted()).isEqualTo(1);
    }

    @Test
    void aFailingJobIncrementsExchangesFailedAndARejectedTriggerCountsAsHandledNotFailed() throws Exception {
        FakeJob broken = new FakeJob("s3-verify", JobResult.Status.FAILED);
        FakeJob slow = new FakeJob("s3-janitor", JobResult.Status.OK);
        slow.hold = new CountDownLatch(1);
        start(broken, slow);
        context.start();
        ManagedRouteMBean route = managed().getManagedRoute("s3-verify", ManagedRouteMBean.class);

        Exchange failed = template.send("direct:s3-verify", e -> e.getMessage().setBody("cli"));
        assertThat(failed.isFailed()).isTrue();
        assertThat(route.getExchangesFailed()).isEqualTo(1);
        assertThat(App.jsonMapper().readValue(JobRuns.resultJson(failed), JobResult.class).status()).isEqualTo(JobResult.Status.FAILED);

        CompletableFuture<Exchange> first = template.asyncSend("direct:s3-janitor", e -> e.getMessage().setBody("schedule"));
        assertThat(slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
        Exchange rejected = template.send("direct:s3-janitor", e -> e.getMessage().setBody("cli"));
        assertThat(rejected.isFailed()).isFalse();
        assertThat(App.jsonMapper().readValue(JobRuns.resultJson(rejected), JobResult.class).status())
                .isEqualTo(JobResult.Status.REJECTED);
        slow.hold.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).isFailed()).isFalse();
        ManagedRouteMBean janitor = managed().getManagedRoute("s3-janitor", ManagedRouteMBean.class);
        assertThat(janitor.getExchangesFailed()).isZero();
        assertThat(janitor.getFailuresHandled()).isEqualTo(1);
        assertThat(managed().getManagedProcessor("s3-janitor-guard", ManagedProcessorMBean.class).getFailuresHandled())
                .as("the guard step shows the rejected trigger").isEqualTo(1);
    }

    @Test
    void daemonSchedulesOverrideBuildsTheQuartzTriggerInUtcAndTheDefaultStaysForTheOthers() throws Exception {
        scheduled = true;
        schedules = Map.of("snapshot", "0 0/5 * * * ?");
        start(new FakeJob("snapshot", JobResult.Status.OK), new FakeJob("s3-verify", JobResult.Status.OK));
        context.start();
        QuartzComponent quartz = context.getComponent("quartz", QuartzComponent.class);
        CronTrigger snapshot = (CronTrigger) quartz.getScheduler().getTrigger(TriggerKey.triggerKey("snapshot", "terrarium"));
        assertThat(snapshot.getCronExpression()).isEqualTo("0 0/5 * * * ?");
        assertThat(snapshot.getTimeZone()).isEqualTo(TimeZone.getTimeZone("UTC"));
        CronTrigger verify = (CronTrigger) quartz.getScheduler().getTrigger(TriggerKey.triggerKey("s3-verify", "terrarium"));
        assertThat(verify.getCronExpression()).isEqualTo("0 0 3 ? * SUN");
        assertThat(context.getRoute("snapshot-schedule").getEndpoint().getEndpointUri())
                .startsWith("quartz://terrarium/snapshot").contains("stateful=true");
    }

    @Test
    void aScheduleRouteOnlySendsToItsJobWithTriggerSchedule() throws Exception {
        scheduled = true;
        FakeJob job = new FakeJob("snapshot", JobResult.Status.OK);
        start(job);
        AdviceWith.adviceWith(context, "snapshot-schedule", a -> a.replaceFromWith("direct:tick"));
        context.start();
        template.sendBody("direct:tick", null);
        assertThat(job.entered.await(5, TimeUnit.SECONDS)).isTrue();
        JobResult r = new JobResultStore(dir.resolve("state"), App.jsonMapper()).last("snapshot");
        assertThat(r.trigger()).isEqualTo("schedule");
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
    }

    @Test
    void dumpRoutesAsXmlOfTheWholeContextSucceedsAndNamesTheSteps() throws Exception {
        scheduled = true;
        jobs.add(new FakeJob("s3-janitor", JobResult.Status.OK));
        jobs.add(new io.terrarium.s3.S3VerifyJob(TerrariumConfig.S3::disabled, () -> "inst"));
        jobs.add(snapshot());
        jobs.add(new io.terrarium.host.facts.HostFactsJob(new io.terrarium.host.facts.HostFactsProbe(runner,
                new io.terrarium.host.zfs.ZfsAdapter(runner), LxdClient.local(runner, App.jsonMapper()), "terrarium",
                java.time.Clock.systemUTC()), dir.resolve("state/host-facts.json"), App.jsonMapper(), "terrarium"));
        jobs.add(proxySync());
        jobs.add(new io.terrarium.s3.S3ExportJob(io.terrarium.config.TerrariumConfig.S3::disabled, () -> "inst", runner,
                new io.terrarium.host.zfs.ZfsAdapter(runner), List::of, (s3, id, clock) -> null, java.time.Clock.systemUTC(), 24));
        jobs.add(new io.terrarium.backup.ReplicateJob(TerrariumConfig.defaults().backups().syncoid(), runner, List::of, "syncoid"));
        start();
        context.start();
        String xml = managed().getManagedCamelContext().dumpRoutesAsXml();
        assertThat(xml).contains("id=\"proxy-sync\"", "id=\"read-instances\"", "id=\"plan\"", "id=\"reconcile-bridges\"",
                "id=\"write-traefik-files\"", "id=\"reload-traefik\"", "id=\"reconcile-ufw\"",
                "id=\"s3-export\"", "id=\"take-base\"", "id=\"choose-parent\"", "id=\"stream-to-s3\"",
                "id=\"drop-new-base\"", "id=\"drop-old-bases\"", "id=\"retention\"", "terrarium-s3-export:stream",
                "id=\"read-datasets\"", "id=\"split-datasets\"", "id=\"proxy-sync-schedule\"", "id=\"proxy-sync-guard\"",
                "id=\"s3-export-finish\"", "id=\"split-replicas\"", "id=\"syncoid\"",
                "id=\"write-sanoid-conf\"", "id=\"take-and-prune-snapshots\"", "id=\"report-per-instance\"",
                "id=\"probe-host\"", "id=\"write-host-facts\"", "id=\"abort-orphaned-uploads\"",
                "id=\"read-restore-points\"", "id=\"split-instances\"", "id=\"verify-instance\"");
        assertThat(xml).doesNotContain("<throttle");
    }
}
