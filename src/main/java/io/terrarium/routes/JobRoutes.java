package io.terrarium.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobResultStore;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.processor.ThrottlerRejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The job pattern every host helper follows (DESIGN.md §1, docs/architecture.md):
 *
 * <pre>
 *   quartz:terrarium/&lt;id&gt;?cron=…&amp;stateful=true   (route "&lt;id&gt;-schedule", daemon only)
 *   or timer:terrarium-&lt;id&gt;?period=…              (jobs with an {@link Job#interval()}, e.g. proxy-sync)
 *        └─▶ direct:&lt;id&gt;                            (route "&lt;id&gt;": the work)
 *   CLI (Jolokia requestBody / in-process) ─▶ direct:&lt;id&gt;
 * </pre>
 *
 * The work route starts with one guard, {@code throttle(1).concurrentRequestsMode().rejectExecution(true)},
 * shared by scheduled and on-demand runs: a second run while one is in progress is rejected (result
 * status REJECTED), never queued or run twice. The body in is the trigger name; the body out is the
 * {@link JobResult} as JSON. The error policy lives in one route configuration,
 * {@value #ERROR_POLICY}.
 */
public final class JobRoutes extends RouteBuilder {
    /** Id of the shared route configuration with the error policy. */
    public static final String ERROR_POLICY = "terrarium-job-errors";
    /** Exchange property holding the job id. */
    public static final String JOB_PROPERTY = "terrariumJob";
    private static final String STARTED = "terrariumStarted";
    private static final Logger LOG = LoggerFactory.getLogger(JobRoutes.class);

    private final List<Job> jobs;
    private final Map<String, String> schedules;
    private final boolean scheduled;
    private final ObjectMapper json;
    private final JobResultStore results;
    private final String ranIn;
    private final java.util.Map<String, Submitted> runs = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile org.apache.camel.ProducerTemplate template;
    private volatile JobMetrics metrics;

    /** Endpoint that starts a job asynchronously: body in = job id, body out = run id (or an error JSON). */
    public static final String SUBMIT = "direct:job-submit";
    /** Endpoint that answers a run's result: body in = run id, body out = result JSON or {@value #PENDING}. */
    public static final String RESULT = "direct:job-result";
    /** Reply of {@link #RESULT} while the run is still going. */
    public static final String PENDING = "PENDING";
    private static final Duration KEEP_RESULTS = Duration.ofHours(1);

    private record Submitted(String job, Instant at, java.util.concurrent.CompletableFuture<String> result) {
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
        this.json = json;
        this.results = results;
        this.ranIn = ranIn;
    }

    @Override
    public void configure() {
        // CLI triggers through Jolokia: long exec calls would be serialised by the management HTTP
        // server (a second trigger would queue, then run again), so the CLI submits and polls instead.
        from(SUBMIT).routeId("job-submit").routeDescription("start a job asynchronously for the CLI")
                .process(this::submit);
        from(RESULT).routeId("job-result").routeDescription("result of a submitted job run")
                .process(this::result);
        for (Job job : jobs) {
            String id = job.id();
            if (scheduled && !schedules.containsKey(id) && job.interval() != null) {
                // the timer runs on one thread and waits for the previous run; the guard below still applies
                from("timer:terrarium-" + id + "?delay=5000&fixedRate=false&period=" + job.interval().toMillis())
                        .routeId(id + "-schedule")
                        .routeDescription("schedule of " + id + " (every " + job.interval().toSeconds() + " s)")
                        .setBody(constant("schedule"))
                        .to("direct:" + id);
            } else if (scheduled) {
                String cron = schedules.getOrDefault(id, job.defaultSchedule()).replace(' ', '+');
                from("quartz:terrarium/" + id + "?stateful=true&trigger.timeZone=UTC&cron=" + cron)
                        .routeId(id + "-schedule")
                        .routeDescription("schedule of " + id)
                        .setBody(constant("schedule"))
                        .to("direct:" + id);
            }
            from("direct:" + id)
                    .routeId(id)
                    .routeDescription(job.description())
                    .routeConfigurationId(ERROR_POLICY)
                    .setProperty(JOB_PROPERTY, constant(id))
                    .throttle(1).concurrentRequestsMode().rejectExecution(true)
                    .process(e -> start(e))
                    .process(e -> finish(e, job.run(), true));
        }
    }

    /**
     * The shared error policy ({@value #ERROR_POLICY}): a rejected concurrent run becomes a
     * REJECTED result, any other exception a FAILED result with the exception's message. Add it to
     * the same context as these routes.
     */
    public RouteConfigurationBuilder errorPolicy() {
        return new RouteConfigurationBuilder() {
            @Override
            public void configuration() {
            routeConfiguration(ERROR_POLICY)
                    .onException(ThrottlerRejectedExecutionException.class).handled(true)
                        .process(e -> finish(e, new JobResult(job(e), JobResult.Status.REJECTED,
                                "job " + job(e) + " is already running; this trigger was rejected (a job never runs twice at once)",
                                null, null, 0, null, null), false))
                    .end()
                    .onException(Exception.class).handled(true)
                        .process(e -> {
                            Exception cause = e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
                            LOG.error("job {} failed: {}", job(e), cause == null ? "unknown error" : cause.getMessage(), cause);
                            finish(e, new JobResult(job(e), JobResult.Status.FAILED,
                                    cause == null ? "failed" : cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                                    null, null, 0, null, null), true);
                        })
                    .end();

            }
        };
    }

    private void submit(Exchange e) {
        String jobId = e.getMessage().getBody(String.class);
        if (jobs.stream().noneMatch(j -> j.id().equals(jobId))) {
            throw new IllegalArgumentException("unknown job \"" + jobId + "\"");
        }
        Instant now = Instant.now();
        runs.values().removeIf(r -> r.result().isDone() && r.at().isBefore(now.minus(KEEP_RESULTS)));
        if (template == null) {
            template = e.getContext().createProducerTemplate();
        }
        String runId = java.util.UUID.randomUUID().toString();
        runs.put(runId, new Submitted(jobId, now, template.asyncRequestBody("direct:" + jobId, "cli", String.class)));
        e.getMessage().setBody(runId);
    }

    private void result(Exchange e) throws Exception {
        String runId = e.getMessage().getBody(String.class);
        Submitted s = runId == null ? null : runs.get(runId);
        if (s == null) {
            throw new IllegalArgumentException("unknown run \"" + runId + "\" (results are kept for " + KEEP_RESULTS.toHours() + " h)");
        }
        if (!s.result().isDone()) {
            e.getMessage().setBody(PENDING);
            return;
        }
        runs.remove(runId);
        e.getMessage().setBody(s.result().get());
    }

    /** The job gauges, when the context has a Micrometer registry (the daemon); else {@code null}. */
    private JobMetrics metrics(Exchange e) {
        if (metrics == null) {
            io.micrometer.core.instrument.MeterRegistry reg =
                    e.getContext().getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
            if (reg != null) {
                metrics = new JobMetrics(reg);
            }
        }
        return metrics;
    }

    private static String job(Exchange e) {
        return e.getProperty(JOB_PROPERTY, "unknown", String.class);
    }

    private void start(Exchange e) {
        e.setProperty(STARTED, Instant.now());
        LOG.info("job {} started (trigger: {})", job(e), trigger(e));
    }

    private static String trigger(Exchange e) {
        String t = e.getProperty("terrariumTrigger", String.class);
        if (t == null) {
            Object b = e.getMessage().getBody();
            t = b instanceof String s && !s.isBlank() ? s : "jmx";
            e.setProperty("terrariumTrigger", t);
        }
        return t;
    }

    private void finish(Exchange e, JobResult r, boolean record) throws Exception {
        Instant started = e.getProperty(STARTED, Instant.class);
        Instant now = Instant.now();
        JobResult stamped = r.stamped(trigger(e), started == null ? now : started,
                started == null ? 0 : Duration.between(started, now).toMillis(), ranIn);
        if (r.status() == JobResult.Status.REJECTED) {
            LOG.warn("job {} rejected: already running (trigger: {})", stamped.job(), stamped.trigger());
        } else {
            LOG.info("job {} finished {} in {} ms: {}", stamped.job(), stamped.status(), stamped.durationMs(), stamped.summary());
        }
        JobMetrics m = metrics(e);
        if (m != null && (record || stamped.status() == JobResult.Status.REJECTED)) {
            m.record(stamped);
        }
        if (record && results != null) {
            String err = results.save(stamped);
            if (err != null) {
                LOG.warn(err);
            }
        }
        e.getMessage().setBody(json.writeValueAsString(stamped));
    }
}
