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
 * ({@code user.<name>=<password>,<role>}). Without them any local user could call Camel operations
 * (such as sending to an {@code exec:} endpoint) on the loopback port; with them, only root (who can
 * read the file) can. Generated once, on the first daemon start; Hawtio users log in with them.
 *
 * @param user     user name ({@value #USER})
 * @param password random 256-bit hex password; never logged
 */
public record ManagementCredentials(String user, String password) {
    /** The single management user. */
    public static final String USER = "terrarium";

    /**
     * Reads the credentials, creating the file with a fresh random password when it is missing.
     *
     * @throws IOException when the file cannot be read or written
     */
    public static ManagementCredentials ensure(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            String pw = HexFormat.of().formatHex(raw);
            String doc = "# Terrarium daemon management (Jolokia) login; root only. Regenerate by deleting this file and restarting the daemon.\n"
                    + "user." + USER + "=" + pw + ",admin\nrole.admin=*\n";
            new SecretStore(file.getParent()).write(file.getFileName().toString(), doc.getBytes(StandardCharsets.UTF_8));
        }
        return read(file);
    }

    /**
     * Reads the credentials.
     *
     * @throws IOException when missing, unreadable (not root), or malformed
     */
    public static ManagementCredentials read(Path file) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(SecretStore.read(file)));
        String v = p.getProperty("user." + USER);
        if (v == null || v.isBlank()) {
            throw new IOException(file + " has no user." + USER + " entry");
        }
        int comma = v.indexOf(',');
        return new ManagementCredentials(USER, comma < 0 ? v : v.substring(0, comma));
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
