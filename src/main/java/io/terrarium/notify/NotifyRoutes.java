package io.terrarium.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.terrarium.config.TerrariumConfig;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * The notification routes (docs/events.md "Notifications"): job code never waits for a receiver.
 *
 * <ul>
 *   <li>{@code notify}: {@value #QUEUE} (bounded, {@value #QUEUE_SIZE} messages; a full queue
 *       discards) → step {@code read-target} (the URL from its root-only file, the body) → step
 *       {@code deliver} (camel-http, POST, the configured timeout). A receiver that is down, slow or
 *       answering an error is logged (without the URL, which holds a token) and counted in
 *       {@code terrarium_notifications_failed_total}; nothing is retried and no job waits.</li>
 *   <li>{@code notify-stale}: a timer every {@value #STALE_CHECK_SECONDS} s → step {@code find-stale}
 *       ({@link Notices#stale}) → one webhook message per newly stale job.</li>
 * </ul>
 *
 * <p>Message bodies: the webhook gets a JSON object {@code {type, job, status, summary, at, host,
 * installation_id, text}} ({@code text} is one readable line, which Slack- and Mattermost-style
 * incoming webhooks show); a healthchecks ping gets the run's summary as plain text.
 */
public final class NotifyRoutes extends RouteBuilder {
    /** The queue every notification goes through. */
    public static final String QUEUE = "seda:terrarium-notify?size=1000&discardWhenFull=true";
    /** Messages held while receivers are slow or down. */
    public static final int QUEUE_SIZE = 1000;
    /** Period of the staleness check, seconds. */
    public static final int STALE_CHECK_SECONDS = 60;
    /** Header naming the target: {@code webhook} or {@code healthchecks}. */
    public static final String TARGET = "TerrariumNotifyTarget";
    /** Header with the healthchecks suffix: empty (success), {@code /start} or {@code /fail}. */
    public static final String PING_SUFFIX = "TerrariumPingSuffix";
    /** Header with the job id of a ping. */
    public static final String JOB = "TerrariumNotifyJob";
    private static final Logger LOG = LoggerFactory.getLogger(NotifyRoutes.class);

    private final TerrariumConfig.Events config;
    private final Notices notices;
    private final ObjectMapper json;
    private final String host;
    private final String installationId;
    private final Clock clock;

    /**
     * @param config         the {@code events} section (webhook, healthchecks, stale_after)
     * @param notices        the shared decision state (also fed by {@link JobNotices})
     * @param json           mapper for the webhook body
     * @param host           this host's name (for the messages)
     * @param installationId this installation's id (for the messages)
     * @param clock          the clock (UTC)
     */
    public NotifyRoutes(TerrariumConfig.Events config, Notices notices, ObjectMapper json, String host, String installationId,
                        Clock clock) {
        this.config = config;
        this.notices = notices;
        this.json = json;
        this.host = host;
        this.installationId = installationId;
        this.clock = clock;
    }

    @Override
    public void configure() {
        // camel-http has its timeouts on the component (milliseconds): the longest configured one
        long timeoutMs = 1000L * Math.max(config.webhook() == null ? 1 : config.webhook().timeoutSeconds(),
                config.healthchecks() == null ? 1 : config.healthchecks().timeoutSeconds());
        org.apache.camel.component.http.HttpComponent http = getContext().getComponent("http",
                org.apache.camel.component.http.HttpComponent.class);
        http.setConnectTimeout(timeoutMs);
        http.setConnectionRequestTimeout(timeoutMs);
        http.setSoTimeout(timeoutMs);
        http.setResponseTimeout(timeoutMs);
        from(QUEUE).routeId("notify")
                .onException(Exception.class).handled(true)
                    .process(this::failed).id("notify-failed")
                .end()
                .process(this::readTarget).id("read-target")
                .to("http://notify-target?throwExceptionOnFailure=true&followRedirects=false").id("deliver")
                .process(e -> LOG.debug("notification delivered to {}", e.getMessage().getHeader(TARGET))).id("delivered");
        if (config.webhook() != null && !config.staleAfter().isEmpty()) {
            from("timer:terrarium-notify-stale?period=" + STALE_CHECK_SECONDS * 1000L + "&delay=" + STALE_CHECK_SECONDS * 1000L)
                    .routeId("notify-stale")
                    .process(e -> e.getMessage().setBody(notices.stale(clock.instant()))).id("find-stale")
                    .split(body())
                        .process(e -> e.getMessage().setBody(webhookBody(e.getMessage().getBody(Notices.Notice.class)))).id("stale-message")
                        .setHeader(TARGET, constant("webhook")).id("stale-target")
                        .to(QUEUE).id("queue-stale")
                    .end();
        }
    }

    /**
     * The webhook body of a notice.
     *
     * @return JSON text {@code {type, job, status, summary, at, host, installation_id, text}}
     */
    public String webhookBody(Notices.Notice n) {
        ObjectNode o = json.createObjectNode();
        o.put("type", n.type()).put("job", n.job()).put("status", n.status()).put("summary", n.summary())
                .put("at", n.at().toString()).put("host", host).put("installation_id", installationId);
        String what = switch (n.type()) {
            case "job.failed" -> "failed";
            case "job.recovered" -> "recovered";
            default -> "is stale";
        };
        o.put("text", "terrarium on " + host + ": job " + n.job() + " " + what + (n.summary() == null ? "" : ": " + n.summary()));
        return o.toString();
    }

    private void readTarget(Exchange e) throws IOException {
        String target = e.getMessage().getHeader(TARGET, String.class);
        String url;
        if ("webhook".equals(target) && config.webhook() != null) {
            url = readUrl(config.webhook().urlFile());
            e.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        } else if ("healthchecks".equals(target) && config.healthchecks() != null) {
            String base = readUrl(config.healthchecks().pingUrlFile());
            String slug = (config.healthchecks().slugPrefix() + e.getMessage().getHeader(JOB, String.class)).toLowerCase(Locale.ROOT);
            url = (base.endsWith("/") ? base : base + "/") + slug + e.getMessage().getHeader(PING_SUFFIX, "", String.class) + "?create=1";
            e.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
        } else {
            throw new IllegalStateException("no notification target " + target + " is configured");
        }
        e.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
        e.getMessage().setHeader(Exchange.HTTP_URI, url);
        e.getMessage().setHeader(Exchange.HTTP_QUERY, null);
        e.getMessage().setHeader(Exchange.HTTP_PATH, null);
        e.getMessage().setBody(e.getMessage().getBody(String.class).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads a URL from its secret file: one line, {@code https://…}, or {@code http://} to a loopback
     * address (a receiver on this host).
     *
     * @throws IOException when the file cannot be read or does not hold such a URL (the message names
     *                     the file, never its content)
     */
    static String readUrl(String file) throws IOException {
        String text = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
        URI u;
        try {
            u = URI.create(text);
        } catch (IllegalArgumentException ex) {
            throw new IOException(file + " does not hold a URL");
        }
        boolean loopback = "http".equals(u.getScheme()) && u.getHost() != null
                && (u.getHost().equals("127.0.0.1") || u.getHost().equals("localhost") || u.getHost().equals("[::1]"));
        if (text.contains("\n") || u.getHost() == null || !("https".equals(u.getScheme()) || loopback)) {
            throw new IOException(file + " must hold one https:// URL (http:// only to a loopback address)");
        }
        return text;
    }

    private void failed(Exchange e) {
        Throwable t = e.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String target = e.getMessage().getHeader(TARGET, String.class);
        String why = t == null ? "unknown" : t instanceof org.apache.camel.http.base.HttpOperationFailedException h
                ? "HTTP " + h.getStatusCode() : t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + redact(t.getMessage()));
        LOG.warn("notification to {} not delivered: {}; counted in terrarium_notifications_failed_total", target, why);
        var registry = e.getContext().getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
        if (registry != null) {
            registry.counter("terrarium.notifications.failed", "target", String.valueOf(target)).increment();
        }
    }

    /** A message without anything that looks like a URL (which would carry the token). */
    static String redact(String message) {
        return message.replaceAll("[a-zA-Z][a-zA-Z0-9+.-]*://\\S+", "<url>");
    }

    /** Route ids this builder adds (for the route list in docs and tests). */
    public static List<String> routeIds() {
        return List.of("notify", "notify-stale");
    }
}
