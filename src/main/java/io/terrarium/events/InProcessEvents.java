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
 * it as {@link Events#current()}, and stops it when the JVM exits. Queued events get up to
 * {@value #EXIT_WAIT_SECONDS} s (or the delivery timeout, when shorter) to leave, so a broker that is
 * down delays the exit of the command by at most that; the rest are counted and logged as lost
 * ({@link KafkaEvents#abandonPending}). No-op when no sink is configured or a publisher is already
 * installed (the daemon's).
 */
public final class InProcessEvents {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessEvents.class);
    /** The longest a command's exit waits for its queued events. */
    public static final int EXIT_WAIT_SECONDS = 5;

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
            ctx.getShutdownStrategy().setTimeout(1);
            events.addTo(ctx);
            io.terrarium.routes.DevConsoles.loadBeforeStart(ctx);
            ctx.start();
            Events.install(events);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Events.install(null);
                long deadline = System.nanoTime() + Math.min(EXIT_WAIT_SECONDS, k.deliveryTimeoutSeconds()) * 1_000_000_000L;
                try {
                    while (events.pending() > 0 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                events.abandonPending("this command exited");
                Thread stop = new Thread(ctx::stop, "terrarium-events-stop");
                stop.setDaemon(true);
                stop.start();
                try {
                    stop.join(2000); // the Kafka client's close must not hold the exit up either
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "terrarium-events-shutdown"));
        } catch (Exception e) {
            LOG.warn("events to Kafka are not available in this process: {}", e.getMessage());
        }
    }
}
