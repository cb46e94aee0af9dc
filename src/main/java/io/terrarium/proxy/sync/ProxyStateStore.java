package io.terrarium.proxy.sync;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.AtomicFiles;
import io.terrarium.proxy.BackendKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the proxy sync keeps between runs, under the state directory:
 * <ul>
 *   <li>{@value #BRIDGES}: the sticky bridge port of every backend (the plan's
 *       {@code bridgePorts}); also recoverable from the devices' listen addresses, so losing it
 *       changes nothing.</li>
 *   <li>{@value #STATE}: the last sync's rows for {@code proxy list}, and whether a Traefik reload
 *       is still owed (a failed reload is retried by the next sync).</li>
 *   <li>{@value #QUARANTINE}: entrypoints (and a rejected static file) Traefik failed to start
 *       with, held back until the label changes or {@code terrariumctl reconfigure}.</li>
 * </ul>
 * All are written atomically; unreadable files count as absent, except the quarantine
 * ({@link #quarantine()} reports it).
 */
public final class ProxyStateStore {
    /** Bridge port file name. */
    public static final String BRIDGES = "proxy-bridges.json";
    /** Last sync state file name. */
    public static final String STATE = "proxy-state.json";

    private final Path dir;
    private final ObjectMapper json;

    /** @param stateDir e.g. {@code /var/lib/terrarium}; @param json snake_case mapper */
    public ProxyStateStore(Path stateDir, ObjectMapper json) {
        this.dir = stateDir;
        this.json = json;
    }

    /** One persisted bridge. */
    public record Bridge(String instance, String protocol, int containerPort, int hostPort) {
    }

    /**
     * The last sync, as {@code proxy list} shows it. No timestamp: an unchanged sync leaves the
     * file untouched (the run time is in the job result).
     *
     * @param reloadPending true when the static file changed and the reload command has not
     *                      succeeded yet
     * @param routes        one row per route or per problem (see {@link ProxySyncJob})
     * @param owners        host name (or wildcard pattern) → owning instance (issue 14 item 2);
     *                      {@code null} in files of older versions
     */
    public record State(boolean reloadPending, List<Map<String, Object>> routes, Map<String, String> owners) {
        /** A state without owners. */
        public State(boolean reloadPending, List<Map<String, Object>> routes) {
            this(reloadPending, routes, null);
        }
    }

    /** Releases file name: host names an admin released with {@code proxy release}, consumed by the next sync. */
    public static final String RELEASES = "proxy-releases.json";

    /** Host names released by {@code proxy release} and not yet applied by a sync (empty when none). */
    public java.util.SortedSet<String> releases() {
        Path f = dir.resolve(RELEASES);
        try {
            if (Files.exists(f)) {
                return new java.util.TreeSet<>(json.readValue(f.toFile(), new TypeReference<List<String>>() { }));
            }
        } catch (IOException e) {
            // unreadable: nothing released
        }
        return new java.util.TreeSet<>();
    }

    /** Adds host names to the releases file (the next sync frees them). */
    public synchronized void addReleases(java.util.Collection<String> hosts) throws IOException {
        java.util.SortedSet<String> all = releases();
        all.addAll(hosts);
        write(RELEASES, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(all));
    }

    /** Removes applied host names from the releases file (re-read first, so a release made meanwhile stays). */
    public synchronized void removeReleases(java.util.Collection<String> applied) throws IOException {
        if (applied.isEmpty()) {
            return;
        }
        java.util.SortedSet<String> all = releases();
        all.removeAll(applied);
        write(RELEASES, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(all));
    }

    /** Quarantine file name: what the last failed static change left behind (see {@link Quarantine}). */
    public static final String QUARANTINE = "proxy-quarantine.json";

    /**
     * A public entrypoint Traefik failed to start with (issue 14 item 1): the next syncs refuse it
     * for {@code instance} while that instance's {@code user.proxy} label is still {@code label},
     * so Traefik is not restarted into the same failure every minute.
     *
     * @param protocol tcp or udp
     * @param port     public port
     * @param instance the instance whose label asked for it
     * @param label    the label text at the time (a changed label lifts the quarantine)
     * @param since    when the restart failed (UTC, ISO-8601)
     * @param reason   why the restart was judged failed (one line)
     */
    public record QuarantinedPort(String protocol, int port, String instance, String label, String since, String reason) {
        /** {@code <port>/<protocol>}, as {@code ss} and UFW rules name it. */
        public String socket() {
            return port + "/" + protocol;
        }
    }

    /**
     * What the last failed static change left: the quarantined entrypoints and, when the failure
     * could not be put on one label, the SHA-256 of the rejected static file, which the next syncs
     * do not write again (until the rendered file differs or {@code terrariumctl reconfigure}).
     *
     * @param ports          quarantined entrypoints (empty when none)
     * @param rejectedSha256 hex SHA-256 of the rejected static file, or {@code null}
     * @param rejectedFile   where the rejected file was kept, or {@code null}
     * @param rejectedAt     when (UTC, ISO-8601), or {@code null}
     */
    public record Quarantine(List<QuarantinedPort> ports, String rejectedSha256, String rejectedFile, String rejectedAt) {
        /** Nothing quarantined. */
        public static final Quarantine NONE = new Quarantine(List.of(), null, null, null);

        public Quarantine {
            ports = ports == null ? List.of() : List.copyOf(ports);
        }

        /** True when nothing is quarantined or held back. */
        public boolean empty() {
            return ports.isEmpty() && rejectedSha256 == null;
        }
    }

    /** Where the quarantine is kept ({@code <state>/proxy-quarantine.json}). */
    public Path quarantineFile() {
        return dir.resolve(QUARANTINE);
    }

    /**
     * The quarantine (never {@code null}; an absent file is {@link Quarantine#NONE}). Unlike the
     * other files here, an unreadable quarantine is not taken as empty: that would retry a port
     * Traefik failed with and risk one more outage (the proxy sync then changes no static file).
     *
     * @throws IOException naming the file and why it cannot be read (e.g. not JSON)
     */
    public Quarantine quarantine() throws IOException {
        Path f = quarantineFile();
        if (!Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return Quarantine.NONE;
        }
        try {
            Quarantine q = json.readValue(f.toFile(), Quarantine.class);
            if (q == null) {
                throw new IOException("empty document");
            }
            return q;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage()).strip();
            int nl = m.indexOf('\n');
            throw new IOException(f + " cannot be read: " + (nl < 0 ? m : m.substring(0, nl)), e);
        }
    }

    /** Saves the quarantine; an empty one removes the file. */
    public void saveQuarantine(Quarantine q) throws IOException {
        if (q.empty()) {
            clearQuarantine();
            return;
        }
        write(QUARANTINE, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(q));
    }

    /** Lifts every quarantine ({@code terrariumctl reconfigure}): the next sync tries the static change again. */
    public void clearQuarantine() throws IOException {
        Files.deleteIfExists(dir.resolve(QUARANTINE));
    }

    /** The persisted bridge ports (empty when none or unreadable). */
    public SortedMap<BackendKey, Integer> bridges() {
        SortedMap<BackendKey, Integer> m = new TreeMap<>();
        Path f = dir.resolve(BRIDGES);
        try {
            if (Files.exists(f)) {
                for (Bridge b : json.readValue(f.toFile(), new TypeReference<List<Bridge>>() { })) {
                    m.put(new BackendKey(b.instance(), b.protocol(), b.containerPort()), b.hostPort());
                }
            }
        } catch (IOException e) {
            // unreadable: the devices' listen addresses still carry the ports
        }
        return m;
    }

    /** Saves the bridge ports, only when they differ from what is stored. */
    public void saveBridges(Map<BackendKey, Integer> ports) throws IOException {
        List<Bridge> list = new ArrayList<>();
        new TreeMap<>(ports).forEach((k, p) -> list.add(new Bridge(k.instance(), k.protocol(), k.containerPort(), p)));
        write(BRIDGES, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(list));
    }

    /** The last state, or {@code null} when there is none or it cannot be read. */
    public State state() {
        try {
            return stateOrThrow();
        } catch (IOException e) {
            return null;
        }
    }

    /** The state file ({@value #STATE} in the state directory). */
    public Path stateFile() {
        return dir.resolve(STATE);
    }

    /**
     * The last state.
     *
     * @return it, or {@code null} when no sync has saved one (no file)
     * @throws java.nio.file.AccessDeniedException when the file (root's only) or the state directory may
     *         not be read by this user: a sync has run, so {@code proxy list} must not say it has not
     * @throws IOException when the file cannot be read or parsed otherwise
     */
    public State stateOrThrow() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(stateFile()); // NIO: an AccessDeniedException, not java.io's FileNotFoundException
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        return json.readValue(bytes, State.class);
    }

    /** Saves the state. */
    public void saveState(State s) throws IOException {
        write(STATE, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(s));
    }

    private void write(String name, byte[] data) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve(name);
        // root only (docs/security.md: instance names, hosts and refusal reasons are not for local users)
        if (!AtomicFiles.sameContent(f, data)) {
            AtomicFiles.write(f, data, AtomicFiles.OWNER_ONLY);
        } else if (!Files.getPosixFilePermissions(f).equals(AtomicFiles.OWNER_ONLY)) {
            Files.setPosixFilePermissions(f, AtomicFiles.OWNER_ONLY); // written world-readable by an older release
        }
    }
}
