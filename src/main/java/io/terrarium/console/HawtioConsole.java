package io.terrarium.console;

import io.terrarium.daemon.ManagementCredentials;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.security.Credential;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Hawtio 4 ({@code io.hawt:hawtio-war}) on an embedded Jetty 12 (ee10) in the CLI's JVM, bound to
 * 127.0.0.1, already connected to the daemon (docs/architecture.md, "Console"). The daemon stays
 * lean: it serves only Jolokia; the console is a separate, short-lived process of whoever runs
 * {@code terrariumctl console}.
 *
 * <ul>
 *   <li>Login: HTTP basic on every path, checked against the management logins
 *       ({@link ManagementCredentials}: {@value ManagementCredentials#USER} operator,
 *       {@value ManagementCredentials#VIEWER} read only). Hawtio's own login is off.</li>
 *   <li>Connection: {@code /hawtio/jolokia} is forwarded to the daemon's Jolokia with the
 *       browser's login ({@link JolokiaForward}); Hawtio's own agent and proxy are not used.</li>
 *   <li>Offline: the war is unpacked into a private directory and Hawtio's Monaco loader (the
 *       Source and Send editors) is pointed at a local copy of {@code monaco-editor} (the webjar
 *       shipped in {@code lib/hawtio/}) instead of {@value #MONACO_CDN}.</li>
 * </ul>
 * Hawtio settings (system properties, Hawtio 4 "Configuration properties"):
 * {@code hawtio.authenticationEnabled=false}, {@code hawtio.offline=true},
 * {@code hawtio.disableProxy=true}, {@code hawtio.proxyAllowlist=localhost,127.0.0.1}.
 */
public final class HawtioConsole implements AutoCloseable {
    /** Where Hawtio 4.2.0's Monaco loader fetches the editor from by default. */
    static final String MONACO_CDN = "https://cdn.jsdelivr.net/npm/monaco-editor@0.43.0/min/vs";
    /** Context path of Hawtio. */
    public static final String CONTEXT_PATH = "/hawtio";
    private static final String REALM = "Terrarium management";

    private final Server server;
    private final Path workDir;

    private HawtioConsole(Server server, Path workDir) {
        this.server = server;
        this.workDir = workDir;
    }

    /**
     * Unpacks Hawtio and starts Jetty.
     *
     * @param hawtioWar  {@code lib/hawtio/hawtio-war.war}
     * @param monacoJar  {@code lib/hawtio/monaco-editor.jar} (webjar)
     * @param jolokiaUrl the daemon's Jolokia URL, e.g. {@code http://127.0.0.1:876/observe/jolokia}
     * @param authFile   the root-only management logins
     * @param port       port on 127.0.0.1, 0 for a free one
     * @return the running console
     * @throws IOException when a file is missing or unreadable, or the port is taken
     */
    public static HawtioConsole start(Path hawtioWar, Path monacoJar, String jolokiaUrl, Path authFile, int port) throws Exception {
        for (Path p : new Path[]{hawtioWar, monacoJar}) {
            if (!Files.isRegularFile(p)) {
                throw new IOException(p + " is missing: the release ships it in lib/hawtio/ (reinstall terrarium)");
            }
        }
        Map<String, ManagementCredentials> logins = ManagementCredentials.all(authFile);
        Map<String, Set<String>> roles = ManagementCredentials.roles(authFile);
        System.setProperty("hawtio.authenticationEnabled", "false");
        System.setProperty("hawtio.offline", "true");
        System.setProperty("hawtio.disableProxy", "true");
        System.setProperty("hawtio.proxyAllowlist", "localhost,127.0.0.1");

        Path work = Files.createTempDirectory("terrarium-console-");
        Path webapp = work.resolve("hawtio");
        try {
            unzip(hawtioWar, webapp, "");
            // under static/: Hawtio answers every other unknown path with its index.html (client-side routes)
            unzip(monacoJar, webapp.resolve("static/monaco"), monacoPrefix(monacoJar));
            int patched = pointMonacoAtLocalCopy(webapp.resolve("static/js"), CONTEXT_PATH + "/static/monaco/vs");
            if (patched == 0) {
                throw new IOException("Hawtio's Monaco loader (" + MONACO_CDN + ") not found in " + hawtioWar
                        + ": this Hawtio version is not the one terrarium was built with");
            }

            Server server = new Server();
            ServerConnector http = new ServerConnector(server);
            http.setHost("127.0.0.1");
            http.setPort(port);
            server.addConnector(http);

            WebAppContext ctx = new WebAppContext();
            ctx.setContextPath(CONTEXT_PATH);
            ctx.setWar(webapp.toString());
            ctx.setTempDirectory(Files.createDirectories(work.resolve("jetty")).toFile());
            ctx.setThrowUnavailableOnStartupException(true);
            // the war brings its own Jolokia; the daemon's (on our class path) must stay out of its sight
            ctx.addHiddenClassMatcher(new org.eclipse.jetty.util.ClassMatcher("org.jolokia."));
            ctx.addFilter(new FilterHolder(new JolokiaForward(jolokiaUrl)), "/jolokia/*", EnumSet.of(DispatcherType.REQUEST));
            ctx.setSecurityHandler(security(logins, roles));
            server.setHandler(ctx);
            server.start();
            return new HawtioConsole(server, work);
        } catch (Exception e) {
            deleteTree(work);
            throw e;
        }
    }

    private static ConstraintSecurityHandler security(Map<String, ManagementCredentials> logins, Map<String, Set<String>> roles) {
        UserStore users = new UserStore();
        logins.forEach((u, c) -> users.addUser(u, Credential.getCredential(c.password()),
                roles.getOrDefault(u, Set.of()).toArray(String[]::new)));
        HashLoginService login = new HashLoginService(REALM);
        login.setUserStore(users);
        ConstraintMapping all = new ConstraintMapping();
        all.setPathSpec("/*");
        all.setConstraint(Constraint.from(ManagementCredentials.ADMIN_ROLE, ManagementCredentials.VIEWER_ROLE));
        ConstraintSecurityHandler sec = new ConstraintSecurityHandler();
        sec.setAuthenticator(new BasicAuthenticator());
        sec.setRealmName(REALM);
        sec.setLoginService(login);
        sec.addConstraintMapping(all);
        return sec;
    }

    /** The port Jetty listens on. */
    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The console's URL, e.g. {@code http://127.0.0.1:41234/hawtio/}. */
    public String url() {
        return "http://127.0.0.1:" + port() + CONTEXT_PATH + "/";
    }

    /** Blocks until Jetty stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    /** Stops Jetty and deletes the unpacked files. */
    @Override
    public void close() throws Exception {
        try {
            server.stop();
        } finally {
            deleteTree(workDir);
        }
    }

    /**
     * Replaces the Monaco CDN URL in Hawtio's script chunks with a local path.
     *
     * @return how many files were changed
     */
    static int pointMonacoAtLocalCopy(Path jsDir, String localVs) throws IOException {
        int n = 0;
        try (Stream<Path> files = Files.list(jsDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".js")).toList()) {
                String s = Files.readString(f, StandardCharsets.UTF_8);
                if (s.contains(MONACO_CDN)) {
                    Files.writeString(f, s.replace(MONACO_CDN, localVs), StandardCharsets.UTF_8);
                    n++;
                }
            }
        }
        return n;
    }

    private static String monacoPrefix(Path jar) throws IOException {
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(jar))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                int i = e.getName().indexOf("/min/vs/loader.js");
                if (e.getName().startsWith("META-INF/resources/webjars/monaco-editor/") && i > 0) {
                    return e.getName().substring(0, i + "/min/".length());
                }
            }
        }
        throw new IOException(jar + " holds no monaco-editor min/vs/loader.js");
    }

    /** Unpacks the entries under {@code prefix} into {@code dir}, refusing paths that leave it. */
    private static void unzip(Path zip, Path dir, String prefix) throws IOException {
        Path root = Files.createDirectories(dir).toRealPath();
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                if (!e.getName().startsWith(prefix) || e.getName().length() == prefix.length()) {
                    continue;
                }
                Path out = root.resolve(e.getName().substring(prefix.length())).normalize();
                if (!out.startsWith(root)) {
                    throw new IOException(zip + " has an entry outside its directory: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(z, out);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
