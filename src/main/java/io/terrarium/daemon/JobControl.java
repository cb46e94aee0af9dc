package io.terrarium.daemon;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * {@link JobControlMBean}: submits a run to the job's {@code direct:<job>} route on a Camel
 * producer thread and keeps its future until the result is read. It sends to no other endpoint
 * and takes no URI, so granting it through Jolokia grants "run one of our jobs" and nothing more
 * (unlike {@code ManagedCamelContext.requestBody}, which reaches any endpoint, {@code exec:}
 * included, and is refused by {@link JolokiaGate}). The CLI submits with its deadline
 * ({@link #submitBefore}): a request read after it starts nothing.
 */
public final class JobControl implements JobControlMBean {
    /** The MBean's JMX name. */
    public static final String OBJECT_NAME = "io.terrarium:type=jobs";
    /** Answer of {@link #result} while the run is going. */
    public static final String PENDING = "PENDING";
    private static final Duration KEEP = Duration.ofHours(1);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Pattern TRIGGER = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /** How {@link #submitBefore}'s refusal of a late request begins (the CLI tells it from other errors by it). */
    public static final String DROPPED = "dropped a run of";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobControl.class);

    private record Run(String job, Instant at, CompletableFuture<Exchange> exchange, io.terrarium.jobs.RunProgress progress) {
    }

    private final CamelContext camel;
    private final List<String> jobs;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    /** Run ids of the runs {@link #submitBefore} started, by {@link #takenKey}; guarded by {@code this}. */
    private final Map<String, String> takenByDeadline = new java.util.LinkedHashMap<>();
    private static final int KEEP_TAKEN = 1_000;
    private final java.util.function.Predicate<String> running;
    private volatile ProducerTemplate template;
    /** The instance {@link #register()} put in this JVM's MBeanServer, until {@link #unregister()}. */
    private static volatile JobControl registered;

    /**
     * @param camel the daemon's started CamelContext
     * @param jobs  the job ids (each has a {@code direct:<id>} route)
     */
    public JobControl(CamelContext camel, List<String> jobs) {
        this(camel, jobs, job -> false);
    }

    /**
     * @param running whether a run of a job is in progress in the daemon, whatever started it
     *                (its routes' guard, {@code JobRuns#running})
     */
    public JobControl(CamelContext camel, List<String> jobs, java.util.function.Predicate<String> running) {
        this.camel = camel;
        this.jobs = List.copyOf(jobs);
        this.running = running;
    }

    /**
     * Whether a run of {@code job} is in progress (scheduled or triggered); not part of the MBean.
     * The CLI socket serves no restore while a job that holds S3 buffers runs.
     */
    public boolean running(String job) {
        return running.test(job);
    }

    @Override
    public String submit(String job) {
        return submitAs(job, "jmx");
    }

    @Override
    public String submitAs(String job, String trigger) {
        check(job, trigger);
        return start(job, trigger);
    }

    @Override
    public String submitBefore(String job, String trigger, long deadlineEpochMillis) {
        check(job, trigger);
        synchronized (this) { // the check and the record as one step for takenBefore
            String late = ClientDeadline.lateness(deadlineEpochMillis, System.currentTimeMillis());
            if (late != null) {
                // never sent to the route: no exchange, no result, the job's counters unchanged
                String why = DROPPED + " " + job + " (trigger " + trigger + "): " + late + "; not run";
                LOG.warn("job control: {}", why);
                throw new IllegalStateException(why);
            }
            String runId = start(job, trigger);
            takenByDeadline.put(takenKey(job, trigger, deadlineEpochMillis), runId);
            if (takenByDeadline.size() > KEEP_TAKEN) {
                takenByDeadline.remove(takenByDeadline.keySet().iterator().next()); // the oldest
            }
            return runId;
        }
    }

    @Override
    public String takenBefore(String job, String trigger, long deadlineEpochMillis) {
        check(job, trigger);
        synchronized (this) {
            if (ClientDeadline.lateness(deadlineEpochMillis, System.currentTimeMillis()) == null) {
                throw new IllegalStateException("the deadline of that request is still ahead: it may yet be taken");
            }
            return takenByDeadline.getOrDefault(takenKey(job, trigger, deadlineEpochMillis), "");
        }
    }

    private static String takenKey(String job, String trigger, long deadlineEpochMillis) {
        return job + "\n" + trigger + "\n" + deadlineEpochMillis;
    }

    /** @throws IllegalArgumentException for an unknown job or a malformed trigger */
    private void check(String job, String trigger) {
        if (job == null || !jobs.contains(job)) {
            throw new IllegalArgumentException("unknown job \"" + job + "\" (known: " + String.join(", ", jobs) + ")");
        }
        if (trigger == null || !TRIGGER.matcher(trigger).matches()) {
            throw new IllegalArgumentException("trigger must be 1-64 letters, digits or -_.: (got \"" + trigger + "\")");
        }
    }

    /** Sends a checked run to {@code direct:<job>} and keeps its future. @return its run id */
    private String start(String job, String trigger) {
        Instant now = Instant.now();
        runs.values().removeIf(r -> r.exchange().isDone() && r.at().isBefore(now.minus(KEEP)));
        if (template == null) {
            template = camel.createProducerTemplate();
        }
        String runId = UUID.randomUUID().toString();
        io.terrarium.jobs.RunProgress progress = new io.terrarium.jobs.RunProgress();
        CompletableFuture<Exchange> f = template.asyncSend("direct:" + job, e -> {
            e.getMessage().setBody(trigger);
            e.setProperty(io.terrarium.jobs.RunProgress.PROPERTY, progress); // the job's steps report into it
        });
        f.whenComplete((e, t) -> progress.close());
        runs.put(runId, new Run(job, now, f, progress));
        return runId;
    }

    @Override
    public String result(String runId) {
        Run r = runId == null ? null : runs.get(runId);
        if (r == null) {
            throw new IllegalArgumentException("unknown run \"" + runId + "\" (a result is read once; unread ones are kept "
                    + KEEP.toHours() + " h)");
        }
        if (!r.exchange().isDone()) {
            return PENDING;
        }
        runs.remove(runId);
        Exchange e = r.exchange().join();
        // a FAILED run is a failed exchange; the result JSON is kept on it either way
        return io.terrarium.routes.JobRuns.resultJson(e);
    }

    /**
     * Waits up to {@code maxWait} for a run to finish (in-process callers: a trigger served over the
     * CLI socket, io.terrarium.cli.served); returns at once when it is done or unknown.
     *
     * @throws InterruptedException when the waiting thread is interrupted (its client went away);
     *                              the run itself goes on
     */
    public void await(String runId, Duration maxWait) throws InterruptedException {
        Run r = runId == null ? null : runs.get(runId);
        if (r == null) {
            return;
        }
        try {
            r.exchange().get(maxWait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // done with an exception (read by result) or still running
        }
    }

    /**
     * The instance registered in this JVM ({@link #register()}): non-null only inside a running
     * daemon, where the CLI socket submits triggers to it directly instead of through Jolokia.
     */
    public static JobControl registered() {
        return registered;
    }

    @Override
    public String progress(String runId, long afterSeq) {
        Run r = runId == null ? null : runs.get(runId);
        if (r == null) {
            throw new IllegalArgumentException("unknown run \"" + runId + "\" (progress is kept until its result is read)");
        }
        io.terrarium.jobs.RunProgress.Page p = r.progress().after(afterSeq);
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("run", runId);
        out.put("job", r.job());
        out.put("finished", p.finished());
        out.put("last", p.last());
        out.put("lost", p.lost());
        out.put("events", p.events());
        try {
            return JSON.writeValueAsString(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write progress as JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> getJobs() {
        return jobs;
    }

    @Override
    public int getRunsPending() {
        return (int) runs.values().stream().filter(r -> !r.exchange().isDone()).count();
    }

    /**
     * Registers this MBean in the platform MBeanServer (the one Camel and Jolokia use).
     *
     * @throws IllegalStateException when the name is taken
     */
    public void register() {
        try {
            MBeanServer s = ManagementFactory.getPlatformMBeanServer();
            ObjectName n = new ObjectName(OBJECT_NAME);
            if (s.isRegistered(n)) {
                s.unregisterMBean(n);
            }
            s.registerMBean(this, n);
            registered = this;
        } catch (Exception e) {
            throw new IllegalStateException("cannot register " + OBJECT_NAME + ": " + e.getMessage(), e);
        }
    }

    /** Removes the MBean (on daemon stop); quiet when it is not registered. */
    public static void unregister() {
        registered = null;
        try {
            MBeanServer s = ManagementFactory.getPlatformMBeanServer();
            ObjectName n = new ObjectName(OBJECT_NAME);
            if (s.isRegistered(n)) {
                s.unregisterMBean(n);
            }
        } catch (Exception ignored) {
            // shutting down
        }
    }
}
