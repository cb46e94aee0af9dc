package io.terrarium.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.jobs.JobResult;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Set;

/**
 * Publishes a {@link Event#JOB_RUN} event whenever a job run ends, whoever triggered it (schedule,
 * CLI, Hawtio): a Camel event notifier on the exchange sent to a job's {@code direct:<id>}
 * endpoint, so it does not depend on the shape of the job routes. The result is the
 * {@link JobResult} JSON the work route answers; a run that ended as a failed exchange becomes
 * FAILED with the exception's message.
 */
public final class JobRunEvents extends EventNotifierSupport {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunEvents.class);

    private final Set<String> jobIds;
    private final ObjectMapper json;

    /**
     * @param jobIds the job ids (= route ids and {@code direct:} names) whose runs are published
     * @param json   mapper of the result JSON ({@code App.jsonMapper()})
     */
    public JobRunEvents(Set<String> jobIds, ObjectMapper json) {
        this.jobIds = Set.copyOf(jobIds);
        this.json = json;
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeFailedEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreStepEvents(true);
    }

    /**
     * Accepts the sending and the sent event of a job endpoint: Camel emits the sent event only when
     * a notifier took the sending one (camel-support {@code EventHelper}, {@code DefaultProducerCache}).
     */
    @Override
    public boolean isEnabled(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSendingEvent s) {
            return job(s.getEndpoint().getEndpointUri()) != null;
        }
        return event instanceof CamelEvent.ExchangeSentEvent s && job(s.getEndpoint().getEndpointUri()) != null;
    }

    @Override
    public void notify(CamelEvent event) {
        if (!(event instanceof CamelEvent.ExchangeSentEvent s)) {
            return;
        }
        String job = job(s.getEndpoint().getEndpointUri());
        if (job == null) {
            return;
        }
        try {
            Events.current().publish(Event.jobRun(result(job, s.getExchange(), s.getTimeTaken())));
        } catch (RuntimeException e) {
            LOG.warn("job {}: cannot build its run event: {}", job, e.getMessage());
        }
    }

    /** The job id of a {@code direct:<id>} / {@code direct://<id>} URI, or {@code null}. */
    public String job(String uri) {
        if (uri == null || !uri.startsWith("direct:")) {
            return null;
        }
        String name = uri.substring("direct:".length());
        name = name.startsWith("//") ? name.substring(2) : name;
        int q = name.indexOf('?');
        name = q < 0 ? name : name.substring(0, q);
        return jobIds.contains(name) ? name : null;
    }

    /**
     * The result of a finished run of {@code job}: the {@link JobResult} (or its JSON) the work route
     * answered, or FAILED with the exception's message when the run ended as a failed exchange.
     *
     * @param tookMs the run's duration in milliseconds (from the sent event)
     */
    public JobResult result(String job, Exchange x, long tookMs) {
        Exception failure = x.getException();
        if (failure == null) {
            Object body = x.getMessage().getBody();
            if (body instanceof JobResult r) {
                return r;
            }
            if (body instanceof String text && text.startsWith("{")) {
                try {
                    return json.readValue(text, JobResult.class);
                } catch (Exception e) {
                    LOG.debug("job {}: result is not JobResult JSON: {}", job, e.getMessage());
                }
            }
        }
        String msg = failure == null ? "run ended without a result" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        return new JobResult(job, JobResult.Status.FAILED, msg, null, Instant.now().minusMillis(tookMs), tookMs, null, null);
    }
}
