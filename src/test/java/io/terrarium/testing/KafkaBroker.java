package io.terrarium.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Apache Kafka 3.9.1 broker (KRaft, combined broker + controller, one node) in a child JVM,
 * started from the test classpath ({@code org.apache.kafka:kafka_2.13:3.9.1}, test scope): storage
 * formatted with {@code kafka.tools.StorageTool}, then {@code kafka.Kafka server.properties}.
 * Listens on 127.0.0.1 only. {@link #stop()} and {@link #start()} take it down and up again on the
 * same port and data directory; {@link #close()} kills it and deletes its directory. The log is
 * {@code <dir>/broker.log}.
 */
public final class KafkaBroker implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Path properties;
    private Process process;

    private KafkaBroker(Path dir, int port, Path properties) {
        this.dir = dir;
        this.port = port;
        this.properties = properties;
    }

    /**
     * Formats and starts a broker; returns when it answers an admin request.
     *
     * @throws IOException when it does not come up within {@code timeout} (with the log's tail)
     */
    public static KafkaBroker launch(Duration timeout) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("terrarium-kafka-it-");
        int port = freePort();
        int controller = freePort();
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "") );
        KafkaBroker b = new KafkaBroker(dir, port, props);
        try {
            b.run(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", props.toString()),
                    dir.resolve("format.log"), Duration.ofSeconds(120));
            b.start(timeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    /** {@code 127.0.0.1:<port>}. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Starts the (formatted) broker again; returns when it answers. */
    public synchronized void start(Duration timeout) throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = new ProcessBuilder(command(List.of("kafka.Kafka", properties.toString())))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                .start();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kafka broker exited with " + process.exitValue() + ":\n" + tail());
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
                admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = String.valueOf(e.getMessage());
                Thread.sleep(300);
            }
        }
        throw new IOException("Kafka broker not ready within " + timeout.toSeconds() + " s (" + last + "):\n" + tail());
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 20 s); its data stays for {@link #start}. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    /** Kills the broker if it runs and deletes its directory. */
    @Override
    public synchronized void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }

    /** The last lines of the broker's log. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("broker.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no broker log)";
        }
    }

    private void run(List<String> mainAndArgs, Path log, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(mainAndArgs)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(mainAndArgs.get(0) + " did not finish within " + timeout.toSeconds() + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(mainAndArgs.get(0) + " exited with " + p.exitValue() + ":\n" + Files.readString(log));
        }
    }

    private static List<String> command(List<String> mainAndArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(mainAndArgs);
        return cmd;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
