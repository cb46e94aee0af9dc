package io.terrarium.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.host.exec.Command;
import io.terrarium.testing.RecordingCommandRunner.Reply;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * In-memory stand-in for LXD's instance endpoints as LXD 5.0.2 behaves (verified on the dev host):
 * {@code GET /1.0/instances?recursion=2}, {@code GET /1.0/instances/X}, PATCH merging devices by
 * name (a device without {@code type} is rejected), PUT replacing devices and config. Other
 * commands (ufw, reload) go to {@link #other}. {@link #down} makes every lxc call fail as when the
 * daemon is gone.
 */
public final class FakeLxdInstances implements Function<Command, Reply> {
    private final ObjectMapper json = new ObjectMapper();
    /** name → instance fields (status, created_at, config, devices). */
    public final Map<String, Map<String, Object>> instances = new TreeMap<>();
    /** Answers non-lxc commands; default: exit 0, no output. */
    public Function<Command, Reply> other = c -> Reply.ok("");
    /** When true, every lxc call fails like a stopped daemon. */
    public volatile boolean down;

    /** Adds an instance. */
    public FakeLxdInstances add(String name, boolean running, String created, String label) {
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("name", name);
        i.put("status", running ? "Running" : "Stopped");
        i.put("created_at", created);
        Map<String, String> cfg = new TreeMap<>();
        if (label != null) {
            cfg.put("user.proxy", label);
        }
        i.put("config", cfg);
        Map<String, Object> devices = new TreeMap<>();
        devices.put("root", new TreeMap<>(Map.of("type", "disk", "path", "/", "pool", "default")));
        i.put("devices", devices);
        instances.put(name, i);
        return this;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Map<String, String>> devices(String name) {
        return (Map<String, Map<String, String>>) instances.get(name).get("devices");
    }

    @SuppressWarnings("unchecked")
    public Map<String, String> config(String name) {
        return (Map<String, String>) instances.get(name).get("config");
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized Reply apply(Command c) {
        if (!c.executable().equals("lxc")) {
            return other.apply(c);
        }
        if (down) {
            return Reply.fail(1, "Error: Get \"http://unix.socket/1.0\": dial unix /var/lib/lxd/unix.socket: connect: connection refused");
        }
        List<String> a = c.args();
        String method = a.contains("--request") ? a.get(a.indexOf("--request") + 1) : "GET";
        String path = a.get(a.size() - 1);
        String data = a.contains("--data") ? a.get(a.indexOf("--data") + 1) : null;
        try {
            if (method.equals("GET") && path.startsWith("/1.0/instances?recursion=2")) {
                List<Object> all = new ArrayList<>();
                for (Map<String, Object> i : instances.values()) {
                    Map<String, Object> v = new LinkedHashMap<>(i);
                    v.put("expanded_config", i.get("config"));
                    all.add(v);
                }
                return Reply.ok(json.writeValueAsString(all));
            }
            String name = path.substring("/1.0/instances/".length()).replaceAll("\\?.*", "");
            Map<String, Object> inst = instances.get(name);
            if (inst == null) {
                return Reply.fail(1, "Error: Instance not found");
            }
            if (method.equals("GET")) {
                return Reply.ok(json.writeValueAsString(inst));
            }
            JsonNode body = json.readTree(data);
            Map<String, Object> devices = (Map<String, Object>) inst.get("devices");
            if (method.equals("PATCH")) {
                for (var it = body.path("devices").fields(); it.hasNext(); ) {
                    var e = it.next();
                    if (!e.getValue().has("type")) {
                        return Reply.fail(1, "Error: Invalid devices: Device validation failed for \"" + e.getKey() + "\": Missing device type in config");
                    }
                    devices.put(e.getKey(), json.convertValue(e.getValue(), TreeMap.class));
                }
                return Reply.ok("");
            }
            if (method.equals("PUT")) {
                devices.clear();
                body.path("devices").fields().forEachRemaining(e -> devices.put(e.getKey(), json.convertValue(e.getValue(), TreeMap.class)));
                Map<String, String> cfg = (Map<String, String>) inst.get("config");
                cfg.clear();
                body.path("config").fields().forEachRemaining(e -> cfg.put(e.getKey(), e.getValue().asText()));
                return Reply.ok("{\"status\":\"Success\"}");
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Reply.fail(1, "Error: unsupported " + method + " " + path);
    }
}
