package io.terrarium.daemon;

import io.terrarium.config.SecretStore;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;

/**
 * Basic-auth credentials of the daemon's Jolokia endpoint, in a root-only file (0600) under the
 * secrets directory, in the Vert.x property-file format that Camel's management server reads
 * ({@code user.<name>=<password>,<role>}; Camel Main only authenticates with it, it does not
 * authorise). Two logins: {@value #USER} (role {@value #ADMIN_ROLE}: start/stop routes and
 * triggers, run jobs) and {@value #VIEWER} (role {@value #VIEWER_ROLE}: read only, for watching);
 * {@link JolokiaGate} enforces the roles. Only root can read the file. Generated on the first daemon
 * start (the viewer line is added to an older file on the next start); Hawtio users log in with them.
 *
 * @param user     user name
 * @param password random 256-bit hex password; never logged
 */
public record ManagementCredentials(String user, String password) {
    /** The operator login (role {@value #ADMIN_ROLE}). */
    public static final String USER = "terrarium";
    /** The read-only login (role {@value #VIEWER_ROLE}). */
    public static final String VIEWER = "watcher";
    /** Role of {@link #USER}. */
    public static final String ADMIN_ROLE = "admin";
    /** Role of {@link #VIEWER}. */
    public static final String VIEWER_ROLE = "viewer";

    /**
     * Reads the credentials, creating the file with a fresh random password when it is missing.
     *
     * @throws IOException when the file cannot be read or written
     */
    public static ManagementCredentials ensure(Path file) throws IOException {
        if (!Files.exists(file)) {
            String doc = "# Terrarium daemon management (Jolokia) logins; root only. Regenerate by deleting this file and restarting the daemon.\n"
                    + "# " + USER + ": operator (" + ADMIN_ROLE + "); " + VIEWER + ": read only (" + VIEWER_ROLE + ")\n"
                    + "user." + USER + "=" + newPassword() + "," + ADMIN_ROLE + "\n"
                    + "user." + VIEWER + "=" + newPassword() + "," + VIEWER_ROLE + "\n"
                    + "role." + ADMIN_ROLE + "=*\nrole." + VIEWER_ROLE + "=read\n";
            new SecretStore(file.getParent()).write(file.getFileName().toString(), doc.getBytes(StandardCharsets.UTF_8));
        } else if (!properties(file).containsKey("user." + VIEWER)) {
            String doc = SecretStore.read(file) + "\n" + "user." + VIEWER + "=" + newPassword() + "," + VIEWER_ROLE
                    + "\nrole." + VIEWER_ROLE + "=read\n";
            new SecretStore(file.getParent()).write(file.getFileName().toString(), doc.getBytes(StandardCharsets.UTF_8));
        }
        return read(file);
    }

    private static String newPassword() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return HexFormat.of().formatHex(raw);
    }

    /**
     * Reads the operator login ({@value #USER}).
     *
     * @throws IOException when missing, unreadable (not root), or malformed
     */
    public static ManagementCredentials read(Path file) throws IOException {
        return read(file, USER);
    }

    /**
     * Reads one login.
     *
     * @param user {@value #USER} or {@value #VIEWER}
     * @throws IOException when missing, unreadable (not root), or without that user
     */
    public static ManagementCredentials read(Path file, String user) throws IOException {
        String v = properties(file).getProperty("user." + user);
        if (v == null || v.isBlank()) {
            throw new IOException(file + " has no user." + user + " entry (restart the daemon to add it)");
        }
        int comma = v.indexOf(',');
        return new ManagementCredentials(user, comma < 0 ? v : v.substring(0, comma));
    }

    /**
     * Every login's roles, from the {@code user.<name>=<password>,<role>…} lines.
     *
     * @return user name → roles (possibly empty)
     * @throws IOException when the file is missing or unreadable
     */
    public static java.util.Map<String, java.util.Set<String>> roles(Path file) throws IOException {
        java.util.Map<String, java.util.Set<String>> out = new java.util.TreeMap<>();
        Properties p = properties(file);
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("user.")) {
                String[] parts = p.getProperty(k).split(",");
                java.util.Set<String> roles = new java.util.TreeSet<>();
                for (int i = 1; i < parts.length; i++) {
                    if (!parts[i].isBlank()) {
                        roles.add(parts[i].trim());
                    }
                }
                out.put(k.substring("user.".length()), roles);
            }
        }
        return out;
    }

    /**
     * Every login (user → password), for a login service that checks them.
     *
     * @throws IOException when the file is missing or unreadable
     */
    public static java.util.Map<String, ManagementCredentials> all(Path file) throws IOException {
        java.util.Map<String, ManagementCredentials> out = new java.util.TreeMap<>();
        for (String u : roles(file).keySet()) {
            out.put(u, read(file, u));
        }
        return out;
    }

    private static Properties properties(Path file) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(SecretStore.read(file)));
        return p;
    }

    /** The value of an HTTP {@code Authorization} header. */
    public String authorizationHeader() {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ManagementCredentials[user=" + user + ", password=<hidden>]";
    }
}
