package io.terrarium.config;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Authenticates the configuration stored in LXD with a key only root can read
 * (docs/security.md "The stored configuration"): HMAC-SHA256 (JDK {@code javax.crypto}, RFC 2104)
 * over a fixed label and the exact YAML bytes, keyed with 32 random bytes kept hex-encoded in
 * {@code <secrets>/}{@value #KEY_FILE} (0600 in the 0700 secrets directory). Whoever can write the
 * LXD project but not that file cannot produce a document this host accepts.
 *
 * <p>The key is created by {@code terrariumctl install} and {@code config import} (the operator's
 * explicit acts of trust). A host without the key (an installation older than this check) accepts
 * unsigned documents and relies on {@link ConfigValidator}'s limits alone.
 */
public final class ConfigSignature {
    /** File name of the key in the secrets directory. */
    public static final String KEY_FILE = "config-hmac.key";
    /** LXD project config key holding the signature of {@link LxdConfigStore#KEY}'s document. */
    public static final String MAC_KEY = "user.terrarium.config_mac";
    private static final String PREFIX = "hmac-sha256:";
    private static final byte[] LABEL = "terrarium-config-v1\n".getBytes(StandardCharsets.UTF_8);

    private final Path secretsDir;

    /** @param secretsDir the host's secrets directory ({@code /etc/terrarium/secrets}) */
    public ConfigSignature(Path secretsDir) {
        this.secretsDir = secretsDir;
    }

    /** The key file, {@code <secrets>/config-hmac.key}. */
    public Path keyFile() {
        return secretsDir.resolve(KEY_FILE);
    }

    /** Whether this host has a key, i.e. whether stored documents must carry a valid signature. */
    public boolean enabled() {
        return Files.exists(keyFile());
    }

    /**
     * Creates the key when it does not exist yet (32 bytes from {@link SecureRandom}, written 0600
     * before its first byte by {@link SecretStore}).
     *
     * @return true when a key was created
     * @throws IOException when the key cannot be written (e.g. not root)
     */
    public boolean ensureKey() throws IOException {
        if (enabled()) {
            return false;
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        new SecretStore(secretsDir).write(KEY_FILE, HexFormat.of().formatHex(key).getBytes(StandardCharsets.US_ASCII));
        return true;
    }

    /**
     * The signature of a document: {@code hmac-sha256:<base64>}.
     *
     * @param document the exact bytes stored (UTF-8 YAML)
     * @throws ConfigException when the key cannot be read (message names the file, never its content)
     */
    public String sign(byte[] document) {
        return PREFIX + Base64.getEncoder().encodeToString(mac(document));
    }

    /**
     * Checks a stored signature.
     *
     * @param document  the stored bytes
     * @param signature the stored signature, {@code null} when absent
     * @param source    where the document came from, for the message
     * @throws ConfigException saying why the document is refused and how to recover
     */
    public void verify(byte[] document, String signature, String source) {
        String recover = "; nothing in it is used. If you trust its content, review it and store it with "
                + "`terrariumctl config import --file FILE` (as root), or restore the recovery copy "
                + "(`terrariumctl config import --file /etc/terrarium/config.yaml`)";
        if (signature == null || signature.isEmpty()) {
            throw new ConfigException(source + ": the stored configuration carries no signature (" + MAC_KEY
                    + "), but this host signs its configuration with " + keyFile()
                    + ": it was written outside terrariumctl (e.g. with `lxc project set`)" + recover);
        }
        byte[] given;
        try {
            given = signature.startsWith(PREFIX) ? Base64.getDecoder().decode(signature.substring(PREFIX.length())) : null;
        } catch (IllegalArgumentException e) {
            given = null;
        }
        if (given == null || !MessageDigest.isEqual(given, mac(document))) {
            throw new ConfigException(source + ": the stored configuration's signature (" + MAC_KEY
                    + ") does not match this host's key " + keyFile()
                    + ": the document was changed outside terrariumctl (e.g. with `lxc project set`)" + recover);
        }
    }

    private byte[] mac(byte[] document) {
        byte[] key;
        try {
            key = HexFormat.of().parseHex(SecretStore.read(keyFile()).strip());
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read the configuration key " + keyFile() + ": "
                    + (e instanceof IOException ? e.getMessage() : "it is not hex") + " (terrariumctl must run as root)");
        }
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(LABEL);
            return m.doFinal(document);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
