package io.terrarium.host.lxd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandRunner;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Creates and replaces LXD projects, profiles and networks without putting their content in argv
 * (DESIGN.md §2: LXD config may carry secrets): {@code lxc <kind> create NAME} (name only), then
 * {@code lxc <kind> edit NAME} with the object's YAML on stdin, which replaces its writable fields
 * ({@code lxc profile edit --help}: "cat profile.yaml | lxc profile edit <profile>"). Storage pools
 * are created with {@code POST /1.0/storage-pools} over LXD's unix socket ({@link LxdClient#overSocket}):
 * a pool's keys (source, ceph/cephfs user names and cluster settings, …) never appear in argv
 * (issue 14 item 6); {@code lxc storage create} takes them only as arguments, so it is not used.
 */
public final class LxdEditor {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final CommandRunner runner;
    private final LxdClient lxd;
    private final YAMLMapper yaml = new YAMLMapper();

    /** An editor that cannot create storage pools (no socket client); see {@link #LxdEditor(CommandRunner, LxdClient)}. */
    public LxdEditor(CommandRunner runner) {
        this(runner, null);
    }

    /**
     * @param runner command seam for {@code lxc <kind> create|edit}
     * @param lxd    the LXD client storage pools are created through; only a socket client
     *               ({@link LxdClient#usesSocket}) is used, so pool keys never go in argv
     */
    public LxdEditor(CommandRunner runner, LxdClient lxd) {
        this.runner = runner;
        this.lxd = lxd;
    }

    /**
     * Creates an (empty) object: {@code lxc project|profile|network create NAME [--project P] [--type T]}.
     *
     * @param kind    {@code project}, {@code profile} or {@code network}
     * @param project LXD project for profiles and networks; ignored for projects
     * @param name    object name
     * @param type    network type ({@code bridge}, {@code ovn}, …); {@code null} otherwise
     * @throws LxdException with LXD's error text
     */
    public void create(String kind, String project, String name, String type) {
        List<String> args = new ArrayList<>(List.of(kind(kind), "create", name(name)));
        if (!"project".equals(kind)) {
            args.add("--project");
            args.add(name(project));
        }
        if (type != null) {
            args.add("--type=" + name(type));
        }
        run(new Command("lxc", args, TIMEOUT, null, null), kind + " " + name);
    }

    /**
     * Replaces an object's writable fields with {@code def} (YAML on stdin):
     * {@code lxc project|profile|network edit NAME [--project P]}.
     *
     * @throws LxdException with LXD's error text
     */
    public void edit(String kind, String project, String name, JsonNode def) {
        List<String> args = new ArrayList<>(List.of(kind(kind), "edit", name(name)));
        if (!"project".equals(kind)) {
            args.add("--project");
            args.add(name(project));
        }
        byte[] body;
        try {
            body = yaml.writeValueAsString(def).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + kind + " " + name + " as YAML: " + e.getMessage(), e);
        }
        run(new Command("lxc", args, TIMEOUT, body, null), kind + " " + name);
    }

    /**
     * Creates a storage pool with {@code POST /1.0/storage-pools} ({@link #poolRequest}) over LXD's
     * unix socket, so neither its keys nor its values are in any argv (doc/rest-api-spec: the
     * {@code StoragePoolsPost} body {@code {name, driver, config}}).
     *
     * @throws LxdException with LXD's error text, or when this editor has no socket client (the
     *                      error says how to create the pool by hand)
     */
    public void createPool(String name, String driver, Map<String, String> config) {
        Map<String, Object> body = poolRequest(name, driver, config);
        if (lxd == null || !lxd.usesSocket()) {
            throw new LxdException("storage pool " + name + ": creating it needs LXD's unix socket (its keys never go in a "
                    + "command line, which every local user can read); run this on the LXD host as root, or create the pool "
                    + "with `lxc storage create " + name + " " + driver + "` and its keys, then retry", false, false, null);
        }
        lxd.post("/1.0/storage-pools", body);
    }

    /**
     * The {@code POST /1.0/storage-pools} body: {@code name}, {@code driver} and the config without
     * {@code volatile.*} keys (LXD sets those itself).
     *
     * @throws IllegalArgumentException for a name, driver or key that is not an LXD name or key
     */
    public static Map<String, Object> poolRequest(String name, String driver, Map<String, String> config) {
        Map<String, String> cfg = new java.util.TreeMap<>();
        config.forEach((k, v) -> {
            if (!k.startsWith("volatile.")) {
                if (!KEY.matcher(k).matches()) {
                    throw new IllegalArgumentException("storage pool " + name + ": config key " + k + " is not an LXD key");
                }
                cfg.put(k, v);
            }
        });
        return Map.of("name", name(name), "driver", name(driver), "config", cfg);
    }

    /** The argv each call would run (for tests). */
    static String kind(String kind) {
        if (!List.of("project", "profile", "network").contains(kind)) {
            throw new IllegalArgumentException("not an editable LXD object kind: " + kind);
        }
        return kind;
    }

    private static String name(String n) {
        if (n == null || !NAME.matcher(n).matches()) {
            throw new IllegalArgumentException("\"" + n + "\" is not an LXD name");
        }
        return n;
    }

    private void run(Command c, String what) {
        try {
            runner.run(c);
        } catch (CommandFailedException e) {
            String err = e.stderrTail().strip();
            throw new LxdException("lxc " + String.join(" ", c.args().subList(0, 2)) + " " + what + " failed: "
                    + (err.isEmpty() ? e.getMessage() : err), false, false, e);
        }
    }
}
