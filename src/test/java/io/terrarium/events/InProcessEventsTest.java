package io.terrarium.events;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A CLI process whose events cannot leave (nothing listens on the broker's port) still exits at
 * once after its work: the exit waits at most {@link InProcessEvents#EXIT_WAIT_SECONDS} s, and the
 * undelivered event is counted and logged as lost, not dropped silently.
 */
class InProcessEventsTest {

    /** A "command": installs the publisher, publishes one event, exits 0. */
    public static final class Command {
        public static void main(String[] args) {
            TerrariumConfig c = TerrariumConfig.defaults().withEvents(new TerrariumConfig.Events(new TerrariumConfig.Kafka(
                    List.of("127.0.0.1:1"), "terrarium.events", null, null, null, null, null, 60, null)));
            InProcessEvents.openUntilExit(c, App.jsonMapper());
            Events.current().publish(Event.restore("web", "local", true, "restored web", Map.of()));
            System.out.println("work done");
            System.out.flush();
            System.exit(0);
        }
    }

    @Test
    void aCommandWithAnUnreachableBrokerExitsWithinTheBoundAndReportsTheLostEvent(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path log = dir.resolve("command.log");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Command.class.getName()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited;
        try {
            exited = p.waitFor(60, TimeUnit.SECONDS);
        } finally {
            p.destroyForcibly();
        }
        long s = (System.nanoTime() - t0) / 1_000_000_000L;
        String out = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
        assertThat(exited).as(out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("work done")
                .contains("1 event(s) not delivered to Kafka topic terrarium.events before this command exited; they are lost");
        // JVM and Camel start-up plus the 5 s bound; far below the 60 s delivery timeout
        assertThat(s).as("seconds until the command exited").isLessThan(30);
    }
}
