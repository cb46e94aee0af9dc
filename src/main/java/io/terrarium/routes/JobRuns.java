package io.terrarium.routes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobFailedException;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobResultStore;
import io.terrarium.jobs.StagedJob;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * What every job route shares (docs/architecture.md, "Job routes"): the one-run-at-a-time guard,
 * the {@code load-config} and {@code finish} steps, the error policy {@value #ERROR_POLICY}, the
 * result store and the job gauges. One instance per CamelContext, shared by all job RouteBuilders.
 *
 * <p>Outcomes as Camel counts them:
 * <ul>
 *   <li>OK / WARNING: a completed exchange;</li>
 *   <li>FAILED: a <em>failed</em> exchange ({@link JobFailedException}, or the exception a step
 *       threw) — {@code ExchangesFailed} of the route and of the failing step go up; the result is
 *       still recorded and kept on the exchange ({@link #resultJson(Exchange)});</li>
 *   <li>REJECTED (a run of the same job is in progress): the {@code guard} step fails with
 *       {@link JobRejectedException}, handled by the policy — the route counts it under
 *       {@code FailuresHandled}, the {@code guard} step under {@code ExchangesFailed}; nothing runs.</li>
 * </ul>
 * Every finished run (all four statuses) passes through {@link #complete(Exchange, JobResult, boolean)},
 * the single place where listeners ({@link #onFinished}) are told.
 */
public final class JobRuns {
    /** Id of the shared route configuration with the error policy. */
    public static final String ERROR_POLICY = "terrarium-job-errors";
    /** Exchange property: job id. */
    public static final String JOB = "terrariumJob";
    /** Exchange property: the {@link Job} object of this run (after {@code load-config}). */
    public static final String JOB_INSTANCE = "terrariumJobInstance";
    /** Exchange property: the {@link StagedJob.Run} of this run (after {@code load-config}). */
    public static final String RUN = "terrariumRun";
    /** Exchange property: the result JSON once the run finished (any status). */
    public static final String RESULT_JSON = "terrariumResultJson";
    /** Exchange property: what started the run ({@code schedule}, {@code cli}, …). */
    public static final String TRIGGER = "terrariumTrigger";
    private static final String STARTED = "terrariumStarted";
    private static final String RESULT = "terrariumResult";
    private static final Logger LOG = LoggerFactory.getLogger(JobRuns.class);

    private final ObjectMapper json;
    private final JobResultStore results;
    private final String ranIn;
    private final Map<String, Semaphore> guards = new ConcurrentHashMap<>();
    private final List<Consumer<JobResult>> listeners = new CopyOnWriteArrayList<>();
    private volatile JobMetrics metrics;

    /**
     * @param json    mapper for the result body
     * @param results where results are kept for {@code status}/{@code jobs list}, or {@code null}
     * @param ranIn   description of this process for results ("daemon pid N")
     */
    public JobRuns(ObjectMapper json, JobResultStore results, String ranIn) {
        this.json = json;
        this.results = results;
        this.ranIn = ranIn;
    }

    /**
     * The metrics this context serves ({@code /observe/metrics}); REJECTED triggers are counted
     * there. Every other outcome reaches the metrics through the result store.
     */
    public void useMetrics(JobMetrics m) {
        this.metrics = m;
    }

    /**
     * Adds a listener told about every finished run (stamped result, any status, REJECTED
     * included), after it was recorded. A listener that throws is logged and never fails the run.
     */
    public void onFinished(Consumer<JobResult> listener) {
        listeners.add(listener);
    }

    /** Step {@code guard}: records job id, start and trigger, then takes the job's lock or rejects. */
    void guard(Exchange e, String jobId) {
        e.setProperty(JOB, jobId);
        e.setProperty(STARTED, Instant.now());
        trigger(e);
        Semaphore s = guards.computeIfAbsent(jobId, k -> new Semaphore(1));
        if (!s.tryAcquire()) {
            throw new JobRejectedException(jobId);
        }
        whenDone(e, s::release);
        if (BufferGate.JOBS.contains(jobId) && !BufferGate.tryShare()) {
            // a restore served by the daemon holds the S3 buffers: both would not fit the heap (BufferGate)
            LOG.info("job {} waits for the restore that runs in this daemon (their S3 buffers do not both fit its heap)", jobId);
            try {
                BufferGate.share();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("job " + jobId + " stopped while it waited for a restore in this daemon", ie);
            }
        }
        if (BufferGate.JOBS.contains(jobId)) {
            whenDone(e, BufferGate::unshare);
        }
        LOG.info("job {} started (trigger: {})", jobId, trigger(e));
    }

    /**
     * Runs {@code action} when the exchange completes, failed or not (Camel's on-completion
     * {@code onDone}): how a step hands back what it opened — a lock, an S3 client, scratch
     * datasets — even when a later step throws.
     */
    static void whenDone(Exchange e, Runnable action) {
        e.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange exchange) {
                action.run();
            }
        });
    }

    /**
     * Step {@code <id>-unless-paused} of a scheduler route: whether this scheduled fire goes ahead.
     * A paused job ({@code jobs pause}, a file in the result store read at every fire, so a pause
     * survives a restart) skips the fire and logs it; no route is stopped, so health stays UP.
     */
    boolean scheduledRunAllowed(String jobId) {
        Instant since = results == null ? null : results.pausedSince(jobId);
        if (since != null) {
            LOG.info("job {} is paused (since {}); scheduled run skipped (`terrariumctl jobs resume {}`)", jobId, since, jobId);
            return false;
        }
        return true;
    }

    /** Whether a run of {@code jobId} is in progress in this context. */
    public boolean running(String jobId) {
        Semaphore s = guards.get(jobId);
        return s != null && s.availablePermits() == 0;
    }

    /** Step {@code load-config}: the job object for this run and, for a staged job, its run state. */
    void loadConfig(Exchange e, Job atStart) {
        Job job = atStart.forRun();
        e.setProperty(JOB_INSTANCE, job);
        if (job instanceof StagedJob<?> staged) {
            e.setProperty(RUN, staged.newRun());
        }
    }

    /** Step {@code run} of a job without named steps: runs it whole. */
    void runWhole(Exchange e) {
        e.setProperty(RESULT, e.getProperty(JOB_INSTANCE, Job.class).run());
    }

    /**
     * Step {@code finish}: the run's result, stamped, logged, recorded; a FAILED result then fails
     * the exchange ({@link JobFailedException}).
     */
    void finish(Exchange e) throws JsonProcessingException {
        Object run = e.getProperty(RUN);
        JobResult r = run instanceof StagedJob.Run staged ? staged.result() : e.getProperty(RESULT, JobResult.class);
        JobResult stamped = complete(e, r, true);
        if (stamped.status() == JobResult.Status.FAILED) {
            throw new JobFailedException(stamped);
        }
    }

    /**
     * The single place a finished run passes: stamps timing and origin, logs, updates the gauges,
     * saves the result (when {@code record}), sets the JSON as body and as {@value #RESULT_JSON},
     * tells the listeners. Idempotent per exchange (the first call wins).
     */
    JobResult complete(Exchange e, JobResult r, boolean record) throws JsonProcessingException {
        JobResult done = e.getProperty(RESULT + ".stamped", JobResult.class);
        if (done != null) {
            e.getMessage().setBody(e.getProperty(RESULT_JSON));
            return done;
        }
        Instant started = e.getProperty(STARTED, Instant.class);
        Instant now = Instant.now();
        JobResult stamped = r.stamped(trigger(e), started == null ? now : started,
                started == null ? 0 : Duration.between(started, now).toMillis(), ranIn);
        if (r.status() == JobResult.Status.REJECTED) {
            LOG.warn("job {} rejected: already running (trigger: {})", stamped.job(), stamped.trigger());
        } else {
            LOG.info("job {} finished {} in {} ms: {}", stamped.job(), stamped.status(), stamped.durationMs(), stamped.summary());
        }
        JobMetrics m = metrics;
        if (m != null && stamped.status() == JobResult.Status.REJECTED) {
            m.rejected(stamped.job());
        }
        if (record && results != null) {
            String err = results.save(stamped);
            if (err != null) {
                LOG.warn(err);
            }
        }
        String body = json.writeValueAsString(stamped);
        e.setProperty(RESULT + ".stamped", stamped);
        e.setProperty(RESULT_JSON, body);
        e.getMessage().setBody(body);
        for (Consumer<JobResult> l : listeners) {
            try {
                l.accept(stamped);
            } catch (RuntimeException ex) {
                LOG.warn("job {}: a run listener failed: {}", stamped.job(), ex.toString());
            }
        }
        return stamped;
    }

    /**
     * The result JSON of a finished run (completed or failed exchange), as the CLI and the submit
     * route return it.
     *
     * @throws IllegalStateException when the exchange carries no result (it never reached a job route)
     */
    public static String resultJson(Exchange e) {
        String body = e.getProperty(RESULT_JSON, String.class);
        if (body == null) {
            Exception ex = e.getException();
            throw new IllegalStateException("the job route returned no result"
                    + (ex == null ? "" : ": " + ex.getMessage()), ex);
        }
        return body;
    }

    /**
     * The shared error policy ({@value #ERROR_POLICY}):
     * <ul>
     *   <li>{@link JobRejectedException}: handled — the trigger gets a REJECTED result, the
     *       running run goes on;</li>
     *   <li>{@link JobFailedException}: not handled (a failed exchange); the result it carries is
     *       recorded unless {@code finish} already did;</li>
     *   <li>any other exception: not handled; recorded as a FAILED result with its message, logged
     *       with the message history.</li>
     * </ul>
     */
    public RouteConfigurationBuilder errorPolicy() {
        return new RouteConfigurationBuilder() {
            @Override
            public void configuration() {
                routeConfiguration(ERROR_POLICY)
                        .onException(JobRejectedException.class).handled(true).logExhausted(false)
                            .process(e -> complete(e, new JobResult(job(e), JobResult.Status.REJECTED,
                                    "job " + job(e) + " is already running; this trigger was rejected (a job never runs twice at once)",
                                    null, null, 0, null, null), false))
                        .end()
                        .onException(JobFailedException.class).handled(false).logExhausted(false)
                            .process(e -> complete(e, e.getProperty(Exchange.EXCEPTION_CAUGHT, JobFailedException.class).result(), true))
                        .end()
                        .onException(Exception.class).handled(false).logExhausted(true).logStackTrace(true)
                            .logExhaustedMessageHistory(true)
                            .process(e -> {
                                Exception cause = e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
                                complete(e, new JobResult(job(e), JobResult.Status.FAILED,
                                        cause == null ? "failed" : cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                                        null, null, 0, null, null), true);
                            })
                        .end();
            }
        };
    }

    private static String job(Exchange e) {
        return e.getProperty(JOB, "unknown", String.class);
    }

    private static String trigger(Exchange e) {
        String t = e.getProperty(TRIGGER, String.class);
        if (t == null) {
            Object b = e.getMessage().getBody();
            t = b instanceof String s && !s.isBlank() ? s : "jmx";
            e.setProperty(TRIGGER, t);
        }
        return t;
    }
}
