package io.terrarium.host.facts;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.AtomicFiles;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;

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
 */
public final class HostFactsJob implements Job {
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
        HostFacts facts = probe.probe();
        List<String> warnings = new ArrayList<>();
        if (!facts.lxdReachable()) {
            warnings.add("LXD is not reachable");
        }
        if (facts.zfs() == null) {
            warnings.add("zfs is not installed");
        } else if (facts.pools().stream().noneMatch(p -> p.name().equals(pool) && p.healthy())) {
            warnings.add("pool " + pool + " is not imported or not ONLINE");
        }
        String saveError = null;
        try {
            Files.createDirectories(factsFile.getParent());
            AtomicFiles.write(factsFile, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(facts),
                    AtomicFiles.WORLD_READABLE);
        } catch (IOException e) {
            saveError = "cannot write " + factsFile + ": " + e.getMessage();
            warnings.add(saveError);
        }
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

    /** Reads facts written by an earlier run, or {@code null} when there are none. */
    public static HostFacts read(Path factsFile, ObjectMapper json) {
        try {
            return Files.exists(factsFile) ? json.readValue(factsFile.toFile(), HostFacts.class) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
