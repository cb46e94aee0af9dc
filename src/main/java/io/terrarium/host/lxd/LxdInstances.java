package io.terrarium.host.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Instances and their devices in one LXD project, on top of {@link LxdClient}.
 *
 * <p>LXD 5.0.2 behaviour this relies on (verified on the development host):
 * <ul>
 *   <li>{@code PATCH /1.0/instances/X} with {@code {"devices":{"d":{…}}}} merges by device name:
 *       it adds or replaces {@code d} and keeps every other device. It cannot remove a device
 *       ({@code "d": null} or {@code {}} is rejected: "Missing device type").</li>
 *   <li>Removing a device therefore needs {@code PUT} of the whole instance: GET it fresh, drop
 *       the device, PUT back the writable fields (architecture, config, devices, ephemeral,
 *       profiles, stateful, description). The PUT is a background operation, hence
 *       {@code --wait}.</li>
 *   <li>Adding a proxy device whose listen address is busy fails the PATCH with LXD's text
 *       ({@code bind: address already in use}).</li>
 * </ul>
 * {@link #calls()} counts the LXD requests made through this object (for the job's result and the
 * benchmark).
 */
public final class LxdInstances {
    private static final List<String> WRITABLE = List.of("architecture", "config", "devices", "ephemeral",
            "profiles", "stateful", "description");

    private final LxdClient lxd;
    private final String project;
    private final AtomicInteger calls = new AtomicInteger();

    /**
     * @param lxd     client
     * @param project LXD project name (validated by the config)
     */
    public LxdInstances(LxdClient lxd, String project) {
        this.lxd = lxd;
        this.project = project;
    }

    /** The project. */
    public String project() {
        return project;
    }

    /** LXD requests made so far. */
    public int calls() {
        return calls.get();
    }

    /**
     * Every instance of the project, in one {@code GET /1.0/instances?recursion=2&project=P}.
     *
     * @throws LxdException when LXD cannot be read or answers something that is not a list
     */
    public List<LxdInstance> list() {
        calls.incrementAndGet();
        JsonNode all = lxd.get("/1.0/instances?recursion=2&project=" + enc(project));
        if (!all.isArray()) {
            throw new LxdException("LXD GET /1.0/instances returned no instance list", false, false, null);
        }
        List<LxdInstance> out = new ArrayList<>();
        for (JsonNode i : all) {
            out.add(new LxdInstance(i.path("name").asText(), i.path("status").asText(), instant(i.path("created_at").asText(null)),
                    strings(i.path("expanded_config")), devices(i.path("devices"))));
        }
        return out;
    }

    /**
     * Adds or replaces devices on an instance (PATCH; other devices are kept). On a named remote
     * ({@link LxdClient#remoteOverCli}) each device goes through {@code lxc config device add}
     * (after a {@code remove} when it exists), so no request body is ever in argv.
     *
     * @param instance instance name
     * @param devices  device name → full device config (including {@code type})
     * @throws LxdException with LXD's error text (e.g. a busy listen address)
     */
    public void putDevices(String instance, Map<String, Map<String, String>> devices) {
        calls.incrementAndGet();
        if (lxd.remoteOverCli()) {
            // a named remote: no socket, and never a body in argv — lxc's own device verbs instead
            JsonNode current = lxd.get(path(instance)).path("devices");
            for (Map.Entry<String, Map<String, String>> d : new java.util.TreeMap<>(devices).entrySet()) {
                if (current.has(d.getKey())) {
                    lxd.device(project, instance, d.getKey(), null);
                }
                lxd.device(project, instance, d.getKey(), d.getValue());
            }
            return;
        }
        lxd.patch(path(instance), Map.of("devices", devices));
    }

    /**
     * Removes devices from an instance (on a named remote: {@code lxc config device remove} per
     * device present, see {@link LxdClient#deviceArgv}): GET the instance, drop the names, PUT the writable fields
     * back with the ETag of the GET ({@link LxdClient#update}: a concurrent change such as
     * {@code lxc config set} makes LXD answer 412, and the removal is re-applied to the new state
     * instead of undoing it). Names that are not there are ignored; when none is there, no PUT is made.
     *
     * @throws LxdException with LXD's error text
     */
    public void removeDevices(String instance, Set<String> names) {
        calls.incrementAndGet();
        if (lxd.remoteOverCli()) {
            // a named remote: `lxc config device remove` (lxc does GET + PUT with the ETag itself),
            // so the instance's config (environment.*, cloud-init) never passes through argv
            JsonNode current = lxd.get(path(instance)).path("devices");
            for (String n : new java.util.TreeSet<>(names)) {
                if (current.has(n)) {
                    lxd.device(project, instance, n, null);
                }
            }
            return;
        }
        boolean written = lxd.update(path(instance), current -> {
            ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            for (String f : WRITABLE) {
                if (current.has(f)) {
                    body.set(f, current.get(f).deepCopy());
                }
            }
            ObjectNode devs = body.has("devices") && body.get("devices").isObject() ? (ObjectNode) body.get("devices") : null;
            if (devs == null || names.stream().noneMatch(devs::has)) {
                return null;
            }
            names.forEach(devs::remove);
            return body;
        });
        if (written) {
            calls.incrementAndGet();
        }
    }

    private String path(String instance) {
        return "/1.0/instances/" + enc(instance) + "?project=" + enc(project);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Instant instant(String s) {
        if (s == null || s.isEmpty() || s.startsWith("0001-")) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static Map<String, String> strings(JsonNode obj) {
        Map<String, String> m = new TreeMap<>();
        obj.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static Map<String, Map<String, String>> devices(JsonNode obj) {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        obj.fields().forEachRemaining(e -> m.put(e.getKey(), strings(e.getValue())));
        return m;
    }
}
