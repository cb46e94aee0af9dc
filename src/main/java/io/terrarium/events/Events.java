package io.terrarium.events;

import java.util.Collection;

/**
 * Where Terrarium code hands its events (docs/events.md). One call per event, never blocking and
 * never throwing: a publisher that cannot deliver counts and logs the event itself, so a job is
 * never failed or held up by its events.
 *
 * <p>Producers call {@code Events.current().publish(…)}. The process installs its publisher once
 * ({@link #install}): the daemon installs {@link KafkaEvents} when {@code events.kafka} is
 * configured; otherwise {@link #NONE} is in place and events go nowhere (no sink is configured).
 */
public interface Events {
    /** The publisher when no event sink is configured: ignores every event. */
    Events NONE = e -> { };

    /**
     * Hands over one event. Returns at once; never throws.
     *
     * @param event the event (host and installation id are filled in by the publisher)
     */
    void publish(Event event);

    /** Hands over several events in order. */
    default void publishAll(Collection<Event> events) {
        events.forEach(this::publish);
    }

    /** The publisher installed in this process ({@link #NONE} until one is installed). */
    static Events current() {
        return Installed.current;
    }

    /**
     * Installs the process's publisher (the daemon at start; tests).
     *
     * @param events the publisher, or {@code null} for {@link #NONE}
     */
    static void install(Events events) {
        Installed.current = events == null ? NONE : events;
    }

    /** Holder of the installed publisher. */
    final class Installed {
        private static volatile Events current = NONE;

        private Installed() {
        }
    }
}
