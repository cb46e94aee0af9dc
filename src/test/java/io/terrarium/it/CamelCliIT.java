package io.terrarium.it;

import io.terrarium.daemon.JolokiaClient;
import io.terrarium.daemon.ManagementCredentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Camel's own CLI (Camel JBang's {@code camel}, {@code org.apache.camel:camel-jbang-core} from
 * Maven Central, run as {@code java … CamelCli}, which calls {@code CamelJBangMain.run}) sees the daemon through camel-cli-connector:
 * {@code camel get route} lists its job routes and {@code camel cmd stop-route} stops one.
 */
class CamelCliIT {
    @TempDir
    Path dir;

    private Process daemon;
    private Path log;
    private int port;

    @BeforeEach
    void start() throws Exception {
        Terrariumctl trm = new Terrariumctl(dir);
        port = Terrariumctl.freePort();
        log = dir.resolve("daemon.log");
        daemon = trm.builder("daemon", "--port", String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.exists(dir.resolve("run/daemon.json"))) {
            assertThat(daemon.isAlive()).as("daemon died: %s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("daemon up within 90 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Runs {@code camel <args>} in a child JVM with this test's class path; returns stdout+stderr. */
    private static String camel(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CamelCli.class.getName()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("camel %s finished", String.join(" ", args)).isTrue();
        return out;
    }

    @Test
    void camelGetRouteListsTheDaemonsRoutesAndStopRouteStopsOne() throws Exception {
        String pid = String.valueOf(daemon.pid());
        String routes = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        // the connector writes the daemon's status file about once a second after start
        while (!routes.contains("s3-export")) {
            assertThat(System.nanoTime()).as("camel get route shows the daemon: %s", routes).isLessThan(deadline);
            routes = camel("get", "route", pid);
        }
        // long ids are cut in the table ("host-facts-schedu…")
        for (String route : List.of("proxy-sync", "s3-export", "snapshot", "host-facts", "host-facts-schedu")) {
            assertThat(routes).contains(route);
        }
        assertThat(routes).contains(pid).contains("terrarium");

        String out = camel("cmd", "stop-route", pid, "--id=host-facts");
        var jolokia = new JolokiaClient("http://127.0.0.1:" + port,
                ManagementCredentials.read(dir.resolve("etc/secrets/management.properties")));
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!jolokia.read(JolokiaClient.routeMBean("host-facts"), "State").asText().equals("Stopped")) {
            assertThat(System.nanoTime()).as("stop-route took effect: %s", out).isLessThan(deadline);
            Thread.sleep(300);
        }
        assertThat(camel("get", "route", pid)).containsPattern("host-facts\\s.*Stopped");
    }
}
