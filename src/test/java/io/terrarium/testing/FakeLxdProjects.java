package io.terrarium.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.host.exec.Command;
import io.terrarium.testing.RecordingCommandRunner.Reply;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A tiny in-memory stand-in for LXD's project endpoints, for unit tests of the config store's
 * logic (the real store is tested against real LXD in LxdConfigStoreIT). Supports GET, POST, PUT and
 * PATCH; like LXD 5.0.2, PATCH replaces the whole config map.
 */
public final class FakeLxdProjects implements Function<Command, Reply> {
    private final ObjectMapper json = new ObjectMapper();
    public final Map<String, Map<String, String>> projects = new ConcurrentHashMap<>();

    @Override
    public Reply apply(Command c) {
        List<String> a = c.args();
        String method = a.contains("--request") ? a.get(a.indexOf("--request") + 1) : "GET";
        String path = a.get(a.size() - 1);
        String data = a.contains("--data") ? a.get(a.indexOf("--data") + 1) : null;
        try {
            synchronized (this) {
                if (method.equals("POST") && path.equals("/1.0/projects")) {
                    JsonNode b = json.readTree(data);
                    projects.putIfAbsent(b.get("name").asText(), new TreeMap<>());
                    return Reply.ok("");
                }
                if (!path.startsWith("/1.0/projects/")) {
                    return Reply.fail(1, "Error: not found"); // only projects are faked (status asks for /1.0 too)
                }
                String name = path.substring("/1.0/projects/".length());
                Map<String, String> cfg = projects.get(name);
                if (cfg == null) {
                    return Reply.fail(1, "Error: Project not found");
                }
                if (method.equals("GET")) {
                    Thread.sleep(2); // widen the read-modify-write window
                    return Reply.ok(json.writeValueAsString(Map.of("name", name, "config", cfg)));
                }
                if (method.equals("PATCH") || method.equals("PUT")) {
                    // as LXD 5.0.2 does: the config map in the body replaces the whole map
                    JsonNode body = json.readTree(data);
                    if (body.has("config")) {
                        cfg.clear();
                        body.path("config").fields().forEachRemaining(e -> cfg.put(e.getKey(), e.getValue().asText()));
                    }
                    return Reply.ok("");
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Reply.fail(1, "Error: unsupported");
    }
}
