package io.terrarium.host.ufw;

import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandRunner;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * UFW rules for published TCP/UDP ports (DESIGN.md §2): {@code ufw allow <port>/<proto> comment
 * terrarium-proxy}, {@code ufw delete allow <port>/<proto>}, and the rules Terrarium owns read
 * back from {@code ufw status} (lines ending in {@code # terrarium-proxy}; the IPv6 twin
 * {@code 5432/tcp (v6)} is the same rule: {@code ufw allow} adds both, {@code ufw delete allow}
 * removes both).
 */
public final class Ufw {
    /** Comment on every rule Terrarium adds; only such rules are ever deleted. */
    public static final String COMMENT = "terrarium-proxy";
    private static final Pattern RULE = Pattern.compile("^(\\d{1,5})/(tcp|udp)(?: \\(v6\\))?\\s+ALLOW(?: IN)?\\s+.*#\\s*"
            + COMMENT + "\\s*$");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final CommandRunner runner;

    /** @param runner command seam */
    public Ufw(CommandRunner runner) {
        this.runner = runner;
    }

    /** The state {@code ufw status} reports. */
    public record Status(boolean active, SortedSet<String> terrariumRules) {
    }

    /**
     * Runs {@code ufw status}.
     *
     * @return whether the firewall is active and the {@code <port>/<proto>} rules with the
     *         {@value #COMMENT} comment (empty when inactive: UFW lists no rules then)
     * @throws io.terrarium.host.exec.CommandFailedException when ufw fails
     */
    public Status status() {
        String out = runner.run(new Command("ufw", List.of("status"), TIMEOUT, null, null)).stdout();
        return parseStatus(out);
    }

    /** Parses {@code ufw status} output (pure). */
    public static Status parseStatus(String out) {
        boolean active = out.toLowerCase(Locale.ROOT).contains("status: active");
        SortedSet<String> rules = new TreeSet<>();
        for (String line : out.split("\n")) {
            Matcher m = RULE.matcher(line.strip());
            if (m.matches()) {
                rules.add(Integer.parseInt(m.group(1)) + "/" + m.group(2));
            }
        }
        return new Status(active, rules);
    }

    /** {@code ufw allow <rule> comment terrarium-proxy}; @param rule e.g. {@code 5432/tcp} */
    public void allow(String rule) {
        runner.run(new Command("ufw", List.of("allow", check(rule), "comment", COMMENT), TIMEOUT, null, null));
    }

    /** {@code ufw delete allow <rule>}; @param rule e.g. {@code 5432/tcp} */
    public void delete(String rule) {
        runner.run(new Command("ufw", List.of("delete", "allow", check(rule)), TIMEOUT, null, null));
    }

    private static String check(String rule) {
        if (!rule.matches("\\d{1,5}/(tcp|udp)")) {
            throw new IllegalArgumentException("not a UFW port rule: " + rule);
        }
        return rule;
    }
}
