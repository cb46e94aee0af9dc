package io.terrarium.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Least privilege on the daemon's Jolokia endpoint (docs/architecture.md, "Management"): a Vert.x
 * handler in front of Jolokia that checks the HTTP basic login itself (401 without a valid one;
 * the logins and roles of {@link ManagementCredentials}), reads the JSON request and refuses with
 * HTTP 403 anything outside the allow-list. Every {@code exec} and
 * {@code write} that passes is logged with who, what and when (logger {@code io.terrarium.audit});
 * every refusal too. Camel Main authenticates but never authorises, and a Jolokia access policy
 * cannot tell users apart, hence this gate; the shipped {@code jolokia-access.xml} stays as a
 * second layer.
 *
 * <p>Allowed for every login (roles {@value ManagementCredentials#VIEWER_ROLE} and
 * {@value ManagementCredentials#ADMIN_ROLE}): {@code read}, {@code list}, {@code search},
 * {@code version}, and the read-only operations of {@link #READ_ONLY_OPERATION} on Camel, JVM and
 * Terrarium MBeans (route dumps and statistics that Hawtio's diagrams need), and the job MBean's
 * {@code progress} (a run's byte counts: it reads, and the CLI polls it several times a second).
 * Allowed only for {@value ManagementCredentials#ADMIN_ROLE}: route and consumer
 * start/stop/suspend/resume/reset ({@code org.apache.camel:type=routes|consumers}); Quartz trigger
 * and job pause/resume ({@code quartz:*}); the backlog tracer's switches
 * ({@code org.apache.camel:type=tracer}); the job MBean {@value JobControl#OBJECT_NAME}'s
 * {@code submit}, {@code submitAs}, {@code submitBefore}, {@code takenBefore} and {@code result}.
 * Refused for everyone: everything else, in particular {@code requestBody}/{@code sendBody}/every
 * {@code request*}/{@code send*} operation and endpoint creation (each reaches an arbitrary
 * endpoint such as {@code exec:}), the debugger (it evaluates expressions), writes to other
 * attributes, GET requests (Jolokia's URL form; clients use POST).
 */
public final class JolokiaGate implements Handler<RoutingContext> {
    private static final Logger AUDIT = LoggerFactory.getLogger("io.terrarium.audit");
    /**
     * Operation names (without signature) that only read: allowed to every login on {@link #READ_DOMAINS}.
     * Not {@code canSendToEndpoint}: Camel 4.17's implementation resolves the URI and creates a producer
     * for it ({@code getEndpoint(uri)} then {@code createProducer()}), i.e. endpoint creation for any URI.
     */
    static final Pattern READ_ONLY_OPERATION = Pattern.compile(
            "(dump|get|is|has|list|count|explain)[A-Z]\\w*|createRouteStaticEndpointJson|informationJson|findDeadlockedThreads");
    private static final Set<String> READ_DOMAINS = Set.of("org.apache.camel", "java.lang", "io.terrarium");
    private static final Set<String> LIFECYCLE = Set.of("start", "stop", "suspend", "resume", "reset");
    private static final Set<String> QUARTZ = Set.of("pauseTrigger", "resumeTrigger", "pauseJob", "resumeJob");
    private static final Set<String> TRACER = Set.of("clear", "setEnabled", "setStandby");
    private static final Set<String> JOB_OPS = Set.of("submit", "submitAs", "submitBefore", "takenBefore", "result");
    /**
     * Job MBean operations that only read, allowed to every login: {@code progress} returns a run's
     * byte counts and item names (what the job's result and the metrics show the read-only login
     * anyway), changes nothing and consumes nothing (unlike {@code result}, which hands a result over
     * once); a caller needs the run id that {@code submit} returned.
     */
    private static final Set<String> JOB_READ_OPS = Set.of("progress");
    private static final int MAX_LOGGED_ARG = 200;

    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Set<String>> roles;
    private final Map<String, byte[]> passwords = new java.util.HashMap<>();

    /**
     * @param logins the management logins, from {@link ManagementCredentials#all}
     * @param roles  user name → roles, from {@link ManagementCredentials#roles}
     */
    public JolokiaGate(Map<String, ManagementCredentials> logins, Map<String, Set<String>> roles) {
        this.roles = Map.copyOf(roles);
        logins.forEach((u, c) -> passwords.put(u, sha256(c.password())));
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The user of a valid {@code Authorization: Basic} header, else {@code null} (constant-time compare). */
    private String authenticate(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String pair;
        try {
            pair = new String(java.util.Base64.getDecoder().decode(header.substring(6).trim()), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = pair.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String user = pair.substring(0, colon);
        byte[] expected = passwords.get(user);
        byte[] given = sha256(pair.substring(colon + 1));
        return expected != null && java.security.MessageDigest.isEqual(expected, given) ? user : null;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String user = authenticate(ctx.request().getHeader("Authorization"));
        String addr = ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().host();
        if (user == null) {
            ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"Terrarium management\"").end();
            return;
        }
        String who = user + "@" + addr;
        Set<String> userRoles = roles.getOrDefault(user, Set.of());
        if (ctx.request().method() != HttpMethod.POST) {
            refuse(ctx, who, "Jolokia GET requests are refused; send a POST with a JSON request");
            return;
        }
        List<JsonNode> requests = new ArrayList<>();
        try {
            JsonNode body = ctx.body() == null || ctx.body().buffer() == null ? null : json.readTree(ctx.body().buffer().getBytes());
            if (body == null) {
                refuse(ctx, who, "empty request");
                return;
            }
            if (body.isArray()) {
                body.forEach(requests::add);
            } else {
                requests.add(body);
            }
        } catch (java.io.IOException e) {
            refuse(ctx, who, "the request is not JSON");
            return;
        }
        List<String> audited = new ArrayList<>();
        List<String> reads = new ArrayList<>();
        for (JsonNode r : requests) {
            String why = refusal(userRoles, r);
            if (why != null) {
                refuse(ctx, who, why + " [" + describe(r) + "]");
                return;
            }
            String type = r.path("type").asText("");
            if (type.equals("write") || (type.equals("exec") && !readOnly(r))) {
                audited.add(describe(r));
            } else if (type.equals("exec")) {
                reads.add(describe(r));
            }
        }
        for (String a : audited) {
            AUDIT.info("jolokia {} by {} at {}", a, who, Instant.now());
        }
        if (AUDIT.isDebugEnabled()) {
            // Hawtio polls route dumps every few seconds: read-only operations are logged at debug level
            reads.forEach(a -> AUDIT.debug("jolokia {} by {} at {}", a, who, Instant.now()));
        }
        ctx.next();
    }

    /**
     * Puts the gate in front of the Jolokia handler of Camel's management server: the route
     * Camel made for {@code <path>/*} is replaced by one, ordered before every other route of the
     * management router, that reads the body (at most 1 MiB), runs this gate, then Jolokia (on a
     * worker thread, in order, as Camel does). Call after the CamelContext started.
     *
     * @param camel the started context
     * @param port  the management port
     * @param path  Jolokia's path, e.g. {@code /observe/jolokia}
     * @throws IllegalStateException when Camel's Jolokia route or plugin is not found (the daemon
     *                               must not run with an ungated Jolokia)
     */
    public void install(org.apache.camel.CamelContext camel, int port, String path) {
        var router = org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.lookup(camel,
                org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.getRouterNameFromPort(port));
        var registry = camel.getCamelContextExtension().getContextPlugin(
                org.apache.camel.component.platform.http.spi.PlatformHttpPluginRegistry.class);
        if (router == null || registry == null) {
            throw new IllegalStateException("Camel's management server on port " + port + " has no router or plugin registry");
        }
        var plugin = registry.resolvePluginById(org.apache.camel.component.platform.http.plugin.JolokiaPlatformHttpPlugin.NAME,
                        org.apache.camel.component.platform.http.plugin.JolokiaPlatformHttpPlugin.class)
                .orElseThrow(() -> new IllegalStateException("Camel's Jolokia plugin is not loaded"));
        @SuppressWarnings("unchecked")
        Handler<RoutingContext> jolokia = (Handler<RoutingContext>) plugin.getHandler();
        List<io.vertx.ext.web.Route> old = router.getRoutes().stream()
                .filter(r -> (path + "/").equals(r.getPath()) || path.equals(r.getPath())).toList();
        if (old.isEmpty()) {
            throw new IllegalStateException("Camel's Jolokia route " + path + "/* not found");
        }
        old.forEach(io.vertx.ext.web.Route::remove);
        router.route(path + "/*").order(-1000).method(HttpMethod.GET).method(HttpMethod.POST)
                .handler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(1024 * 1024))
                .handler(this)
                .handler(new io.vertx.ext.web.impl.BlockingHandlerDecorator(jolokia, true));
    }

    /**
     * Puts a login check in front of other endpoints of Camel's management server (issue 14 item
     * 7: {@code /observe/metrics} and {@code /observe/info} tell a local user which jobs failed,
     * instance names and versions): a request without a valid management login (any role) gets
     * HTTP 401 before Camel's handler runs; with one it goes on unchanged. {@code /observe/health}
     * stays open. Call after the CamelContext started.
     *
     * @param camel the started context
     * @param port  the management port
     * @param paths exact paths, e.g. {@code /observe/metrics}; each also guards {@code <path>/*}
     * @throws IllegalStateException when the management router is not found
     */
    public void requireLogin(org.apache.camel.CamelContext camel, int port, List<String> paths) {
        var router = org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.lookup(camel,
                org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            throw new IllegalStateException("Camel's management server on port " + port + " has no router");
        }
        Handler<RoutingContext> login = ctx -> {
            if (authenticate(ctx.request().getHeader("Authorization")) == null) {
                ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"Terrarium management\"").end();
            } else {
                ctx.next();
            }
        };
        for (String path : paths) {
            router.route(path).order(-1001).handler(login);
            router.route(path + "/*").order(-1001).handler(login);
        }
    }

    private static void refuse(RoutingContext ctx, String who, String why) {
        AUDIT.warn("jolokia refused for {} at {}: {}", who, Instant.now(), why);
        ctx.response().setStatusCode(403).putHeader("Content-Type", "application/json")
                .end("{\"status\":403,\"error_type\":\"java.lang.SecurityException\",\"error\":"
                        + quote("refused by the Terrarium management policy: " + why) + "}");
    }

    private static String quote(String s) {
        try {
            return new ObjectMapper().writeValueAsString(s);
        } catch (Exception e) {
            return "\"refused\"";
        }
    }

    private static boolean readOnly(JsonNode r) {
        String op = r.path("operation").asText("");
        int paren = op.indexOf('(');
        String name = paren < 0 ? op : op.substring(0, paren);
        return READ_ONLY_OPERATION.matcher(name).matches() || jobRead(r.path("mbean").asText(""), name);
    }

    /** A read-only operation of the job MBean ({@link #JOB_READ_OPS}). */
    private static boolean jobRead(String mbean, String name) {
        try {
            return JOB_READ_OPS.contains(name) && new ObjectName(mbean).getCanonicalName().equals(canonical(JobControl.OBJECT_NAME));
        } catch (MalformedObjectNameException e) {
            return false;
        }
    }

    /**
     * Why one Jolokia request is refused for a login with these roles, or {@code null} when it is
     * allowed (pure; unit-tested).
     *
     * @param roles the caller's roles (empty: no access at all)
     * @param r     one Jolokia JSON request ({@code type}, {@code mbean}, {@code operation}, …)
     */
    static String refusal(Set<String> roles, JsonNode r) {
        boolean admin = roles.contains(ManagementCredentials.ADMIN_ROLE);
        if (!admin && !roles.contains(ManagementCredentials.VIEWER_ROLE)) {
            return "this login has no management role";
        }
        String type = r.path("type").asText("");
        switch (type) {
            case "read", "list", "search", "version":
                return null;
            case "exec", "write":
                break;
            default:
                return "request type \"" + type + "\" is not allowed";
        }
        ObjectName mbean;
        try {
            mbean = new ObjectName(r.path("mbean").asText(""));
        } catch (MalformedObjectNameException e) {
            return "malformed MBean name";
        }
        if (mbean.isPattern()) {
            return "exec and write need one MBean, not a pattern";
        }
        String domain = mbean.getDomain();
        String mtype = mbean.getKeyProperty("type");
        if (type.equals("write")) {
            if (admin && domain.equals("org.apache.camel") && "tracer".equals(mtype)) {
                return null;
            }
            return admin ? "writing attributes is allowed only on Camel's backlog tracer"
                    : "the read-only login cannot write attributes";
        }
        String op = r.path("operation").asText("");
        int paren = op.indexOf('(');
        String name = paren < 0 ? op : op.substring(0, paren);
        boolean readOnly = READ_DOMAINS.contains(domain) && READ_ONLY_OPERATION.matcher(name).matches()
                && !"debugger".equals(mtype) || jobRead(mbean.getCanonicalName(), name);
        if (readOnly) {
            return null;
        }
        if (!admin) {
            return "the read-only login cannot run operation " + name;
        }
        if (domain.equals("org.apache.camel") && ("routes".equals(mtype) || "consumers".equals(mtype)) && LIFECYCLE.contains(name)) {
            return null;
        }
        if (domain.equals("org.apache.camel") && "tracer".equals(mtype) && TRACER.contains(name)) {
            return null;
        }
        if (domain.equals("quartz") && QUARTZ.contains(name)) {
            return null;
        }
        if (mbean.getCanonicalName().equals(canonical(JobControl.OBJECT_NAME)) && JOB_OPS.contains(name)) {
            return null;
        }
        return "operation " + name + " on " + domain + (mtype == null ? "" : " type=" + mtype)
                + " is not allowed (it could reach an arbitrary endpoint or change the daemon); use the job MBean "
                + JobControl.OBJECT_NAME + " to run a job";
    }

    private static String canonical(String name) {
        try {
            return new ObjectName(name).getCanonicalName();
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "exec org.apache.camel:…/stop()" with arguments cut to a readable length. */
    static String describe(JsonNode r) {
        StringBuilder sb = new StringBuilder(r.path("type").asText("?")).append(' ').append(r.path("mbean").asText(""));
        if (r.has("operation")) {
            sb.append(" ").append(r.path("operation").asText());
            sb.append(" args=").append(cut(r.path("arguments").toString()));
        }
        if (r.has("attribute")) {
            sb.append(" ").append(r.path("attribute").asText()).append("=").append(cut(r.path("value").toString()));
        }
        return sb.toString().replaceAll("[\\r\\n]", " ");
    }

    private static String cut(String s) {
        return s.length() <= MAX_LOGGED_ARG ? s : s.substring(0, MAX_LOGGED_ARG) + "…";
    }
}
