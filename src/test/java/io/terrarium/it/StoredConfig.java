package io.terrarium.it;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reads and restores the real stored configuration key in LXD's database, around tests that change it. */
final class StoredConfig {
    static final String KEY = "user.terrarium.config_b64";

    static String rawValue() throws Exception {
        var project = new ObjectMapper().readTree(Terrariumctl.sh("lxc", "query", "/1.0/projects/terrarium-system"));
        var v = project.path("config").path(KEY);
        return v.isMissingNode() ? null : v.asText();
    }

    static String yaml() throws Exception {
        String v = rawValue();
        return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
    }

    static void restore(String raw) throws Exception {
        if (raw == null) {
            Terrariumctl.sh("lxc", "project", "unset", "terrarium-system", KEY);
        } else {
            Terrariumctl.sh("lxc", "project", "set", "terrarium-system", KEY, raw);
        }
    }

    /**
     * Removes the stored document's signature ({@code user.terrarium.config_mac}): the state of a host
     * whose document was never signed. Each test has its own secrets directory, so a signature left by
     * an earlier test (made with that test's key) would not match the next test's key.
     */
    static void dropSignature() throws Exception {
        new ProcessBuilder("lxc", "project", "unset", "terrarium-system", "user.terrarium.config_mac")
                .redirectErrorStream(true).start().waitFor();
    }

    static void setYaml(String yaml) throws Exception {
        Terrariumctl.sh("lxc", "project", "set", "terrarium-system", KEY,
                Base64.getEncoder().encodeToString(yaml.getBytes(StandardCharsets.UTF_8)));
    }
}
