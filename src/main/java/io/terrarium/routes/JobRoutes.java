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
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;

import java.util.List;
import java.util.Map;

/**
 * All job routes of one CamelContext (docs/architecture.md, "Job routes"): one RouteBuilder per
 * job ({@link ProxySyncRoute}, {@link S3ExportRoute}, {@link SnapshotRoute}, {@link ReplicateRoute},
 * {@link HostFactsRoute}, {@link S3JanitorRoute}, {@link S3VerifyRoute}, {@link RestoreDrillRoute}; {@link JobRouteBuilder.Whole}
 * for any other job), each with its scheduler route when {@code scheduled}. Add
 * {@link #errorPolicy()} to the same context. Runs are started asynchronously (CLI, Hawtio) through
 * the daemon's job MBean ({@code io.terrarium.daemon.JobControl}), which sends to {@code direct:<job>}.
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

    private final List<Job> jobs;
    private final Map<String, String> schedules;
    private final boolean scheduled;
    private final JobRuns runs;

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
        if (shape instanceof SnapshotJob) {
            return new SnapshotRoute(job, runs, schedules, scheduled);
        }
        if (shape instanceof S3VerifyJob) {
            return new S3VerifyRoute(job, runs, schedules, scheduled);
        }
        if (shape instanceof io.terrarium.restore.RestoreDrillJob) {
            return new RestoreDrillRoute(job, runs, schedules, scheduled);
        }
        if (shape instanceof HostFactsJob) {
            return new HostFactsRoute(job, runs, schedules, scheduled);
        }
        return switch (job.id()) {
            case S3JanitorJob.ID -> new S3JanitorRoute(job, runs, schedules, scheduled);
            default -> new JobRouteBuilder.Whole(job, runs, schedules, scheduled);
        };
    }

    /** No routes of its own: each job's RouteBuilder is added by {@link #addRoutesToCamelContext}. */
    @Override
    public void configure() {
    }

    /** Adds every job's RouteBuilder to {@code context}. */
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
}
