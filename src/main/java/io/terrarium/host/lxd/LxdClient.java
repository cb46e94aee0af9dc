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
import java.util.Map;

/**
 * LXD's REST API through {@code lxc query} (DESIGN.md §2): JSON in and out, works for the local
 * socket and for remotes ({@code remote:} prefix). PUT, POST and DELETE pass {@code --wait}:
 * {@code lxc query} does not wait by default, and LXD 5.0 answers e.g. {@code PUT /1.0/instances/X}
 * with a background operation whose failure (a proxy device that cannot listen) would otherwise
 * be lost; with {@code --wait} the failure is the command's exit status. PATCH is left as it is:
 * LXD answers instance and project PATCHes synchronously (verified on 5.0.2: a busy proxy listen
 * address fails the PATCH itself).
 *
 * <p>Paths are API paths such as {@code /1.0/instances?recursion=2&project=default}. Request bodies
 * are serialised with Jackson; they must never carry a secret (LXD config is readable by every LXD
 * admin, DESIGN.md §3).
 *
 * <p>Two transports: on the local host, {@link #overSocket} talks HTTP over LXD's unix socket
 * ({@link LxdSocket}), so request bodies (instance configs with {@code environment.*} and
 * cloud-init, pool config) never appear in a process's argv, which every local user can read
 * (issue 14 item 6; {@code lxc query} 5.0 has no way to read {@code --data} from stdin: it sends
 * {@code -} as a JSON string). The {@code lxc query} transport remains for a named remote and for
 * tests with a recording command runner. Read-modify-write goes through {@link #update}, which
 * sends the ETag of the read as {@code If-Match} and retries on 412 (doc/rest-api.md "ETag").
 */
public final class LxdClient {
    /** Largest request body passed in argv, in bytes (Linux MAX_ARG_STRLEN is 128 KiB). */
    public static final int MAX_BODY_BYTES = 120 * 1024;

    private final CommandRunner runner;
    private final ObjectMapper json;
    private final String remote;
    private final Duration timeout;
    private final LxdSocket socket;

    /** How often {@link #update} re-reads and retries when LXD answers 412 (the object changed meanwhile). */
    public static final int MAX_PRECONDITION_RETRIES = 5;

    /**
     * @param runner  command seam
     * @param json    mapper for bodies and responses
     * @param remote  LXD remote name, or {@code null}/empty for the local daemon
     * @param timeout per-call timeout
     */
    public LxdClient(CommandRunner runner, ObjectMapper json, String remote, Duration timeout) {
        this(runner, json, remote, timeout, null);
    }

    private LxdClient(CommandRunner runner, ObjectMapper json, String remote, Duration timeout, LxdSocket socket) {
        this.runner = runner;
        this.json = json;
        this.remote = remote == null ? "" : remote;
        this.timeout = timeout;
        this.socket = socket;
    }

    /**
     * A client for the local daemon over its unix socket (no {@code lxc} process, no body in argv).
     *
     * @param socket  LXD's socket ({@link LxdSocket#locate})
     * @param json    mapper for bodies and responses
     * @param timeout per-call timeout (an operation is waited for within it)
     */
    public static LxdClient overSocket(LxdSocket socket, ObjectMapper json, Duration timeout) {
        return new LxdClient(null, json, null, timeout, socket);
    }

    /** Whether this client talks to LXD's unix socket (true) or runs {@code lxc query} (false). */
    public boolean usesSocket() {
        return socket != null;
    }

    /**
     * Whether this client reaches a named remote through the {@code lxc} CLI ({@code lxd.remote}):
     * there is no socket to send a body over, so callers that would send one use the CLI's own
     * verbs instead ({@link #deviceArgv}), never {@code lxc query --data} (issue 14 item 6).
     */
    public boolean remoteOverCli() {
        return socket == null && !remote.isEmpty();
    }

    /**
     * The argv (after {@code lxc}) that adds or removes one device of an instance on this client's
     * remote: {@code config device add <remote>:<instance> <device> <type> k=v… --project P} or
     * {@code config device remove <remote>:<instance> <device> --project P}. Only names and the
     * device's own keys (Terrarium's proxy devices: {@code listen}, {@code connect}, {@code bind})
     * appear; the instance's config ({@code environment.*}, cloud-init) is never read into or
     * written from argv: {@code lxc} reads the instance and writes it back with LXD's ETag itself.
     *
     * @param device device config including {@code type} for an add; {@code null} for a remove
     * @throws IllegalArgumentException for a key or value that could not be passed as one argument
     */
    public List<String> deviceArgv(String project, String instance, String name, Map<String, String> device) {
        List<String> args = new ArrayList<>(List.of("config", "device", device == null ? "remove" : "add",
                (remote.isEmpty() ? "" : remote + ":") + instance, name));
        if (device != null) {
            String type = device.get("type");
            if (type == null) {
                throw new IllegalArgumentException("device " + name + " has no type");
            }
            args.add(type);
            new java.util.TreeMap<>(device).forEach((k, v) -> {
                if (!"type".equals(k)) {
                    if (!k.matches("[a-z0-9][a-z0-9._-]{0,127}") || v.contains("\n")) {
                        throw new IllegalArgumentException("device " + name + ": " + k + " is not an LXD device key");
                    }
                    args.add(k + "=" + v);
                }
            });
        }
        args.add("--project");
        args.add(project);
        return args;
    }

    /**
     * Runs {@link #deviceArgv} through the command runner (the remote transport).
     *
     * @throws LxdException with lxc's error text
     */
    public void device(String project, String instance, String name, Map<String, String> device) {
        Command cmd = new Command("lxc", deviceArgv(project, instance, name, device), timeout, null, null);
        try {
            runner.run(cmd);
        } catch (CommandFailedException e) {
            String err = e.stderrTail().strip();
            throw new LxdException("lxc config device " + cmd.args().get(2) + " " + instance + " " + name + " failed: "
                    + (err.isEmpty() ? e.getMessage() : err), err.toLowerCase(Locale.ROOT).contains("not found"), e.timedOut(), e);
        }
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

    /**
     * Read-modify-write of an object with LXD's ETag (doc/rest-api.md "ETag"): GET it, let
     * {@code change} edit a copy of its metadata, PUT the result with {@code If-Match: <etag>}.
     * When LXD answers 412 (someone changed the object in between, e.g. {@code lxc config set}),
     * read again and re-apply {@code change}, up to {@value #MAX_PRECONDITION_RETRIES} times, so the
     * other writer's change is kept. {@code change} returns {@code null} when nothing is to be written.
     *
     * @param path   API path of the object
     * @param change builds the PUT body from the current metadata; may run more than once
     * @return whether a PUT was made
     * @throws LxdException on an LXD error, or 412 on every attempt
     */
    public boolean update(String path, java.util.function.Function<JsonNode, Object> change) {
        for (int attempt = 1; ; attempt++) {
            String[] etag = new String[1];
            JsonNode current = socket != null ? callSocket("GET", path, null, null, etag) : get(path);
            Object body = change.apply(current.deepCopy());
            if (body == null) {
                return false;
            }
            try {
                if (socket != null) {
                    callSocket("PUT", path, body, etag[0], null);
                } else {
                    put(path, body);
                }
                return true;
            } catch (LxdException e) {
                if (!e.preconditionFailed() || attempt >= MAX_PRECONDITION_RETRIES) {
                    throw e;
                }
            }
        }
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
            if (!"PATCH".equals(method)) {
                args.add("--wait");
            }
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
        if (socket != null) {
            return callSocket(method, path, body, null, null);
        }
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

    /**
     * One API call over the socket. LXD answers {@code {type: sync|async|error, metadata, operation,
     * error_code, error}} (doc/rest-api.md "Return values"); an async answer is waited for with
     * {@code GET <operation>/wait?timeout=<s>}, whose failure becomes the call's LxdException.
     */
    private JsonNode callSocket(String method, String path, Object body, String ifMatch, String[] etagOut) {
        if (!path.startsWith("/1.0")) {
            throw new IllegalArgumentException("LXD API path must start with /1.0: " + path);
        }
        byte[] data = null;
        if (body != null) {
            try {
                data = json.writeValueAsBytes(body);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("request body is not serialisable: " + e.getMessage(), e);
            }
        }
        JsonNode doc = exchange(method, path, data, ifMatch, etagOut);
        if ("async".equals(doc.path("type").asText())) {
            String op = doc.path("operation").asText("");
            if (op.isEmpty()) {
                return doc.path("metadata");
            }
            int q = op.indexOf('?');
            String wait = (q < 0 ? op : op.substring(0, q)) + "/wait" + (q < 0 ? "?" : op.substring(q) + "&")
                    + "timeout=" + Math.max(1, timeout.toSeconds());
            JsonNode result = exchange("GET", wait, null, null, null).path("metadata");
            String status = result.path("status").asText();
            if (!"Success".equals(status)) {
                String err = result.path("err").asText("");
                throw new LxdException("LXD " + method + " " + path + " failed: " + (err.isEmpty() ? "operation " + status : err),
                        err.toLowerCase(Locale.ROOT).contains("not found"), false, null, result.path("status_code").asInt(0));
            }
            return result.path("metadata");
        }
        return doc.path("metadata");
    }

    private JsonNode exchange(String method, String path, byte[] data, String ifMatch, String[] etagOut) {
        LxdSocket.Response r;
        try {
            r = socket.request(method, path, data, ifMatch, timeout);
        } catch (java.io.IOException e) {
            throw new LxdException("LXD " + method + " " + path + " failed: " + e.getMessage() + " (socket " + socket.path() + ")",
                    false, true, e);
        }
        JsonNode doc;
        try {
            doc = r.body().length == 0 ? MissingNode.getInstance() : json.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new LxdException("LXD " + method + " " + path + " returned non-JSON output (HTTP " + r.status() + ")", false, false, e);
        }
        if (r.status() >= 400 || "error".equals(doc.path("type").asText())) {
            int code = doc.path("error_code").asInt(r.status());
            String err = doc.path("error").asText("HTTP " + r.status());
            throw new LxdException("LXD " + method + " " + path + " failed: " + err, code == 404, false, null, code);
        }
        if (etagOut != null) {
            etagOut[0] = r.etag();
        }
        return doc;
    }
}
