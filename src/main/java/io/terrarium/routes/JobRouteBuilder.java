package io.terrarium.routes;

import io.terrarium.jobs.Job;
import io.terrarium.jobs.StagedJob;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.RouteDefinition;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Base of the per-job RouteBuilders: the scheduler route {@code <id>-schedule} (daemon only; its
 * step {@code <id>-unless-paused} skips the fire while the job is paused) and the
 * frame of the work route {@code <id>}:
 *
 * <pre>
 *   quartz:terrarium/&lt;id&gt;?cron=…&amp;stateful=true&amp;trigger.timeZone=UTC   (or timer: for jobs with an interval)
 *     └─▶ direct:&lt;id&gt;
 *   direct:&lt;id&gt; → &lt;id&gt;-guard → &lt;id&gt;-load-config → &lt;the job's own steps&gt; → &lt;id&gt;-finish
 * </pre>
 *
 * Camel wants node ids unique in the whole context, so the frame's steps carry the job id; a job's
 * own steps have plain names that no other job uses.
 *
 * Subclasses add the job's steps between {@link #work()} and {@link #finish(RouteDefinition)}, each
 * with a stable id ({@code .id("read-instances")}); docs/architecture.md lists them per job.
 */
public abstract class JobRouteBuilder extends RouteBuilder {
    /** The job as built at start (its id, description and schedule are fixed for the context's life). */
    protected final Job job;
    /** Shared guard, finish step and error policy. */
    protected final JobRuns runs;
    private final Map<String, String> schedules;
    private final boolean scheduled;

    /**
     * @param job       the job
     * @param runs      shared guard, finish step and error policy of this context
     * @param schedules job id → cron overriding the job's default ({@code daemon.schedules})
     * @param scheduled whether to add the scheduler route (daemon: true; in-process CLI run: false)
     */
    protected JobRouteBuilder(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        this.job = job;
        this.runs = runs;
        this.schedules = schedules;
        this.scheduled = scheduled;
    }

    /** The job id (= route id = {@code direct:} name). */
    protected final String id() {
        return job.id();
    }

    /** The scheduler route, when scheduled: a cron in {@code daemon.schedules} wins over the job's interval. */
    protected final void schedule() {
        if (!scheduled) {
            return;
        }
        String id = id();
        String uri;
        String description;
        if (!schedules.containsKey(id) && job.interval() != null) {
            // the timer runs on one thread and waits for the previous run; the guard still applies
            uri = "timer:terrarium-" + id + "?delay=5000&fixedRate=false&period=" + job.interval().toMillis();
            description = "schedule of " + id + " (every " + job.interval().toSeconds() + " s)";
        } else {
            String cron = schedules.getOrDefault(id, job.defaultSchedule()).replace(' ', '+');
            uri = "quartz:terrarium/" + id + "?stateful=true&trigger.timeZone=UTC&cron=" + cron;
            description = "schedule of " + id;
        }
        from(uri)
                .routeId(id + "-schedule")
                .routeDescription(description)
                .onException(Exception.class).handled(true).logExhausted(false).end() // counted on the job route
                .setBody(constant("schedule")).id(id + "-trigger")
                .filter(e -> runs.scheduledRunAllowed(id)).id(id + "-unless-paused")
                    .to("direct:" + id).id("run-" + id)
                .end();
    }

    /** The work route up to and including {@code load-config}; add the job's steps, then {@link #finish}. */
    protected final RouteDefinition work() {
        return from("direct:" + id())
                .routeId(id())
                .routeDescription(job.description())
                .routeConfigurationId(JobRuns.ERROR_POLICY)
                .process(e -> runs.guard(e, id())).id(id() + "-guard")
                .process(e -> runs.loadConfig(e, job)).id(id() + "-load-config");
    }

    /** Ends the work route with the {@code finish} step (result recorded; FAILED fails the exchange). */
    protected final void finish(org.apache.camel.model.ProcessorDefinition<?> route) {
        route.process(runs::finish).id(id() + "-finish");
    }

    /** A step calling one method of this run's {@link StagedJob.Run}. */
    protected static <R extends StagedJob.Run> Processor step(Class<R> runType, Consumer<R> step) {
        return e -> step.accept(e.getProperty(JobRuns.RUN, runType));
    }

    /**
     * A job whose work is one step: {@code <id>-guard → <id>-load-config → <step> → <id>-finish}; the step runs
     * {@link Job#run()} whole. Default step id {@code <id>-run} (node ids are unique in the whole context).
     */
    static class Whole extends JobRouteBuilder {
        private final String step;

        Whole(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
            this(job, runs, schedules, scheduled, job.id() + "-run");
        }

        Whole(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled, String step) {
            super(job, runs, schedules, scheduled);
            this.step = step;
        }

        @Override
        public void configure() {
            schedule();
            finish(work().process(runs::runWhole).id(step));
        }
    }
}
