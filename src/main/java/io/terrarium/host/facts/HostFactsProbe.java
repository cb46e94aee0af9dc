package io.terrarium.host.facts;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandRunner;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.zfs.PoolStatus;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsCapabilities;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Probes the versions and capabilities of the host tools Terrarium drives: LXD (server version
 * through the API), ZFS (implementation, send flags, functional hold probe), sanoid, syncoid,
 * ansible-playbook and zstd. A missing tool is a fact, not an error.
 */
public final class HostFactsProbe {
    private static final Pattern VERSION = Pattern.compile("(\\d+\\.\\d+(?:\\.\\d+)?)");

    private final CommandRunner runner;
    private final ZfsAdapter zfs;
    private final LxdClient lxd;
    private final String pool;
    private final Clock clock;

    /**
     * @param runner command seam
     * @param zfs    zfs adapter
     * @param lxd    LXD client
     * @param pool   the configured pool, probed for holds when imported
     * @param clock  clock for {@code collectedAt}
     */
    public HostFactsProbe(CommandRunner runner, ZfsAdapter zfs, LxdClient lxd, String pool, Clock clock) {
        this.runner = runner;
        this.zfs = zfs;
        this.lxd = lxd;
        this.pool = pool;
        this.clock = clock;
    }

    /** Runs every probe; never throws for a missing or broken tool. */
    public HostFacts probe() {
        Instant now = clock.instant();
        Map<String, HostFacts.Tool> tools = new TreeMap<>();
        boolean lxdUp = false;
        try {
            JsonNode server = lxd.get("/1.0");
            lxdUp = true;
            tools.put("lxd", new HostFacts.Tool(true, server.path("environment").path("server_version").asText(""), null));
        } catch (LxdException e) {
            tools.put("lxd", new HostFacts.Tool(!e.unreachable() || e.getMessage().contains("isn't running"), "",
                    e.getMessage()));
        } catch (CommandFailedException e) {
            tools.put("lxd", new HostFacts.Tool(false, "", e.getMessage()));
        }
        ZfsCapabilities caps = null;
        try {
            caps = zfs.capabilities();
            tools.put("zfs", new HostFacts.Tool(true, caps.version().isEmpty() ? caps.implementation() : caps.version(), null));
        } catch (CommandFailedException e) {
            tools.put("zfs", new HostFacts.Tool(false, "", e.getMessage()));
        }
        tools.put("sanoid", version("sanoid", "--version"));
        tools.put("syncoid", version("syncoid", "--version"));
        tools.put("ansible", version("ansible-playbook", "--version"));
        tools.put("zstd", version("zstd", "--version"));
        List<PoolStatus> pools = List.of();
        Boolean holds = null;
        if (caps != null) {
            try {
                pools = zfs.pools();
                if (pools.stream().anyMatch(p -> p.name().equals(pool) && p.healthy())) {
                    holds = zfs.probeHolds(pool);
                }
            } catch (CommandFailedException e) {
                // pools stay empty; status shows the pool as missing
            }
        }
        return new HostFacts(now, tools, lxdUp, caps, holds, pools);
    }

    private HostFacts.Tool version(String exe, String flag) {
        try {
            var r = runner.run(Command.of(exe, flag).withOkExitCodes(0, 1));
            String text = (r.stdout() + "\n" + r.stderrTail()).strip();
            return new HostFacts.Tool(true, extractVersion(text), null);
        } catch (CommandFailedException e) {
            return new HostFacts.Tool(false, "", e.exitCode() == -1 ? exe + " not found" : e.getMessage());
        }
    }

    /** First dotted version number in a tool's version output, or "" (pure). */
    public static String extractVersion(String text) {
        Matcher m = VERSION.matcher(text);
        return m.find() ? m.group(1) : "";
    }
}
