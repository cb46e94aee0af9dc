package io.terrarium.host.lxd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandResult;
import io.terrarium.host.exec.CommandRunner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * LXD's REST API through {@code lxc query} (DESIGN.md §2): JSON in and out, works for the local
 * socket and for remotes ({@code remote:} prefix). Every non-GET request carries {@code --wait}
 * (without it {@code lxc query} returns the still-running background operation, verified on LXD
 * 5.0.2), so a call returns after LXD finished and a failed operation is an error.
 *
 * <p>Paths are API paths such as {@code /1.0/instances?recursion=2&project=default}. Request bodies
 * are serialised with Jackson and passed with {@code --data}; they must never carry a secret
 * (LXD config is readable by every LXD admin, DESIGN.md §3).
 */
public final class LxdClient {
    /** Largest request body passed in argv, in bytes (Linux MAX_ARG_STRLEN is 128 KiB). */
    public static final int MAX_BODY_BYTES = 120 * 1024;

    private final CommandRunner runner;
    private final ObjectMapper json;
    private final String remote;
    private final Duration timeout;

    /**
     * @param runner  command seam
     * @param json    mapper for bodies and responses
     * @param remote  LXD remote name, or {@code null}/empty for the local daemon
     * @param timeout per-call timeout
     */
    public LxdClient(CommandRunner runner, ObjectMapper json, String remote, Duration timeout) {
        this.runner = runner;
        this.json = json;
        this.remote = remote == null ? "" : remote;
        this.timeout = timeout;
    }

    /** A client for the local daemon with a 60 s timeout. */
    public static LxdClient local(CommandRunner runner, ObjectMapper json) {
        return new LxdClient(runner, json, null, Duration.ofSeconds(60));
    }

    /** GET; returns the response metadata. @throws LxdException on an LXD error */
    public JsonNode get(String path) {
        return call("GET", path, null);
    }

    /** PUT (replace). @throws LxdException on an LXD error */
    public JsonNode put(String path, Object body) {
        return call("PUT", path, body);
    }

    /** PATCH (merge; for config maps only the given keys change). @throws LxdException on an LXD error */
    public JsonNode patch(String path, Object body) {
        return call("PATCH", path, body);
    }

    /** POST (create, or an action); waits for the operation. @throws LxdException on an LXD error */
    public JsonNode post(String path, Object body) {
        return call("POST", path, body);
    }

    /** DELETE; waits for the operation. @throws LxdException on an LXD error */
    public JsonNode delete(String path) {
        return call("DELETE", path, null);
    }

    /** The argv {@code lxc query} would run for this request (for logs and tests). */
    public List<String> argv(String method, String path, Object body) {
        if (!path.startsWith("/1.0")) {
            throw new IllegalArgumentException("LXD API path must start with /1.0: " + path);
        }
        List<String> args = new ArrayList<>();
        args.add("query");
        if (!"GET".equals(method)) {
            args.add("--request");
            args.add(method);
            args.add("--wait");
        }
        if (body != null) {
            String data;
            try {
                data = json.writeValueAsString(body);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("request body is not serialisable: " + e.getMessage(), e);
            }
            if (data.length() > MAX_BODY_BYTES) {
                throw new IllegalArgumentException("LXD request body is " + data.length()
                        + " bytes; the limit is " + MAX_BODY_BYTES + " bytes");
            }
            args.add("--data");
            args.add(data);
        }
        args.add(remote.isEmpty() ? path : remote + ":" + path);
        return args;
    }

    private JsonNode call(String method, String path, Object body) {
        Command cmd = new Command("lxc", argv(method, path, body), timeout, null, null);
        CommandResult r;
        try {
            r = runner.run(cmd);
        } catch (CommandFailedException e) {
            String err = e.stderrTail().strip();
            String lower = err.toLowerCase(Locale.ROOT);
            boolean notFound = lower.contains("not found");
            boolean unreachable = e.exitCode() == -1 || lower.contains("unix.socket")
                    || lower.contains("connection refused") || lower.contains("no such file or directory")
                    || lower.contains("lxd isn't running") || e.timedOut();
            String msg = "LXD " + method + " " + path + " failed: " + (err.isEmpty() ? e.getMessage() : err);
            throw new LxdException(msg, notFound, unreachable, e);
        }
        String out = r.stdout().strip();
        if (out.isEmpty()) {
            return MissingNode.getInstance();
        }
        try {
            return json.readTree(out);
        } catch (JsonProcessingException e) {
            throw new LxdException("LXD " + method + " " + path + " returned non-JSON output", false, false, e);
        }
    }
}
