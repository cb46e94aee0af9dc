package io.terrarium.proxy.sync;

import io.terrarium.config.AtomicFiles;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandRunner;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.lxd.LxdInstance;
import io.terrarium.host.lxd.LxdInstances;
import io.terrarium.host.ufw.Ufw;
import io.terrarium.jobs.JobFailedException;
import io.terrarium.jobs.StagedJob;
import io.terrarium.jobs.JobResult;
import io.terrarium.proxy.BackendKey;
import io.terrarium.proxy.HttpRoute;
import io.terrarium.proxy.InstanceReport;
import io.terrarium.proxy.InstanceStatus;
import io.terrarium.proxy.L4Route;
import io.terrarium.proxy.ProxyInstance;
import io.terrarium.proxy.ProxyPlan;
import io.terrarium.proxy.ProxyPlanner;
import io.terrarium.proxy.ProxyRoute;
import io.terrarium.proxy.ProxySettings;
import io.terrarium.proxy.PublicPort;
import io.terrarium.proxy.TraefikDynamicRenderer;
import io.terrarium.proxy.TraefikStaticRenderer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Job {@code proxy-sync} (DESIGN.md §5, issue 3): {@code user.proxy} labels → internal bridges →
 * Traefik files, every {@code proxy.interval_seconds} and on {@code terrariumctl proxy sync}.
 *
 * <ol>
 *   <li>Read every instance of {@code lxd.project} in one LXD call. If LXD cannot be read:
 *       nothing is written, the last good files stay, the result is FAILED.</li>
 *   <li>Plan ({@link ProxyPlanner}) with sticky bridge ports: {@code proxy-bridges.json} merged
 *       with the ports existing {@code terrarium-proxy-*} devices listen on (the devices win), and
 *       the loopback ports of the range that something else holds (bind probe) as busy.</li>
 *   <li>Reconcile devices: first remove stale {@code terrarium-proxy-*} devices (GET + PUT of that
 *       instance), then add/replace missing or different ones (one PATCH per instance). Instances
 *       whose devices already match get no call, so a steady-state sync is exactly one LXD
 *       call. An instance whose device change fails loses its routes for this run (an error for
 *       it), never the others'.</li>
 *   <li>Render the dynamic and static files and replace each atomically only when its bytes
 *       differ. After the static file changed (the set of public TCP/UDP ports, or settings), run
 *       {@code proxy.reload_command} and check Traefik ({@link TraefikRestart}); when that fails,
 *       put {@code <static_file>.last-good} back, restart and check again, and quarantine the new
 *       entrypoint for the label that asked for it ({@link StaticFallback}); with no last good
 *       file the failed reload is retried by the next sync.</li>
 *   <li>UFW (when enabled and active): {@code allow}/{@code delete allow} with the comment
 *       {@code terrarium-proxy} until the rules listed by {@code ufw status} equal the published
 *       ports. Failures are errors of this run; the next run reconciles again.</li>
 * </ol>
 * Result: OK, or FAILED with one summary line per error (bad label, conflict, device, file,
 * reload, UFW); details hold per-instance status, the counts of LXD calls, device changes, file
 * writes and reloads.
 */
public final class ProxySyncJob implements StagedJob<ProxySyncJob.Run> {
    /** Job and route id. */
    public static final String ID = "proxy-sync";
    private static final Logger LOG = LoggerFactory.getLogger(ProxySyncJob.class);

    /** Finds busy loopback ports in a range; production: {@link io.terrarium.host.net.LoopbackPorts#busy}. */
    @FunctionalInterface
    public interface PortProbe {
        /** Ports in {@code first..last} held by something, skipping {@code skip}. */
        SortedSet<Integer> busy(int first, int last, Set<Integer> skip);
    }

    /** Tells whether a public port is in use on the host; production: {@link io.terrarium.host.net.LoopbackPorts#publicPortBusy}. */
    @FunctionalInterface
    public interface PublicPortProbe {
        /** True when something on the host already listens on {@code port}/{@code protocol} (a bind on all addresses fails). */
        boolean busy(String protocol, int port);
    }

    private final LxdInstances lxd;
    private final CommandRunner runner;
    private final Ufw ufw;
    private final TerrariumConfig.Proxy config;
    private final ProxySettings settings;
    private final ProxyStateStore store;
    private final PortProbe probe;
    private final TraefikRestart restart;
    private PublicPortProbe publicProbe = (protocol, port) -> false;

    /**
     * @param lxd      instances of the configured project
     * @param runner   command seam (reload command)
     * @param ufw      UFW adapter, or {@code null} when UFW is not managed
     * @param config   the whole configuration
     * @param stateDir state directory ({@code proxy-bridges.json}, {@code proxy-state.json})
     * @param json     snake_case mapper
     * @param probe    busy-port probe
     */
    public ProxySyncJob(LxdInstances lxd, CommandRunner runner, Ufw ufw, TerrariumConfig config, Path stateDir,
                        com.fasterxml.jackson.databind.ObjectMapper json, PortProbe probe) {
        this(lxd, runner, ufw, config, stateDir, json, probe, new TraefikRestart(runner));
    }

    /**
     * As above, with the restart-and-check of Traefik given (tests shorten its settle time).
     *
     * @param restart applies a changed static file ({@link TraefikRestart})
     */
    public ProxySyncJob(LxdInstances lxd, CommandRunner runner, Ufw ufw, TerrariumConfig config, Path stateDir,
                        com.fasterxml.jackson.databind.ObjectMapper json, PortProbe probe, TraefikRestart restart) {
        this.restart = restart;
        this.lxd = lxd;
        this.runner = runner;
        this.ufw = ufw;
        this.config = config.proxy();
        this.settings = ProxySettingsMapper.settings(config);
        this.store = new ProxyStateStore(stateDir, json);
        this.probe = probe;
    }

    /**
     * Sets the probe of public ports a label asks for that Traefik does not hold yet (default: none
     * busy). A busy port is refused for that instance only (issue 14 item 3), so Traefik never
     * restarts into a port it cannot bind.
     *
     * @return this job
     */
    public ProxySyncJob withPublicPortProbe(PublicPortProbe probe) {
        this.publicProbe = probe;
        return this;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "publish labelled LXD instances: user.proxy labels -> bridges -> Traefik files (docs/proxy.md)";
    }

    /** Every minute at second 0 (used only when {@link #interval()} is overridden by a cron). */
    @Override
    public String defaultSchedule() {
        return "0 * * * * ?";
    }

    /** Runs every {@code proxy.interval_seconds} (a timer, unless {@code daemon.schedules} sets a cron). */
    @Override
    public Duration interval() {
        return Duration.ofSeconds(config.intervalSeconds());
    }

    /** The settings the planner and renderers use. */
    public ProxySettings settings() {
        return settings;
    }

    @Override
    public JobResult run() {
        Run r = newRun();
        try {
            r.readInstances();
        } catch (JobFailedException e) {
            return e.result();
        }
        r.plan();
        r.reconcileBridges();
        r.writeTraefikFiles();
        r.reloadTraefik();
        r.reconcileUfw();
        r.saveState();
        return r.result();
    }

    @Override
    public Run newRun() {
        return new Run();
    }

    /**
     * One sync, step by step (the steps of route {@code proxy-sync}, in this order):
     * {@link #readInstances}, {@link #plan}, {@link #reconcileBridges}, {@link #writeTraefikFiles},
     * {@link #reloadTraefik}, {@link #reconcileUfw}, {@link #saveState}, then {@link #result}.
     */
    public final class Run implements StagedJob.Run {
        private final int callsBefore = lxd.calls();
        private final List<String> errors = new ArrayList<>();
        private final List<String> written = new ArrayList<>();
        private List<LxdInstance> instances;
        private Map<String, Map<String, Map<String, String>>> devices;
        private ProxyPlan plan;
        private ProxyPlan effective;
        private int deviceChanges;
        private boolean staticChanged;
        private boolean reloadPending;
        private int reloads;
        private Map<String, Object> ufwReport;
        private Set<String> released = Set.of();
        private ProxyStateStore.Quarantine quarantine = ProxyStateStore.Quarantine.NONE;
        private List<ProxyStateStore.QuarantinedPort> quarantined = List.of();
        private String rejectedSha;
        private String rejectedFile;
        private String rejectedAt;
        private String quarantineUnreadable; // why proxy-quarantine.json cannot be read, or null
        private final Map<String, String> labels = new TreeMap<>();

        private Run() {
        }

        /**
         * Step {@code read-instances}: every instance of the project in one LXD call.
         *
         * @throws JobFailedException when LXD cannot be read: nothing is written, the last good files stay
         */
        public void readInstances() {
            try {
                instances = lxd.list();
            } catch (LxdException | CommandFailedException e) {
                String msg = "cannot read LXD instances of project " + lxd.project() + ": " + e.getMessage()
                        + "; nothing written, the last good Traefik files stay";
                throw new JobFailedException(new JobResult(ID, JobResult.Status.FAILED, msg, null, null, 0, null,
                        Map.of("errors", List.of(msg), "lxd_calls", lxd.calls() - callsBefore)));
            }
        }

        /** Step {@code plan}: {@link ProxyPlanner} with sticky bridge ports (state file + existing devices, busy ports probed). */
        public void plan() {
            devices = new TreeMap<>();
            List<ProxyInstance> inputs = new ArrayList<>();
            for (LxdInstance i : instances) {
                devices.put(i.name(), i.devices());
                inputs.add(new ProxyInstance(i.name(), i.running(), i.createdAt(),
                        i.expandedConfig().get(ProxyPlanner.ROLE_KEY), i.expandedConfig().get("user.proxy")));
            }
            SortedMap<BackendKey, Integer> recovered = BridgeDevices.recover(devices);
            Map<BackendKey, Integer> previous = new TreeMap<>(store.bridges());
            previous.values().removeIf(p -> recovered.containsValue(p));
            previous.keySet().removeIf(recovered::containsKey);
            previous.putAll(recovered);
            Set<Integer> ours = new TreeSet<>(recovered.values());
            SortedSet<Integer> busy = probe.busy(settings.bridgePortFirst(), settings.bridgePortLast(), ours);
            ProxyStateStore.State last = store.state();
            Map<String, String> owners = new TreeMap<>(last == null || last.owners() == null ? Map.of() : last.owners());
            released = store.releases();
            owners.keySet().removeAll(released);
            Set<String> traefikHolds = new TreeSet<>();
            TraefikStaticRenderer.publishedPorts(Path.of(config.staticFile())).forEach(p -> traefikHolds.add(p.port() + "/" + p.protocol()));
            instances.forEach(i -> {
                String l = i.expandedConfig().get("user.proxy");
                if (l != null) {
                    labels.put(i.name(), l.strip());
                }
            });
            try {
                quarantine = store.quarantine();
            } catch (IOException e) {
                // not taken as empty: a quarantined port would be retried and Traefik could go down once more
                quarantineUnreadable = e.getMessage();
                quarantine = ProxyStateStore.Quarantine.NONE;
                errors.add("the proxy quarantine " + e.getMessage() + "; until it is fixed or removed the Traefik static file is"
                        + " not changed and no new public TCP/UDP port is published (routes on the current entrypoints still update);"
                        + " fix it, or run `terrariumctl reconfigure`, which removes it and tries every quarantined port again");
            }
            rejectedSha = quarantine.rejectedSha256();
            rejectedFile = quarantine.rejectedFile();
            rejectedAt = quarantine.rejectedAt();
            // a quarantined entrypoint stays refused while its instance's label is unchanged
            quarantined = new ArrayList<>(quarantine.ports().stream()
                    .filter(q -> q.label() != null && q.label().equals(labels.get(q.instance()))).toList());
            quarantine.ports().stream().filter(q -> !quarantined.contains(q)).forEach(q ->
                    LOG.info("proxy-sync: quarantine of {} for {} lifted: its user.proxy label changed", q.socket(), q.instance()));
            plan = ProxyPlanner.planRefusing(inputs, settings, previous, busy, owners, p -> {
                for (ProxyStateStore.QuarantinedPort q : quarantined) {
                    if (q.instance().equals(p.instance()) && q.port() == p.port() && q.protocol().equals(p.protocol())) {
                        return StaticFallback.quarantineReason(q.since(), q.reason());
                    }
                }
                if (quarantineUnreadable != null && !traefikHolds.contains(p.port() + "/" + p.protocol())) {
                    return "is not published while " + quarantineUnreadable + " (Traefik would need a restart with a new"
                            + " entrypoint that may be quarantined); fix it or run `terrariumctl reconfigure`";
                }
                return !traefikHolds.contains(p.port() + "/" + p.protocol()) && publicProbe.busy(p.protocol(), p.port())
                        ? ProxyPlanner.PORT_BUSY : null;
            });
        }

        /**
         * Step {@code reconcile-bridges}: stale {@code terrarium-proxy-*} devices removed everywhere
         * first (frees ports), then missing ones added; an instance whose change fails loses its
         * routes for this run.
         */
        public void reconcileBridges() {
            Map<String, BridgeDevices.Change> changes = new TreeMap<>();
            devices.forEach((name, devs) -> {
                BridgeDevices.Change c = BridgeDevices.diff(name, devs, plan.bridgePorts());
                if (!c.empty()) {
                    changes.put(name, c);
                }
            });
            Map<String, String> failed = new TreeMap<>();
            for (var e : changes.entrySet()) {
                if (e.getValue().remove().isEmpty()) {
                    continue;
                }
                try {
                    lxd.removeDevices(e.getKey(), e.getValue().remove());
                    deviceChanges += e.getValue().remove().size();
                    LOG.info("proxy-sync: removed {} from {}", e.getValue().remove(), e.getKey());
                } catch (LxdException | CommandFailedException ex) {
                    failed.put(e.getKey(), "cannot remove bridge devices " + e.getValue().remove() + ": " + ex.getMessage());
                }
            }
            for (var e : changes.entrySet()) {
                if (e.getValue().put().isEmpty() || failed.containsKey(e.getKey())) {
                    continue;
                }
                try {
                    lxd.putDevices(e.getKey(), e.getValue().put());
                    deviceChanges += e.getValue().put().size();
                    LOG.info("proxy-sync: set {} on {}", e.getValue().put().keySet(), e.getKey());
                } catch (LxdException | CommandFailedException ex) {
                    failed.put(e.getKey(), "cannot create bridge devices " + e.getValue().put().keySet() + ": " + ex.getMessage());
                }
            }
            effective = withdraw(plan, failed);
            errors.addAll(effective.errors());
        }

        /** Step {@code write-traefik-files}: dynamic, then static file, each replaced atomically only when its bytes differ. */
        public void writeTraefikFiles() {
            ProxyPlan checked = TraefikDynamicRenderer.withoutNameClashes(effective, settings);
            if (checked != effective) {
                List<String> before = effective.errors();
                checked.errors().stream().filter(e -> !before.contains(e)).forEach(errors::add);
                effective = checked;
            }
            String dynamic = TraefikDynamicRenderer.render(effective, settings);
            String staticYaml = TraefikStaticRenderer.render(settings, effective.publicPorts());
            boolean dynamicOk = writeIfChanged(Path.of(config.dynamicFile()), dynamic, written, errors);
            if (dynamicOk) {
                Path sf = Path.of(config.staticFile());
                String sha = StaticFallback.sha256(staticYaml);
                if (rejectedSha != null && !sha.equals(rejectedSha)) {
                    LOG.info("proxy-sync: the static file held back since {} is no longer rendered: hold-back lifted", rejectedAt);
                    rejectedSha = null;
                }
                if (sameContent(sf, staticYaml)) {
                    return;
                }
                if (quarantineUnreadable != null) {
                    // already reported in step plan; the static file (and so Traefik's restart) waits for a readable quarantine
                    LOG.info("proxy-sync: a changed static file is not written to {} while the quarantine cannot be read", sf);
                    return;
                }
                if (sha.equals(rejectedSha)) {
                    // the static file Traefik failed with, rolled back: not again every minute
                    errors.add("static configuration held back: Traefik did not start with it at " + rejectedAt
                            + " (kept as " + rejectedFile + "), the previous one stays in effect; fix the cause "
                            + "(journalctl -u traefik) and run `terrariumctl reconfigure` to try it again");
                    return;
                }
                keepLastGood(sf);
                int before = written.size();
                writeIfChanged(sf, staticYaml, written, errors);
                staticChanged = written.size() > before;
            }
        }

        /**
         * Before a new static file replaces the current one: when {@code <static_file>.last-good}
         * differs from the current file and Traefik is proven to run it (active, listening on its
         * entrypoints and started after the file was last modified, {@link TraefikRestart#runs};
         * without systemctl: the last reload succeeded), the current file becomes the
         * last good one. Normally a successful restart already made it so; this covers the first
         * change after an upgrade.
         */
        private void keepLastGood(Path sf) {
            Path good = StaticFallback.lastGood(sf);
            List<String> argv = config.reloadCommand();
            try {
                if (argv.isEmpty() || !Files.isRegularFile(sf) || AtomicFiles.sameContent(good, Files.readAllBytes(sf))) {
                    return;
                }
                String current = Files.readString(sf);
                ProxyStateStore.State last = store.state();
                String why = TraefikRestart.isSystemctl(argv)
                        ? restart.runs(argv.get(argv.size() - 1), StaticFallback.usableListeners(current), sf,
                        Files.getLastModifiedTime(sf).toInstant())
                        : (last != null && last.reloadPending() ? "reload pending" : null);
                if (why == null) {
                    AtomicFiles.write(good, current.getBytes(StandardCharsets.UTF_8), AtomicFiles.WORLD_READABLE);
                } else {
                    LOG.info("proxy-sync: {} not kept as the last good static file: {}", sf, why);
                }
            } catch (IOException e) {
                LOG.warn("proxy-sync: cannot keep {} as {}: {}", sf, good, e.toString());
            }
        }

        /**
         * Step {@code reload-traefik}: after a static change (or while one is pending) run
         * {@code proxy.reload_command} — a restart, never SIGHUP — and check that the unit is active
         * and listening on every entrypoint ({@link TraefikRestart}). Until that holds the change
         * stays pending: the job is FAILED and the next sync restarts again.
         */
        public void reloadTraefik() {
            ProxyStateStore.State last = store.state();
            reloadPending = staticChanged || (last != null && last.reloadPending());
            if (reloadPending && !config.reloadCommand().isEmpty()) {
                Path sf = Path.of(config.staticFile());
                SortedSet<String> want;
                String onDisk;
                try {
                    onDisk = Files.readString(sf);
                    want = StaticFallback.listeners(onDisk);
                } catch (IOException e) {
                    onDisk = null;
                    want = entrypointListeners(effective.publicPorts());
                }
                String why = restart.restart(config.reloadCommand(), want);
                if (why == null) {
                    reloads++;
                    reloadPending = false;
                    if (onDisk != null && StaticFallback.sha256(onDisk).equals(rejectedSha)) {
                        rejectedSha = null; // the file once rejected now holds (e.g. a first install whose port was freed)
                    }
                    try {
                        if (onDisk != null) {
                            AtomicFiles.write(StaticFallback.lastGood(sf), onDisk.getBytes(StandardCharsets.UTF_8), AtomicFiles.WORLD_READABLE);
                        }
                    } catch (IOException e) {
                        errors.add("cannot keep " + sf + " as the last good static file: " + e.getMessage());
                    }
                } else if (onDisk == null) {
                    errors.add("reload of Traefik failed (retried next sync): " + why);
                } else {
                    fallBack(sf, onDisk, want, why);
                }
            } else if (config.reloadCommand().isEmpty()) {
                reloadPending = false;
            }
        }

        /**
         * After a failed restart: keep the rejected file, put {@code <static_file>.last-good} back,
         * restart and check again (issue 14 item 1). Outcomes, each an error of this run:
         * <ul>
         *   <li>no last good file (first install), or the last good file is the failing one: Traefik stays down, the change stays
         *       pending (retried every sync; nothing is up to lose);</li>
         *   <li>restored and Traefik holds: the entrypoints new in the rejected file are quarantined
         *       for the instance whose label asked for them (its routes on them dropped, the dynamic
         *       file rewritten), or, when no label asked for one, the rejected file is held back by
         *       its SHA-256; no restart is pending;</li>
         *   <li>restored but Traefik fails again: the rejected file is held back, the restart stays
         *       pending with the last good file.</li>
         * </ul>
         */
        private void fallBack(Path sf, String rejectedYaml, SortedSet<String> rejectedListeners, String why) {
            Instant now = Instant.now();
            Path good = StaticFallback.lastGood(sf);
            String goodYaml = null;
            String goodUnusable = null; // why an existing last good file cannot be restored
            if (Files.exists(good, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try {
                    if (!Files.isRegularFile(good)) {
                        throw new IOException("not a regular file");
                    }
                    goodYaml = Files.readString(good);
                } catch (java.nio.charset.CharacterCodingException e) {
                    goodUnusable = "not UTF-8 text";
                } catch (IOException e) {
                    goodUnusable = e.getMessage() == null ? e.toString() : e.getMessage();
                }
            }
            if (rejectedYaml.equals(goodYaml)) {
                // the restored file itself fails now (e.g. a host program took 80/443): everything is down, retry
                errors.add("reload of Traefik failed (retried next sync): " + why + "; Traefik fails with the last good static file ("
                        + good + ") too, so every route is down; see journalctl -u traefik and free the ports it names");
                return;
            }
            SortedSet<String> goodListeners = null;
            if (goodYaml != null) {
                try {
                    goodListeners = StaticFallback.usableListeners(goodYaml);
                } catch (IOException e) {
                    goodUnusable = e.getMessage();
                }
            }
            String sha = StaticFallback.sha256(rejectedYaml);
            String keptAs = rejectedFile;
            if (!sha.equals(rejectedSha) || keptAs == null || !Files.isRegularFile(Path.of(keptAs))) {
                Path existing = StaticFallback.existingRejectedCopy(sf, rejectedYaml);
                if (existing != null) {
                    keptAs = existing.toString(); // this very content failed before: one copy per content
                } else {
                    Path copy = StaticFallback.rejected(sf, now);
                    try {
                        AtomicFiles.write(copy, rejectedYaml.getBytes(StandardCharsets.UTF_8), AtomicFiles.WORLD_READABLE);
                        keptAs = copy.toString();
                    } catch (IOException e) {
                        keptAs = sf + " (a copy could not be written: " + e.getMessage() + ")";
                    }
                }
                rejectedAt = now.toString();
            }
            if (goodListeners == null) {
                // nothing usable to fall back to: Traefik is down either way, so the restart is retried each sync
                // (nothing up to lose); the rejected content is recorded so that it is copied once, not once a minute
                rejectedSha = sha;
                rejectedFile = keptAs;
                errors.add("reload of Traefik failed (retried next sync): " + why + "; no last good static configuration to fall back to"
                        + (goodUnusable == null
                        ? " (none was kept yet: first install)"
                        : ": the last good static file " + good + " cannot be used: " + goodUnusable + "; fix or remove it, then `terrariumctl reconfigure`")
                        + ", so Traefik and every route stay down; the file is in place and kept as " + keptAs
                        + "; see journalctl -u traefik, fix the cause, then run `terrariumctl proxy sync`");
                return;
            }
            try {
                AtomicFiles.write(sf, goodYaml.getBytes(StandardCharsets.UTF_8), AtomicFiles.WORLD_READABLE);
                written.add(sf + " (restored from " + good.getFileName() + ")");
            } catch (IOException e) {
                rejectedSha = sha;
                rejectedFile = keptAs;
                errors.add("reload of Traefik failed (retried next sync): " + why + "; the last good static file " + good
                        + " could not be put back: " + e.getMessage() + "; the rejected file is kept as " + keptAs);
                return;
            }
            SortedMap<String, PublicPort> blamed = StaticFallback.attribute(rejectedListeners, goodListeners, effective.publicPorts());
            String why2 = restart.restart(config.reloadCommand(), goodListeners);
            String change = blamed.isEmpty() ? "the static change (no new entrypoint: a settings change)"
                    : "the static change adding entrypoint(s) " + blamed.entrySet().stream()
                    .map(e -> e.getKey() + " of instance " + e.getValue().instance()).collect(java.util.stream.Collectors.joining(", "));
            if (why2 != null) {
                rejectedSha = sha;
                rejectedFile = keptAs;
                errors.add("reload of Traefik failed: " + change + ": " + why + "; the previous static configuration was restored from "
                        + good + " but Traefik did not come back with it either: " + why2 + "; every route is down. The rejected file is"
                        + " kept as " + keptAs + "; the next sync restarts again with the restored file; see journalctl -u traefik");
                return;
            }
            reloads++;
            reloadPending = false;
            String routesUp;
            if (blamed.isEmpty()) {
                rejectedSha = sha;
                rejectedFile = keptAs;
                routesUp = "";
            } else {
                rejectedSha = null;
                rejectedFile = null;
                String reason = why.length() > 300 ? why.substring(0, 300) + "…" : why;
                Map<String, Map<String, String>> drop = new TreeMap<>();
                blamed.forEach((socket, claim) -> {
                    quarantined.add(new ProxyStateStore.QuarantinedPort(claim.protocol(), claim.port(), claim.instance(),
                            labels.get(claim.instance()), rejectedAt, reason));
                    drop.computeIfAbsent(socket, k -> new TreeMap<>()).put(claim.instance(),
                            StaticFallback.quarantineReason(rejectedAt, reason));
                });
                List<String> before = effective.errors();
                effective = StaticFallback.withoutPorts(effective, drop);
                effective.errors().stream().filter(e -> !before.contains(e)).forEach(errors::add);
                int n = written.size();
                writeIfChanged(Path.of(config.dynamicFile()), TraefikDynamicRenderer.render(effective, settings), written, errors);
                routesUp = written.size() > n ? " (dynamic file rewritten without the quarantined routes)" : "";
            }
            long routes = StaticFallback.routes(effective);
            long inst = effective.instances().stream().filter(r -> !r.published().isEmpty()).count();
            errors.add("reload of Traefik failed and was rolled back: " + change + ": " + why
                    + "; the previous static configuration was restored from " + good + " and Traefik is active and listening on "
                    + String.join(", ", goodListeners) + " again, " + routes + " route(s) of " + inst + " instance(s) up" + routesUp
                    + ". The rejected file is kept as " + keptAs + ". "
                    + (blamed.isEmpty()
                    ? "It is held back (not written again) until the rendered static file changes or `terrariumctl reconfigure`;"
                    + " see journalctl -u traefik, fix the setting, then run `terrariumctl reconfigure`"
                    : "Entrypoint(s) " + String.join(", ", blamed.keySet()) + " quarantined until the instance's user.proxy label"
                    + " changes or `terrariumctl reconfigure`; see journalctl -u traefik, free the port on the host (ss -ltnup)"
                    + " or change the label"));
        }

        /** Step {@code reconcile-ufw}: {@code terrarium-proxy} rules equal to the published TCP/UDP ports. */
        public void reconcileUfw() {
            ufwReport = ufw(effective.publicPorts(), errors);
        }

        /** Step {@code save-state}: sticky bridge ports and the rows of {@code proxy list}. */
        public void saveState() {
            try {
                store.saveBridges(plan.bridgePorts());
                ProxyStateStore.State last = store.state();
                io.terrarium.events.Events.current().publishAll(io.terrarium.events.ProxyRouteChanges.between(last == null ? null : last.routes(), rows(effective, instances)));
                store.saveState(new ProxyStateStore.State(reloadPending, rows(effective, instances), plan.owners()));
                if (quarantineUnreadable == null) { // an unreadable one stays as it is for the admin to look at
                    store.saveQuarantine(new ProxyStateStore.Quarantine(quarantined, rejectedSha, rejectedSha == null ? null : rejectedFile,
                            rejectedSha == null ? null : rejectedAt));
                }
                store.removeReleases(released);
            } catch (IOException ex) {
                errors.add("cannot save proxy state in " + ex.getMessage());
            }
        }

        @Override
        public JobResult result() {
            int lxdCalls = lxd.calls() - callsBefore;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("instances", effective.instances().stream().map(r -> Map.of("name", r.name(),
                    "status", r.status().name().toLowerCase(java.util.Locale.ROOT),
                    "routes", r.published().stream().map(ProxyRoute::source).toList(), "errors", r.errors(),
                    "contested", r.contested())).toList());
            details.put("errors", errors);
            details.put("lxd_calls", lxdCalls);
            details.put("device_changes", deviceChanges);
            details.put("files_written", written);
            details.put("reloads", reloads);
            details.put("reload_pending", reloadPending);
            details.put("quarantined", quarantined.stream().map(q -> Map.of("entrypoint", q.socket(), "instance", q.instance(),
                    "since", q.since(), "reason", q.reason())).toList());
            if (rejectedSha != null) {
                details.put("static_held_back", Map.of("rejected_file", String.valueOf(rejectedFile), "since", String.valueOf(rejectedAt)));
            }
            if (ufwReport != null) {
                details.put("ufw", ufwReport);
            }
            long routes = StaticFallback.routes(effective);
            String head = routes + " route(s) of " + effective.instances().stream().filter(r -> !r.published().isEmpty()).count()
                    + " instance(s) published, " + instances.size() + " instance(s) read; " + lxdCalls + " LXD call(s), "
                    + deviceChanges + " device change(s), " + written.size() + " file(s) written, " + reloads + " reload(s)";
            errors.forEach(e -> LOG.warn("proxy-sync: {}", e));
            if (errors.isEmpty()) {
                return new JobResult(ID, JobResult.Status.OK, head, null, null, 0, null, details);
            }
            return new JobResult(ID, JobResult.Status.FAILED, head + "; " + errors.size() + " error(s):\n" + String.join("\n", errors),
                    null, null, 0, null, details);
        }
    }

    /** The sockets Traefik must hold after applying the static file: 80/tcp, 443/tcp and each published port. */
    static SortedSet<String> entrypointListeners(java.util.Collection<PublicPort> ports) {
        SortedSet<String> want = new TreeSet<>(List.of("80/tcp", "443/tcp"));
        ports.forEach(p -> want.add(p.port() + "/" + p.protocol()));
        return want;
    }

    private static boolean sameContent(Path file, String content) {
        try {
            return AtomicFiles.sameContent(file, content.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return false;
        }
    }

    private boolean writeIfChanged(Path file, String content, List<String> written, List<String> errors) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        try {
            if (AtomicFiles.sameContent(file, data)) {
                return true;
            }
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            AtomicFiles.write(file, data, AtomicFiles.WORLD_READABLE);
            written.add(file.toString());
            return true;
        } catch (IOException e) {
            errors.add("cannot write " + file + ": " + e.getMessage() + " (the previous file stays)");
            return false;
        }
    }

    private Map<String, Object> ufw(SortedSet<PublicPort> ports, List<String> errors) {
        if (ufw == null) {
            return null;
        }
        Ufw.Status st;
        try {
            st = ufw.status();
        } catch (CommandFailedException e) {
            errors.add("ufw status failed (rules reconciled next sync): " + e.getMessage());
            return Map.of("active", "unknown");
        }
        if (!st.active()) {
            return Map.of("active", false, "note", "ufw is inactive: rules are reconciled once it is enabled");
        }
        SortedSet<String> want = new TreeSet<>();
        ports.forEach(p -> want.add(p.port() + "/" + p.protocol()));
        List<String> allowed = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        for (String r : want) {
            if (!st.terrariumRules().contains(r)) {
                try {
                    ufw.allow(r);
                    allowed.add(r);
                } catch (CommandFailedException e) {
                    errors.add("ufw allow " + r + " failed (retried next sync): " + e.getMessage());
                }
            }
        }
        for (String r : st.terrariumRules()) {
            if (!want.contains(r)) {
                try {
                    ufw.delete(r);
                    deleted.add(r);
                } catch (CommandFailedException e) {
                    errors.add("ufw delete allow " + r + " failed (retried next sync): " + e.getMessage());
                }
            }
        }
        return Map.of("active", true, "allowed", allowed, "deleted", deleted);
    }

    /** The plan minus the routes of instances whose devices could not be set (each gets an error). */
    static ProxyPlan withdraw(ProxyPlan plan, Map<String, String> failed) {
        return plan.withdraw(failed);
    }

    /**
     * Rows for {@code proxy list}: one per published route (status {@code ok}), one per error line
     * (status {@code error} or {@code conflict}), one per stopped or opted-out labelled instance.
     * Keys: instance, route, public, bridge, auth, status, reason.
     */
    static List<Map<String, Object>> rows(ProxyPlan plan, List<LxdInstance> instances) {
        Map<String, String> labels = new HashMap<>();
        instances.forEach(i -> {
            String l = i.expandedConfig().get("user.proxy");
            if (l != null && !l.isBlank()) {
                labels.put(i.name(), l.strip());
            }
        });
        List<Map<String, Object>> rows = new ArrayList<>();
        for (InstanceReport r : plan.instances()) {
            for (ProxyRoute route : r.published()) {
                int port = plan.bridgePort(r.name(), route);
                rows.add(row(r.name(), route.source(), publicOf(route),
                        route.bridgeProtocol() + ":127.0.0.1:" + port, authOf(route), "ok", null));
            }
            String st = switch (r.status()) {
                case CONFLICT -> "conflict";
                case STOPPED -> "stopped";
                case OPTED_OUT -> "opted-out";
                default -> "error";
            };
            for (String e : r.errors()) {
                rows.add(row(r.name(), null, null, null, null, st, e));
            }
            for (String c : r.contested()) {
                rows.add(row(r.name(), null, null, null, null, "contested", c));
            }
            if ((r.status() == InstanceStatus.STOPPED || r.status() == InstanceStatus.OPTED_OUT) && labels.containsKey(r.name())) {
                rows.add(row(r.name(), labels.get(r.name()), null, null, null, st,
                        r.status() == InstanceStatus.STOPPED ? "instance is not running: routes withdrawn"
                                : "user.terrarium.role opts the instance out"));
            }
        }
        return rows;
    }

    private static Map<String, Object> row(String instance, String route, String pub, String bridge, String auth,
                                           String status, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance", instance);
        m.put("route", route);
        m.put("public", pub);
        m.put("bridge", bridge);
        m.put("auth", auth);
        m.put("status", status);
        m.put("reason", reason);
        return m;
    }

    private static String publicOf(ProxyRoute r) {
        if (r instanceof HttpRoute h) {
            return h.scheme() + "://" + h.host() + ("/".equals(h.pathPrefix()) ? "/" : h.pathPrefix());
        }
        L4Route l = (L4Route) r;
        return l.protocol() + "/" + l.publicPort();
    }

    private static String authOf(ProxyRoute r) {
        if (r instanceof HttpRoute h && h.auth() != null) {
            return h.auth().groups().isEmpty() ? "(any signed-in user)" : String.join(",", h.auth().groups());
        }
        return null;
    }
}
