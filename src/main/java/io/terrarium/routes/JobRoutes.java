package io.terrarium.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.backup.ReplicateJob;
import io.terrarium.backup.SnapshotJob;
import io.terrarium.host.facts.HostFactsJob;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResultStore;
import io.terrarium.proxy.sync.ProxySyncJob;
import io.terrarium.s3.S3ExportJob;
import io.terrarium.s3.S3JanitorJob;
import io.terrarium.s3.S3VerifyJob;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * All job routes of one CamelContext (docs/architecture.md, "Job routes"): one RouteBuilder per
 * job ({@link ProxySyncRoute}, {@link S3ExportRoute}, {@link SnapshotRoute}, {@link ReplicateRoute},
 * {@link HostFactsRoute}, {@link S3JanitorRoute}, {@link S3VerifyRoute}; {@link JobRouteBuilder.Whole}
 * for any other job), each with its scheduler route when {@code scheduled}, plus the CLI's
 * {@code job-submit}/{@code job-result} routes. Add {@link #errorPolicy()} to the same context.
 *
 * <p>The body in is the trigger name ({@code schedule}, {@code cli}, …); the result JSON is the body
 * out and the exchange property {@value JobRuns#RESULT_JSON} ({@link JobRuns#resultJson}), also when
 * the exchange failed (a FAILED run).
 */
public final class JobRoutes extends RouteBuilder {
    /** Id of the shared route configuration with the error policy. */
    public static final String ERROR_POLICY = JobRuns.ERROR_POLICY;
    /** Exchange property holding the job id. */
    public static final String JOB_PROPERTY = JobRuns.JOB;
    /** Endpoint that starts a job asynchronously: body in = job id, body out = run id (or an error JSON). */
    public static final String SUBMIT = "direct:job-submit";
    /** Endpoint that answers a run's result: body in = run id, body out = result JSON or {@value #PENDING}. */
    public static final String RESULT = "direct:job-result";
    /** Reply of {@link #RESULT} while the run is still going. */
    public static final String PENDING = "PENDING";
    private static final Duration KEEP_RESULTS = Duration.ofHours(1);

    private final List<Job> jobs;
    private final Map<String, String> schedules;
    private final boolean scheduled;
    private final JobRuns runs;
    private final Map<String, Submitted> submitted = new ConcurrentHashMap<>();
    private volatile org.apache.camel.ProducerTemplate template;

    private record Submitted(String job, Instant at, CompletableFuture<Exchange> result) {
    }

    /**
     * @param jobs      the jobs to expose
     * @param schedules job id → cron overriding the job's default
     * @param scheduled whether to add the scheduler routes (daemon: true; in-process CLI run: false)
     * @param json      mapper for the result body
     * @param results   where results are kept, or {@code null}
     * @param ranIn     description of this process for results ("daemon pid N")
     */
    public JobRoutes(List<Job> jobs, Map<String, String> schedules, boolean scheduled, ObjectMapper json,
                     JobResultStore results, String ranIn) {
        this.jobs = List.copyOf(jobs);
        this.schedules = Map.copyOf(schedules);
        this.scheduled = scheduled;
        this.runs = new JobRuns(json, results, ranIn);
    }

    /** The shared run support (guard, finish, error policy, listeners) of these routes. */
    public JobRuns runs() {
        return runs;
    }

    /**
     * The RouteBuilder of one job: the step-by-step route of its type ({@link Job#shape()}), the
     * one-step route named for its id, or {@link JobRouteBuilder.Whole} for any other job.
     */
    JobRouteBuilder builderFor(Job job) {
        Job shape = job.shape();
        if (shape instanceof ProxySyncJob) {
            return new ProxySyncRoute(job, runs, schedules, scheduled);
        }
        if (shape instanceof S3ExportJob) {
            return new S3ExportRoute(job, runs, schedules, scheduled);
        }
        if (shape instanceof ReplicateJob) {
            return new ReplicateRoute(job, runs, schedules, scheduled);
        }
        return switch (job.id()) {
            case SnapshotJob.ID -> new SnapshotRoute(job, runs, schedules, scheduled);
            case HostFactsJob.ID -> new HostFactsRoute(job, runs, schedules, scheduled);
            case S3JanitorJob.ID -> new S3JanitorRoute(job, runs, schedules, scheduled);
            case S3VerifyJob.ID -> new S3VerifyRoute(job, runs, schedules, scheduled);
            default -> new JobRouteBuilder.Whole(job, runs, schedules, scheduled);
        };
    }

    @Override
    public void configure() throws Exception {
        // CLI triggers through Jolokia: long exec calls would be serialised by the management HTTP
        // server (a second trigger would queue, then run again), so the CLI submits and polls instead.
        from(SUBMIT).routeId("job-submit").routeDescription("start a job asynchronously for the CLI")
                .process(this::submit).id("submit");
        from(RESULT).routeId("job-result").routeDescription("result of a submitted job run")
                .process(this::result).id("result");
    }

    /** Adds the submit/result routes, then every job's RouteBuilder, to {@code context}. */
    @Override
    public void addRoutesToCamelContext(org.apache.camel.CamelContext context) throws Exception {
        super.addRoutesToCamelContext(context);
        for (Job job : jobs) {
            context.addRoutes(builderFor(job));
        }
    }

    /** The shared error policy ({@link JobRuns#errorPolicy()}); add it to the same context. */
    public RouteConfigurationBuilder errorPolicy() {
        return runs.errorPolicy();
    }

    private void submit(Exchange e) {
        String jobId = e.getMessage().getBody(String.class);
        if (jobs.stream().noneMatch(j -> j.id().equals(jobId))) {
            throw new IllegalArgumentException("unknown job \"" + jobId + "\"");
        }
        Instant now = Instant.now();
        submitted.values().removeIf(r -> r.result().isDone() && r.at().isBefore(now.minus(KEEP_RESULTS)));
        if (template == null) {
            template = e.getContext().createProducerTemplate();
        }
        String runId = java.util.UUID.randomUUID().toString();
        submitted.put(runId, new Submitted(jobId, now,
                template.asyncSend("direct:" + jobId, x -> x.getMessage().setBody("cli"))));
        e.getMessage().setBody(runId);
    }

    private void result(Exchange e) throws Exception {
        String runId = e.getMessage().getBody(String.class);
        Submitted s = runId == null ? null : submitted.get(runId);
        if (s == null) {
            throw new IllegalArgumentException("unknown run \"" + runId + "\" (results are kept for " + KEEP_RESULTS.toHours() + " h)");
        }
        if (!s.result().isDone()) {
            e.getMessage().setBody(PENDING);
            return;
        }
        submitted.remove(runId);
        e.getMessage().setBody(JobRuns.resultJson(s.result().get()));
    }
}
