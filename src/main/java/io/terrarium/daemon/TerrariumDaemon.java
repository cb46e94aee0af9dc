package io.terrarium.daemon;

import io.terrarium.App;
import io.terrarium.Version;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.routes.JobRoutes;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code terrariumctl daemon}: Camel Main with the job routes, JMX on, and the management endpoint
 * on loopback: {@code /observe/health}, {@code /observe/metrics} (Prometheus) and
 * {@code /observe/jolokia} (Jolokia 2, restricted by the shipped {@code jolokia-access.xml}) for
 * Hawtio and for CLI triggers. The port is privileged (only root binds it); Jolokia, metrics and
 * info need the management login, health is open. Stops gracefully on SIGTERM/SIGINT (in-flight jobs get up to
 * {@value #SHUTDOWN_TIMEOUT_SECONDS} s).
 */
public final class TerrariumDaemon {
    /** CamelContext name; part of every MBean name ({@code org.apache.camel:context=terrarium,…}). */
    public static final String CONTEXT_NAME = "terrarium";
    /** Graceful shutdown timeout in seconds. */
    public static final int SHUTDOWN_TIMEOUT_SECONDS = 30;
    /** Path of the Jolokia endpoint on the management port. */
    public static final String JOLOKIA_PATH = "/observe/jolokia";
    /** Management paths besides Jolokia that need the management login; {@code /observe/health} stays open. */
    public static final java.util.List<String> LOGIN_PATHS = java.util.List.of("/observe/metrics", "/observe/info");
    private static final Logger LOG = LoggerFactory.getLogger(TerrariumDaemon.class);

    private final App app;
    private final TerrariumConfig config;
    private final Integer portOverride;
    private java.util.concurrent.Callable<AutoCloseable> cliSocket;
    private boolean training;
    private final java.util.concurrent.atomic.AtomicReference<String> trainingOutcome = new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * @param app          wiring
     * @param config       validated configuration
     * @param portOverride management port overriding the config, or {@code null}
     */
    public TerrariumDaemon(App app, TerrariumConfig config, Integer portOverride) {
        this.app = app;
        this.config = config;
        this.portOverride = portOverride;
    }

    /**
     * Starts a side service once the daemon is up (after its runtime file is written) and closes it
     * before the routes stop: the CLI socket ({@code io.terrarium.cli.served.ServedCommands}). A
     * service that cannot start is logged as a warning; the daemon runs on without it.
     *
     * @param start starts the service
     * @return this daemon
     */
    public TerrariumDaemon withCliSocket(java.util.concurrent.Callable<AutoCloseable> start) {
        this.cliSocket = start;
        return this;
    }

    /**
     * Makes this a CDS training run ({@link DaemonCdsTraining}): the port is not checked for being
     * privileged (an ephemeral one), and once the context has started the daemon asks its own
     * {@code /observe/health} until it answers 200 (or {@value DaemonCdsTraining#HEALTH_TIMEOUT_SECONDS} s
     * pass) and then stops; {@link #run()} fails when health never came UP.
     *
     * @return this daemon
     */
    public TerrariumDaemon trainingRun() {
        this.training = true;
        return this;
    }

    /**
     * The start-up log line: the management endpoints on the address the socket is really bound to
     * ({@code daemon.management_host}, default 127.0.0.1), never the wildcard Camel's own summary
     * prints. An IPv6 address is bracketed.
     */
    public static String startedLine(String version, long pid, String host, int port) {
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        return "terrarium daemon " + version + " up: pid " + pid + ", management listening on " + host + ":" + port
                + " (" + base + "/observe/health, " + base + "/observe/metrics, " + base + JOLOKIA_PATH + ")";
    }

    /** The Camel Main properties this daemon runs with (pure; shown in docs and tested). */
    public Map<String, String> properties() {
        int port = portOverride != null ? portOverride : config.daemon().managementPort();
        Map<String, String> p = new TreeMap<>();
        p.put("camel.main.name", CONTEXT_NAME);
        p.put("camel.main.jmxEnabled", "true");
        p.put("camel.main.shutdownTimeout", String.valueOf(SHUTDOWN_TIMEOUT_SECONDS));
        p.put("camel.main.routesCollectorEnabled", "false");
        p.put("camel.main.routesReloadEnabled", "false");
        p.put("camel.main.useBreadcrumb", "false");
        // what Hawtio's Trace tab and a failed run's log need: the path an exchange took, a standby
        // backlog tracer (switched on from JMX), and per-endpoint statistics for the exec: endpoints
        p.put("camel.main.messageHistory", "true");
        p.put("camel.trace.standby", "true");
        p.put("camel.main.endpointRuntimeStatisticsEnabled", "true");
        p.put("camel.management.enabled", "true");
        p.put("camel.management.host", config.daemon().managementHost());
        p.put("camel.management.port", String.valueOf(port));
        p.put("camel.management.healthCheckEnabled", "true");
        p.put("camel.management.jolokiaEnabled", "true");
        p.put("camel.management.jolokiaPath", JOLOKIA_PATH);
        p.put("camel.management.metricsEnabled", "true");
        p.put("camel.management.infoEnabled", "true");
        p.put("camel.metrics.enabled", "true");
        p.put("camel.metrics.enableRoutePolicy", "true");
        // JVM metrics for memory and GC alerts (Micrometer's binders, named in Camel's camel.metrics.binders)
        p.put("camel.metrics.binders", "jvm-memory,jvm-gc,jvm-thread,jvm-info,class-loader,processor,uptime,file-descriptor");
        p.put("camel.health.enabled", "true");
        // Jolokia requires the root-only credentials (ManagementCredentials); health and metrics stay open on loopback
        p.put("camel.management.authenticationEnabled", "true");
        p.put("camel.management.authenticationPath", JOLOKIA_PATH + "/*");
        p.put("camel.management.basicPropertiesFile", app.paths().managementAuthFile().toString());
        return p;
    }

    /**
     * Runs until the JVM is asked to stop.
     *
     * @throws Exception when Camel cannot start (e.g. the port is taken)
     */
    public void run() throws Exception {
        if (!training) {
            checkPrivilegedPort(portOverride != null ? portOverride : config.daemon().managementPort(), portOverride != null,
                    unprivilegedPortStart());
        }
        ManagementCredentials.ensure(app.paths().managementAuthFile());
        Main main = new Main();
        properties().forEach(main::addInitialProperty);
        long pid = ProcessHandle.current().pid();
        // jobs read the stored configuration on every run: `set …` takes effect without a restart
        JobRoutes routes = new JobRoutes(CurrentConfigJob.wrapAll(config, () -> app.configStore().load().config(), app::jobs),
                config.daemon().schedules(), true,
                app.json(), app.results(), "daemon pid " + pid);
        main.configure().addRoutesBuilder(routes.errorPolicy());
        main.configure().addRoutesBuilder(routes);
        int port = portOverride != null ? portOverride : config.daemon().managementPort();
        io.terrarium.events.KafkaEvents events = config.events().kafka() == null ? null
                : new io.terrarium.events.KafkaEvents(config.events().kafka(), config.installationId(),
                        io.terrarium.events.KafkaEvents.hostName(), app.json());
        java.util.concurrent.atomic.AtomicReference<Exception> unsafe = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.List<String> jobIds = app.jobs(config).stream().map(io.terrarium.jobs.Job::id).toList();
        java.util.concurrent.atomic.AtomicReference<AutoCloseable> running = new java.util.concurrent.atomic.AtomicReference<>();
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport m) {
                io.terrarium.routes.DevConsoles.loadBeforeStart(m.getCamelContext()); // camel-console 4.17 start race
                // every lxc/zfs/sanoid/syncoid/ufw call becomes an exchange on this context's exec: endpoints
                if (app.runner() instanceof CamelExecCommandRunner r) {
                    r.bind(m.getCamelContext());
                }
                if (config.events().notifies()) {
                    addNotifications(m.getCamelContext(), jobIds);
                }
                if (events == null) {
                    return;
                }
                org.apache.camel.CamelContext ctx = m.getCamelContext();
                try {
                    // events.kafka (docs/events.md): one event per job run, export, restore, verification, route change
                    events.addTo(ctx);
                    ctx.getManagementStrategy().addEventNotifier(new io.terrarium.events.JobRunEvents(
                            app.jobs(config).stream().map(io.terrarium.jobs.Job::id).collect(java.util.stream.Collectors.toSet()),
                            app.json()));
                    io.terrarium.events.Events.install(events);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot set up events to Kafka: " + e.getMessage(), e);
                }
            }

            @Override
            public void afterStart(BaseMainSupport m) {
                try {
                    // least privilege on Jolokia before the CLI can find the daemon; without the gate the daemon stops
                    new JolokiaGate(ManagementCredentials.all(app.paths().managementAuthFile()),
                            ManagementCredentials.roles(app.paths().managementAuthFile()))
                            .install(m.getCamelContext(), port, JOLOKIA_PATH);
                    new JolokiaGate(ManagementCredentials.all(app.paths().managementAuthFile()),
                            ManagementCredentials.roles(app.paths().managementAuthFile()))
                            .requireLogin(m.getCamelContext(), port, LOGIN_PATHS);
                    new JobControl(m.getCamelContext(), jobIds, routes.runs()::running).register();
                    io.micrometer.core.instrument.MeterRegistry meters =
                            m.getCamelContext().getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
                    if (meters != null) {
                        // job and per-instance series from the result store (docs/monitoring.md)
                        routes.runs().useMetrics(new io.terrarium.routes.JobMetrics(app.results(), jobIds,
                                java.time.Clock.systemUTC()).register(meters));
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.error("cannot secure the management endpoint: {}; stopping", e.getMessage(), e);
                    unsafe.set(e);
                    main.completed();
                    return;
                }
                try {
                    new DaemonInfo(pid, config.daemon().managementHost(), port, Instant.now(), Version.get())
                            .write(app.paths().daemonFile(), app.json());
                } catch (IOException e) {
                    LOG.warn("cannot write runtime file {}: {} (CLI triggers will run in-process)",
                            app.paths().daemonFile(), e.getMessage());
                }
                LOG.info(startedLine(Version.get(), pid, config.daemon().managementHost(), port));
                if (cliSocket != null) {
                    try {
                        running.set(cliSocket.call());
                    } catch (Exception e) {
                        LOG.warn("CLI socket not served ({}): read-only commands run in the CLI's own JVM", e.getMessage());
                    }
                }
                if (training) {
                    Thread t = new Thread(() -> {
                        trainingOutcome.set(awaitHealthUp(config.daemon().managementHost(), port));
                        try {
                            // tests keep it running past the first scheduler fire (proxy-sync's timer: 5 s)
                            Thread.sleep(Long.getLong(DaemonCdsTraining.HOLD_PROPERTY, 0L));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        main.completed();
                    }, "cds-training");
                    t.setDaemon(true);
                    t.start();
                }
            }

            @Override
            public void beforeStop(BaseMainSupport m) {
                AutoCloseable socket = running.getAndSet(null);
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (Exception e) {
                        LOG.debug("cannot close the CLI socket: {}", e.getMessage());
                    }
                }
                JobControl.unregister();
                try {
                    DaemonInfo current = DaemonInfo.read(app.paths().daemonFile(), app.json());
                    if (current != null && current.pid() == pid) {
                        Files.deleteIfExists(app.paths().daemonFile());
                    }
                } catch (IOException e) {
                    LOG.debug("cannot remove runtime file: {}", e.getMessage());
                }
                LOG.info("terrarium daemon stopping (graceful, up to {} s for running jobs)", SHUTDOWN_TIMEOUT_SECONDS);
            }

            @Override
            public void afterStop(BaseMainSupport m) {
                if (app.runner() instanceof CamelExecCommandRunner r) {
                    r.unbind(m.getCamelContext());
                }
            }
        });
        main.run();
        if (unsafe.get() != null) {
            throw new IOException("the daemon stopped: its management endpoint could not be secured ("
                    + unsafe.get().getMessage() + ")", unsafe.get());
        }
        if (training && !"UP".equals(trainingOutcome.get())) {
            throw new IOException("training run: the daemon's health did not come UP ("
                    + (trainingOutcome.get() == null ? "the daemon stopped first" : trainingOutcome.get()) + ")");
        }
    }

    /**
     * Asks {@code http://host:port/observe/health} (the request a supervisor or the start benchmark
     * makes, so the classes that answer it are loaded too) every 50 ms until it answers 200.
     *
     * @return {@code "UP"}, or why not after {@value DaemonCdsTraining#HEALTH_TIMEOUT_SECONDS} s
     */
    private static String awaitHealthUp(String host, int port) {
        String last = "no answer";
        long deadline = System.nanoTime() + DaemonCdsTraining.HEALTH_TIMEOUT_SECONDS * 1_000_000_000L;
        String h = host.contains(":") ? "[" + host + "]" : host;
        while (System.nanoTime() < deadline) {
            try {
                java.net.HttpURLConnection c = (java.net.HttpURLConnection)
                        java.net.URI.create("http://" + h + ":" + port + "/observe/health").toURL().openConnection();
                c.setConnectTimeout(2000);
                c.setReadTimeout(5000);
                int code = c.getResponseCode();
                try (java.io.InputStream body = code < 400 ? c.getInputStream() : c.getErrorStream()) {
                    if (body != null) {
                        body.readAllBytes();
                    }
                }
                if (code == 200) {
                    return "UP";
                }
                last = "HTTP " + code;
            } catch (IOException e) {
                last = e.toString();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return "not UP after " + DaemonCdsTraining.HEALTH_TIMEOUT_SECONDS + " s: " + last;
    }

    /**
     * The kernel's first unprivileged port ({@code /proc/sys/net/ipv4/ip_unprivileged_port_start};
     * Linux ip-sysctl.rst), or {@value io.terrarium.config.ConfigValidator#PRIVILEGED_PORTS_END}
     * when it cannot be read.
     */
    static int unprivilegedPortStart() {
        // read as a stream: on some kernels Files.readString of this procfs file returned "1" for
        // "1024" (it trusts the file's reported size), which refused the default port 876
        try (java.io.InputStream in = Files.newInputStream(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"))) {
            return Integer.parseInt(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return io.terrarium.config.ConfigValidator.PRIVILEGED_PORTS_END;
        }
    }

    /**
     * Issue 14 item 7: the management port must be one that only root can bind, or a local user
     * could bind it first (the daemon then cannot start). A configured port at or above the
     * kernel's {@code ip_unprivileged_port_start} is refused; an explicit {@code --port} override
     * (tests, debugging) only logs a warning.
     *
     * @param port              the management port
     * @param override          whether it came from {@code --port}
     * @param unprivilegedStart the kernel's first unprivileged port
     * @throws IOException naming the port, the sysctl and the fix when a configured port is unprivileged
     */
    static void checkPrivilegedPort(int port, boolean override, int unprivilegedStart) throws IOException {
        if (port < unprivilegedStart) {
            return;
        }
        String why = "management port " + port + " is not privileged (net.ipv4.ip_unprivileged_port_start = "
                + unprivilegedStart + "): any local user could bind it before the daemon";
        if (override) {
            LOG.warn("{}; use it for tests only", why);
            return;
        }
        throw new IOException(why + "; choose daemon.management_port below " + unprivilegedStart
                + " or raise the sysctl back to 1024");
    }

    /**
     * Notifications (events.webhook, events.healthchecks, events.stale_after; docs/events.md):
     * the notify routes and the job-run notifier, seeded with each job's last stored result so a
     * restart neither repeats nor forgets a failure.
     */
    private void addNotifications(org.apache.camel.CamelContext ctx, java.util.List<String> jobIds) {
        java.util.Map<String, io.terrarium.jobs.JobResult> last = new java.util.HashMap<>();
        java.util.Map<String, io.terrarium.jobs.JobResult> good = new java.util.HashMap<>();
        for (String id : jobIds) {
            last.put(id, app.results().last(id));
            good.put(id, app.results().lastSuccess(id));
        }
        java.time.Clock clock = java.time.Clock.systemUTC();
        io.terrarium.notify.Notices notices = new io.terrarium.notify.Notices(config.events().staleAfter(), clock.instant(), last, good);
        io.terrarium.notify.NotifyRoutes routes = new io.terrarium.notify.NotifyRoutes(config.events(), notices, app.json(),
                io.terrarium.events.KafkaEvents.hostName(), config.installationId(), clock);
        try {
            ctx.addRoutes(routes);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up notifications: " + e.getMessage(), e);
        }
        ctx.getManagementStrategy().addEventNotifier(new io.terrarium.notify.JobNotices(config.events(), notices, routes,
                java.util.Set.copyOf(jobIds), app.json(), clock));
    }
}
