package io.terrarium.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.JobResult;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The notification routes against a real HTTP receiver on loopback (the JDK's HttpServer): the
 * pings and webhook messages a series of job runs causes, their paths and bodies, and that a
 * receiver that is down or never answers neither blocks nor fails a job.
 */
class NotifyRoutesTest {
    record Request(String method, String path, String query, String body) {
    }

    @TempDir
    Path dir;
    private HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile long answerDelayMs;
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    private CamelContext ctx;
    private final AtomicReference<JobResult.Status> next = new AtomicReference<>(JobResult.Status.OK);
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();

    @BeforeEach
    void receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            requests.add(new Request(x.getRequestMethod(), x.getRequestURI().getPath(), x.getRequestURI().getQuery(),
                    new String(body, StandardCharsets.UTF_8)));
            try {
                release.await(answerDelayMs, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.sendResponseHeaders(200, 2);
            x.getResponseBody().write("OK".getBytes(StandardCharsets.UTF_8));
            x.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (ctx != null) {
            ctx.close();
        }
        server.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void start(String webhookUrl, String pingUrl, int timeoutSeconds) throws Exception {
        Path hook = Files.writeString(dir.resolve("webhook-url"), webhookUrl + "\n");
        Path ping = Files.writeString(dir.resolve("ping-url"), pingUrl + "\n");
        var events = new TerrariumConfig.Events(null, new TerrariumConfig.Webhook(hook.toString(), timeoutSeconds),
                new TerrariumConfig.Healthchecks(ping.toString(), "host1-", timeoutSeconds), Map.of());
        Notices notices = new Notices(Map.of(), Instant.now(), Map.of());
        NotifyRoutes routes = new NotifyRoutes(events, notices, json, "host1", "inst-1", Clock.systemUTC());
        ctx = new DefaultCamelContext();
        ctx.getRegistry().bind("meters", meters);
        ctx.addRoutes(routes);
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:s3-export").routeId("s3-export").process(e -> e.getMessage().setBody(new JobResult("s3-export",
                        next.get(), next.get() == JobResult.Status.FAILED ? "bucket unreachable" : "2 exported", "cli",
                        Instant.now(), 5, "test", null)));
            }
        });
        ctx.getManagementStrategy().addEventNotifier(new JobNotices(events, notices, routes, Set.of("s3-export"), json,
                Clock.systemUTC()));
        ctx.start();
    }

    private void run(JobResult.Status status) {
        next.set(status);
        ctx.createProducerTemplate().requestBody("direct:s3-export", "cli");
    }

    private void awaitRequests(int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (requests.size() < n && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(requests).as("requests received").hasSizeGreaterThanOrEqualTo(n);
    }

    @Test
    void runsPingAndTheWebhookHearsOfTheFirstFailureAndTheRecoveryOnly() throws Exception {
        start(base() + "/hook/T0K3N", base() + "/ping/KEY", 5);
        run(JobResult.Status.OK);
        awaitRequests(2);
        run(JobResult.Status.FAILED);
        awaitRequests(5);
        run(JobResult.Status.FAILED);
        awaitRequests(7);
        run(JobResult.Status.OK);
        awaitRequests(10);
        Thread.sleep(300); // nothing else may arrive
        List<String> pings = requests.stream().filter(r -> r.path().startsWith("/ping/")).map(r -> r.path() + "?" + r.query()).toList();
        assertThat(pings).containsExactly(
                "/ping/KEY/host1-s3-export/start?create=1", "/ping/KEY/host1-s3-export?create=1",
                "/ping/KEY/host1-s3-export/start?create=1", "/ping/KEY/host1-s3-export/fail?create=1",
                "/ping/KEY/host1-s3-export/start?create=1", "/ping/KEY/host1-s3-export/fail?create=1",
                "/ping/KEY/host1-s3-export/start?create=1", "/ping/KEY/host1-s3-export?create=1");
        assertThat(requests).allSatisfy(r -> assertThat(r.method()).isEqualTo("POST"));
        assertThat(requests.stream().filter(r -> r.path().endsWith("/fail")).findFirst().orElseThrow().body())
                .isEqualTo("FAILED: bucket unreachable");
        List<JsonNode> hooks = requests.stream().filter(r -> r.path().equals("/hook/T0K3N")).map(r -> {
            try {
                return json.readTree(r.body());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(hooks).extracting(h -> h.path("type").asText()).containsExactly("job.failed", "job.recovered");
        assertThat(hooks.get(0).path("job").asText()).isEqualTo("s3-export");
        assertThat(hooks.get(0).path("host").asText()).isEqualTo("host1");
        assertThat(hooks.get(0).path("installation_id").asText()).isEqualTo("inst-1");
        assertThat(hooks.get(0).path("text").asText()).isEqualTo("terrarium on host1: job s3-export failed: bucket unreachable");
    }

    @Test
    void aReceiverThatIsDownNeitherBlocksNorFailsAJobAndIsCounted() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        start("http://127.0.0.1:" + closed + "/hook", "http://127.0.0.1:" + closed + "/ping", 2);
        long t0 = System.nanoTime();
        run(JobResult.Status.FAILED);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the job is not held up").isLessThan(Duration.ofMillis(1500));
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (failed() < 3 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(failed()).as("start ping, fail ping and webhook counted as failed").isEqualTo(3.0);
    }

    @Test
    void aReceiverThatNeverAnswersTimesOutWithoutHoldingTheJob() throws Exception {
        answerDelayMs = 20_000;
        start(base() + "/hook", base() + "/ping", 1);
        long t0 = System.nanoTime();
        run(JobResult.Status.FAILED);
        run(JobResult.Status.OK);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("two runs, not held up").isLessThan(Duration.ofMillis(1500));
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (failed() < 1 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(failed()).as("the first message timed out after ~1 s and was counted").isGreaterThanOrEqualTo(1.0);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("timeout fired well before the receiver's 20 s").isLessThan(Duration.ofSeconds(10));
    }

    private double failed() {
        return meters.find("terrarium.notifications.failed").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void urlsComeFromTheirFileOnlyWhenTheyAreHttpsOrLoopback() throws Exception {
        Path f = dir.resolve("u");
        Files.writeString(f, "https://hooks.example.com/T/abc\n");
        assertThat(NotifyRoutes.readUrl(f.toString())).isEqualTo("https://hooks.example.com/T/abc");
        Files.writeString(f, "http://hooks.example.com/T/abc");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NotifyRoutes.readUrl(f.toString()))
                .hasMessage(f + " must hold one https:// URL (http:// only to a loopback address)");
        Files.writeString(f, "https://a.example.com/x\nhttps://b.example.com/y");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NotifyRoutes.readUrl(f.toString())).hasMessageNotContaining("a.example.com");
        assertThat(NotifyRoutes.redact("Connect to https://hc-ping.com/SECRET/x failed")).isEqualTo("Connect to <url> failed");
    }
}
