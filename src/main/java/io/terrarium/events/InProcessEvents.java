package io.terrarium.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.TerrariumConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events from a CLI process that does work outside the daemon (e.g. {@code backup restore}): when
 * {@code events.kafka} is configured, starts a small CamelContext with {@link KafkaEvents}, installs
 * it as {@link Events#current()}, and stops it when the JVM exits; queued events get up to the
 * delivery timeout (plus 2 s) to leave, then the rest are counted and logged by Camel's shutdown. No-op when no
 * sink is configured or a publisher is already installed (the daemon's).
 */
public final class InProcessEvents {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessEvents.class);

    private InProcessEvents() {
    }

    /**
     * Installs a Kafka publisher for the rest of this process when {@code config} asks for one.
     * Never throws: a publisher that cannot start is logged and events then go nowhere.
     */
    public static synchronized void openUntilExit(TerrariumConfig config, ObjectMapper json) {
        TerrariumConfig.Kafka k = config.events().kafka();
        if (k == null || Events.current() != Events.NONE) {
            return;
        }
        try {
            KafkaEvents events = new KafkaEvents(k, config.installationId(), KafkaEvents.hostName(), json);
            CamelContext ctx = new DefaultCamelContext();
            ctx.getCamelContextExtension().setName("terrarium-cli-events");
            ctx.disableJMX();
            ctx.getShutdownStrategy().setTimeout(k.deliveryTimeoutSeconds() + 2L);
            events.addTo(ctx);
            ctx.start();
            Events.install(events);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Events.install(null);
                ctx.stop();
            }, "terrarium-events-shutdown"));
        } catch (Exception e) {
            LOG.warn("events to Kafka are not available in this process: {}", e.getMessage());
        }
    }
}
