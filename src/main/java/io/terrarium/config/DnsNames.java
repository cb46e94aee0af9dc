package io.terrarium.config;

import java.util.Locale;

/**
 * The one host-name rule, shared by the configuration ({@code domains.*}, e-mail domains) and the
 * {@code user.proxy} label parser: a fully qualified DNS name of
 *
 * <ul>
 *   <li>letters, digits and {@code -} in labels of 1–63 characters that neither start nor end with
 *       {@code -}, labels separated by single dots, at most 253 characters, no trailing dot (RFC 1123
 *       §2.1, which relaxed RFC 952 to allow a leading digit; RFC 1035 §2.3.4 for the lengths);</li>
 *   <li>at least two labels, the last one not all digits: IP addresses and single-label names are
 *       refused because Traefik routes HTTP by host name and Let's Encrypt certifies neither;</li>
 *   <li>case-insensitive (RFC 4343; Traefik's {@code Host} matcher ignores case too): names are
 *       compared and stored in their lower-case {@link #canonical} form, so {@code App.Example.com}
 *       and {@code app.example.com} are one name — for ownership and reserved names as well.</li>
 * </ul>
 *
 * No underscores (not valid in host names, and a certificate for one is refused) and no
 * internationalised form other than its ASCII {@code xn--} spelling.
 */
public final class DnsNames {
    private DnsNames() {
    }

    /**
     * What is wrong with a host name, or {@code null} when it follows the rule. The text reads after
     * the quoted name, e.g. {@code has a label longer than 63 characters}.
     */
    public static String problem(String name) {
        if (name == null || !name.matches("[A-Za-z0-9.-]+")) {
            return "is not a valid DNS name (letters, digits, '-' and '.' only)";
        }
        if (name.length() > 253) {
            return "is longer than 253 characters";
        }
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty()) {
                return "has an empty label (no leading, trailing or double dots)";
            }
            if (label.length() > 63) {
                return "has a label longer than 63 characters";
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return "has a label starting or ending with '-'";
            }
        }
        if (labels.length < 2) {
            return "is not a fully qualified name (at least two labels, e.g. app.example.com)";
        }
        if (labels[labels.length - 1].matches("[0-9]+")) {
            return "is an IP address or ends in a numeric label (use a DNS name: Traefik routes "
                    + "by host name and Let's Encrypt does not certify IP addresses)";
        }
        return null;
    }

    /** Whether a name follows the rule (any letter case). */
    public static boolean isHostName(String name) {
        return problem(name) == null;
    }

    /** The lower-case form names are stored and compared in; {@code null} stays {@code null}. */
    public static String canonical(String name) {
        return name == null ? null : name.toLowerCase(Locale.ROOT);
    }
}
