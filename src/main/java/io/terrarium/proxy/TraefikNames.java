package io.terrarium.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Deterministic Traefik object names: {@code [a-z0-9-]} only, a readable slug plus a short hash of
 * the exact claim, so names never depend on a route's position in a label (reordering a label
 * keeps every name) and two claims that slug alike still get different names.
 */
public final class TraefikNames {

    /** Maximum length of the readable part. */
    static final int SLUG_MAX = 40;

    /**
     * Hex characters of SHA-256 kept: 16 = 64 bits (issue 14: ≥ 64 bits, so a collision cannot be
     * forced by trying label variants). The renderer still checks every name and turns a clash into an
     * error of the later instance ({@link TraefikDynamicRenderer#withoutNameClashes}).
     */
    static final int HASH_CHARS = 16;

    /** Hex characters actually used; tests lower it to force a collision. */
    static volatile int hashChars = HASH_CHARS;

    private TraefikNames() {
    }

    /**
     * {@code slug(readable) + "-" + hash(exactKey)}.
     *
     * @param readable any text; lower-cased, runs of other characters become one {@code -},
     *                 cut to {@value #SLUG_MAX} characters
     * @param exactKey the exact identity of the object (e.g. {@code http|web|app.example.com|/api})
     */
    public static String name(String readable, String exactKey) {
        return slug(readable) + "-" + hash(exactKey);
    }

    /** Lower-case {@code [a-z0-9-]} form of {@code text}; {@code x} when nothing remains. */
    public static String slug(String text) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), SLUG_MAX));
        boolean dash = false;
        for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                if (dash && sb.length() > 0) {
                    sb.append('-');
                }
                dash = false;
                sb.append(c);
                if (sb.length() >= SLUG_MAX) {
                    break;
                }
            } else {
                dash = true;
            }
        }
        return sb.length() == 0 ? "x" : sb.toString();
    }

    /** First {@value #HASH_CHARS} (64 bits) hex characters of SHA-256 of the UTF-8 bytes of {@code key}. */
    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, hashChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
