package io.terrarium.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.TerrariumConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ShutdownRunningTask;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes events to a Kafka topic ({@code events.kafka}, docs/events.md) through the route
 * {@value #ROUTE_ID}:
 *
 * <pre>
 *   publish(event) ─▶ seda:terrarium-events (bounded, size = queue_size; a full queue rejects at once)
 *                     └─▶ route "events-kafka" ─▶ terrarium-kafka:&lt;topic&gt; (key = event key, value = JSON)
 * </pre>
 *
 * {@link #publish} never blocks and never throws: it only offers the event to the in-memory queue.
 * The Kafka client retries a record for at most {@code delivery_timeout_seconds}
 * ({@code delivery.timeout.ms}, and {@code max.block.ms} for the first metadata fetch). An event
 * that finds the queue full or is not acknowledged in time is counted
 * ({@code terrarium_events_failed_total{reason="queue_full"|"delivery"}} on {@code /observe/metrics},
 * and {@link #failed()}) and logged with its type, key and id; delivered events count in
 * {@code terrarium_events_published_total}. Nothing is dropped silently.
 *
 * <p>All Kafka settings, including a SASL password read from its root-only file, go into a
 * component of our own ({@value #COMPONENT}), never into an endpoint URI (URIs show up in logs, JMX
 * and Hawtio).
 */
public final class KafkaEvents implements Events {
    /** Route id of the publisher. */
    public static final String ROUTE_ID = "events-kafka";
    /** Name of the Kafka component holding the settings. */
    public static final String COMPONENT = "terrarium-kafka";
    /** The in-memory queue between {@link #publish} and the route. */
    public static final String QUEUE = "seda:terrarium-events";
    private static final String KEY_HEADER = KafkaConstants.KEY;
    private static final String TYPE_PROPERTY = "terrariumEventType";
    private static final String ID_PROPERTY = "terrariumEventId";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEvents.class);

    private final TerrariumConfig.Kafka config;
    private final String installationId;
    private final String hostName;
    private final ObjectMapper json;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failedDelivery = new AtomicLong();
    private final AtomicLong failedQueueFull = new AtomicLong();
    private volatile ProducerTemplate template;
    private volatile io.micrometer.core.instrument.MeterRegistry registry;

    /**
     * @param config         the validated {@code events.kafka} section
     * @param installationId this installation's id, or {@code null}
     * @param hostName       host name put into every event
     * @param json           mapper for the event JSON ({@code App.jsonMapper()}: snake_case, ISO-8601 UTC)
     */
    public KafkaEvents(TerrariumConfig.Kafka config, String installationId, String hostName, ObjectMapper json) {
        this.config = config;
        this.installationId = installationId;
        this.hostName = hostName;
        this.json = json;
    }

    /**
     * Adds the Kafka component and the {@value #ROUTE_ID} route to a context (before it starts), and
     * remembers the context for {@link #publish}.
     *
     * @throws IOException when the SASL password file cannot be read
     */
    public void addTo(CamelContext ctx) throws Exception {
        KafkaComponent kafka = new KafkaComponent();
        kafka.setConfiguration(configuration(config));
        ctx.addComponent(COMPONENT, kafka);
        ctx.addRoutes(routes());
        template = ctx.createProducerTemplate();
    }

    /** The queue with its bound: a full queue refuses at once (no blocking, no silent discard). */
    private String queueUri() {
        return QUEUE + "?size=" + config.queueSize() + "&blockWhenFull=false&discardWhenFull=false";
    }

    /** The {@value #ROUTE_ID} route. */
    RouteBuilder routes() {
        String queue = queueUri();
        return new RouteBuilder() {
            @Override
            public void configure() {
                from(queue).routeId(ROUTE_ID)
                        .routeDescription("publish Terrarium events to Kafka topic " + config.topic())
                        // drain what is queued when the daemon stops (bounded by Camel's shutdown timeout)
                        .shutdownRunningTask(ShutdownRunningTask.CompleteAllTasks)
                        .onException(Exception.class).handled(true)
                            .process(KafkaEvents.this::deliveryFailed)
                        .end()
                        .to(COMPONENT + ":" + config.topic()).id("send-to-kafka")
                        .process(e -> delivered()).id("count-delivered");
            }
        };
    }

    /**
     * The client settings for a section: brokers, client id, security, and the delivery bound
     * ({@code delivery.timeout.ms}; {@code request.timeout.ms} and {@code max.block.ms} no longer
     * than it, as the client requires {@code delivery ≥ linger + request}).
     *
     * @throws IOException when the SASL password file cannot be read
     */
    static KafkaConfiguration configuration(TerrariumConfig.Kafka k) throws IOException {
        KafkaConfiguration c = new KafkaConfiguration();
        c.setBrokers(String.join(",", k.bootstrapServers()));
        c.setClientId(k.clientId());
        int delivery = k.deliveryTimeoutSeconds() * 1000;
        c.setDeliveryTimeoutMs(delivery);
        c.setRequestTimeoutMs(Math.min(30_000, delivery));
        c.setMaxBlockMs(delivery);
        c.setLingerMs(0);
        c.setRetries(Integer.MAX_VALUE); // bounded by delivery.timeout.ms
        c.setRetryBackoffMs(200);
        c.setRetryBackoffMaxMs(2000);
        c.setRequestRequiredAcks("all");
        c.setSecurityProtocol(k.securityProtocol());
        if (k.securityProtocol().startsWith("SASL_")) {
            c.setSaslMechanism(k.saslMechanism());
            c.setSaslJaasConfig(jaas(k.saslMechanism(), k.saslUsername(), Path.of(k.saslPasswordFile())));
        }
        return c;
    }

    /**
     * The JAAS line for a user name and a password file (Kafka's {@code sasl.jaas.config}; PLAIN uses
     * {@code PlainLoginModule}, SCRAM {@code ScramLoginModule}). The password is read here and kept
     * in memory only.
     */
    static String jaas(String mechanism, String user, Path passwordFile) throws IOException {
        String password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        String module = "PLAIN".equals(mechanism) ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        return module + " required username=\"" + quote(user) + "\" password=\"" + quote(password) + "\";";
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public void publish(Event event) {
        Event e = event.from(hostName, installationId);
        ProducerTemplate t = template;
        try {
            String body = json.writeValueAsString(e);
            if (t == null) {
                throw new IllegalStateException("the events route is not set up");
            }
            Exchange x = t.getCamelContext().getEndpoint(queueUri()).createExchange(ExchangePattern.InOnly);
            x.getMessage().setBody(body);
            x.getMessage().setHeader(KEY_HEADER, e.key());
            x.setProperty(TYPE_PROPERTY, e.type());
            x.setProperty(ID_PROPERTY, e.id());
            Exchange done = t.send(queueUri(), x);
            if (done.getException() != null) {
                throw done.getException();
            }
            offered.incrementAndGet();
        } catch (JsonProcessingException ex) {
            failedDelivery.incrementAndGet();
            count("serialise");
            LOG.error("event {} {} (key {}) not published: cannot write JSON: {}", e.type(), e.id(), e.key(), ex.getMessage());
        } catch (Exception ex) {
            failedQueueFull.incrementAndGet();
            count("queue_full");
            LOG.warn("event {} {} (key {}) not published: the in-memory queue ({} events) is full or stopped ({}); "
                    + "is the Kafka broker reachable? counted in terrarium_events_failed_total",
                    e.type(), e.id(), e.key(), config.queueSize(), ex.getMessage());
        }
    }

    private void deliveryFailed(Exchange x) {
        Exception cause = x.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        failedDelivery.incrementAndGet();
        count("delivery");
        LOG.warn("event {} {} (key {}) not delivered to Kafka topic {} within {} s: {}; counted in terrarium_events_failed_total",
                x.getProperty(TYPE_PROPERTY), x.getProperty(ID_PROPERTY), x.getMessage().getHeader(KEY_HEADER),
                config.topic(), config.deliveryTimeoutSeconds(), cause == null ? "unknown error" : cause.getMessage());
    }

    private void delivered() {
        published.incrementAndGet();
        var r = registry(template);
        if (r != null) {
            r.counter("terrarium.events.published").increment();
        }
    }

    private void count(String reason) {
        var r = registry(template);
        if (r != null) {
            r.counter("terrarium.events.failed", "reason", reason).increment();
        }
    }

    private io.micrometer.core.instrument.MeterRegistry registry(ProducerTemplate t) {
        if (registry == null && t != null) {
            registry = t.getCamelContext().getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
        }
        return registry;
    }

    /** This host's name (the kernel's, else the resolver's, else {@code localhost}) for the events' {@code host}. */
    public static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("no kernel host name: {}", e.getMessage());
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Events accepted into the queue that are neither delivered nor counted as failed yet. */
    public long pending() {
        return Math.max(0, offered.get() - published.get() - failedDelivery.get());
    }

    /**
     * Counts and logs events that are still pending when the process gives up on them (a CLI process
     * that exits): they are lost, but never silently.
     */
    public void abandonPending(String why) {
        long n = pending();
        if (n > 0) {
            failedDelivery.addAndGet(n);
            for (long i = 0; i < n; i++) {
                count("abandoned");
            }
            LOG.warn("{} event(s) not delivered to Kafka topic {} before {}; they are lost (is the broker reachable?)",
                    n, config.topic(), why);
        }
    }

    /** Events the broker acknowledged. */
    public long published() {
        return published.get();
    }

    /** Events counted as failed: not delivered within the bound, or refused by a full queue. */
    public long failed() {
        return failedDelivery.get() + failedQueueFull.get();
    }
}
