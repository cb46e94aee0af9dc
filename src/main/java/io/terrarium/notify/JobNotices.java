package io.terrarium.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.events.JobRunEvents;
import io.terrarium.jobs.JobResult;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns job runs into notifications: a Camel event notifier on the exchange sent to a job's
 * {@code direct:<id>} endpoint (like {@link JobRunEvents}), whoever triggered it. Per run: a
 * healthchecks {@code /start} ping when it begins, then a success or {@code /fail} ping with the
 * run's summary; a webhook message when {@link Notices#finished} says so (first failure, recovery).
 * Everything goes through {@link NotifyRoutes#QUEUE}: the job's thread only enqueues.
 */
public final class JobNotices extends EventNotifierSupport {
    private static final Logger LOG = LoggerFactory.getLogger(JobNotices.class);

    private final TerrariumConfig.Events config;
    private final Notices notices;
    private final NotifyRoutes routes;
    private final JobRunEvents runs;
    private final Clock clock;
    private volatile ProducerTemplate template;

    /**
     * @param config  the {@code events} section
     * @param notices the shared decision state
     * @param routes  the notification routes (for the webhook body)
     * @param jobIds  the job ids whose runs notify
     * @param json    mapper of the job result JSON
     * @param clock   the clock (UTC)
     */
    public JobNotices(TerrariumConfig.Events config, Notices notices, NotifyRoutes routes, Set<String> jobIds, ObjectMapper json,
                      Clock clock) {
        this.config = config;
        this.notices = notices;
        this.routes = routes;
        this.runs = new JobRunEvents(jobIds, json);
        this.clock = clock;
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeFailedEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreStepEvents(true);
    }

    /** The same events as {@link JobRunEvents#isEnabled}: sending to and sent to a job endpoint. */
    @Override
    public boolean isEnabled(CamelEvent event) {
        return runs.isEnabled(event);
    }

    @Override
    public void notify(CamelEvent event) {
        try {
            if (event instanceof CamelEvent.ExchangeSendingEvent s) {
                String job = runs.job(s.getEndpoint().getEndpointUri());
                if (job != null && config.healthchecks() != null) {
                    ping(s.getExchange().getContext(), job, "/start", "started");
                }
            } else if (event instanceof CamelEvent.ExchangeSentEvent s) {
                String job = runs.job(s.getEndpoint().getEndpointUri());
                if (job == null) {
                    return;
                }
                JobResult r = runs.result(job, s.getExchange(), s.getTimeTaken());
                if (config.healthchecks() != null && r.status() != JobResult.Status.REJECTED) {
                    ping(s.getExchange().getContext(), job, r.status() == JobResult.Status.FAILED ? "/fail" : "",
                            r.status() + (r.summary() == null ? "" : ": " + r.summary()));
                }
                Notices.Notice n = notices.finished(r, clock.instant());
                if (n != null && config.webhook() != null) {
                    Map<String, Object> h = new HashMap<>();
                    h.put(NotifyRoutes.TARGET, "webhook");
                    template(s.getExchange().getContext()).sendBodyAndHeaders(NotifyRoutes.QUEUE, routes.webhookBody(n), h);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot queue a notification: {}", NotifyRoutes.redact(String.valueOf(e.getMessage())));
        }
    }

    private void ping(CamelContext ctx, String job, String suffix, String body) {
        Map<String, Object> h = new HashMap<>();
        h.put(NotifyRoutes.TARGET, "healthchecks");
        h.put(NotifyRoutes.JOB, job);
        h.put(NotifyRoutes.PING_SUFFIX, suffix);
        template(ctx).sendBodyAndHeaders(NotifyRoutes.QUEUE, body, h);
    }

    private ProducerTemplate template(CamelContext ctx) {
        if (template == null) {
            template = ctx.createProducerTemplate();
        }
        return template;
    }
}
