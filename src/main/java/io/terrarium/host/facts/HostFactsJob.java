package io.terrarium.host.facts;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.AtomicFiles;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.StagedJob;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Job {@code host-facts}: probes the host tools and records the facts in
 * {@code <stateDir>/host-facts.json} for {@code status} and the other jobs. Hourly by default.
 * WARNING when LXD is unreachable, zfs is missing or the configured pool is not healthy.
 * Two steps (route {@code host-facts}): {@link Run#probe()} ({@code probe-host}), then
 * {@link Run#write()} ({@code write-host-facts}).
 */
public final class HostFactsJob implements StagedJob<HostFactsJob.Run> {
    /** Job and route id. */
    public static final String ID = "host-facts";

    private final HostFactsProbe probe;
    private final Path factsFile;
    private final ObjectMapper json;
    private final String pool;

    /**
     * @param probe     the probe
     * @param factsFile where the facts are written (e.g. {@code /var/lib/terrarium/host-facts.json})
     * @param json      mapper
     * @param pool      the configured pool name
     */
    public HostFactsJob(HostFactsProbe probe, Path factsFile, ObjectMapper json, String pool) {
        this.probe = probe;
        this.factsFile = factsFile;
        this.json = json;
        this.pool = pool;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "probe versions and capabilities of lxd, zfs, sanoid, syncoid, ansible, zstd";
    }

    @Override
    public String defaultSchedule() {
        return "0 7 * * * ?";
    }

    @Override
    public JobResult run() {
        Run r = newRun();
        r.probe();
        r.write();
        return r.result();
    }

    @Override
    public Run newRun() {
        return new Run();
    }

    /** One run: the probe's facts, then the file written; problems are warnings (the run is never FAILED). */
    public final class Run implements StagedJob.Run {
        private HostFacts facts;
        private final List<String> warnings = new ArrayList<>();

        /** Step {@code probe-host}: runs the probe (versions, LXD reachability, zfs pools and send flags). */
        public void probe() {
            facts = probe.probe();
            if (!facts.lxdReachable()) {
                warnings.add("LXD is not reachable");
            }
            if (facts.zfs() == null) {
                warnings.add("zfs is not installed");
            } else if (facts.pools().stream().noneMatch(p -> p.name().equals(pool) && p.healthy())) {
                warnings.add("pool " + pool + " is not imported or not ONLINE");
            }
        }

        /** Step {@code write-host-facts}: writes the facts atomically (0644); a write error is a warning. */
        public void write() {
            try {
                Files.createDirectories(factsFile.getParent());
                AtomicFiles.write(factsFile, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(facts),
                        AtomicFiles.OWNER_ONLY);
            } catch (IOException e) {
                warnings.add("cannot write " + factsFile + ": " + e.getMessage());
            }
        }

        @Override
        public JobResult result() {
            StringBuilder summary = new StringBuilder();
            facts.tools().forEach((name, t) -> summary.append(summary.length() == 0 ? "" : ", ")
                    .append(name).append(' ').append(t.present() ? (t.version().isEmpty() ? "present" : t.version()) : "missing"));
            if (facts.zfs() != null) {
                summary.append("; zfs ").append(facts.zfs().implementation())
                        .append(", send flags ").append(String.join("", new java.util.TreeSet<>(facts.zfs().sendFlags())))
                        .append(", holds ").append(facts.holdsWork() == null ? "not probed" : facts.holdsWork() ? "work" : "unsupported");
            }
            if (!warnings.isEmpty()) {
                summary.append("; ").append(String.join("; ", warnings));
            }
            Map<String, Object> details = json.convertValue(facts, new TypeReference<Map<String, Object>>() { });
            return new JobResult(ID, warnings.isEmpty() ? JobResult.Status.OK : JobResult.Status.WARNING,
                    summary.toString(), null, null, 0, null, details);
        }
    }

    /** Reads facts written by an earlier run, or {@code null} when there are none or they cannot be read. */
    public static HostFacts read(Path factsFile, ObjectMapper json) {
        try {
            return readOrThrow(factsFile, json);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Reads facts written by an earlier run.
     *
     * @return the facts, or {@code null} when no run wrote any (no file)
     * @throws java.nio.file.AccessDeniedException when the file (root's only) or its directory may not be
     *         read by this user: the facts exist, so {@code status} must not say "not collected yet"
     * @throws IOException when the file cannot be read or parsed otherwise
     */
    public static HostFacts readOrThrow(Path factsFile, ObjectMapper json) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(factsFile); // NIO: an AccessDeniedException, not java.io's FileNotFoundException
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        return json.readValue(bytes, HostFacts.class);
    }
}
