package io.terrarium.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where Terrarium keeps files on the host. Defaults follow the FHS; each can be moved with an
 * environment variable (used by tests and by non-standard installs).
 *
 * @param etcDir     {@code /etc/terrarium} ({@code TERRARIUM_ETC_DIR}): recovery copy of the config
 * @param secretsDir {@code <etc>/secrets} ({@code TERRARIUM_SECRETS_DIR}): root-only secret files (0700/0600)
 * @param runDir     {@code /run/terrarium} ({@code TERRARIUM_RUN_DIR}): daemon runtime file, host lock
 * @param stateDir   {@code /var/lib/terrarium} ({@code TERRARIUM_STATE_DIR}): job results, host facts
 */
public record TerrariumPaths(Path etcDir, Path secretsDir, Path runDir, Path stateDir) {

    /** Paths from the process environment. */
    public static TerrariumPaths fromEnvironment() {
        return from(System.getenv());
    }

    /** Paths from the given environment map (pure; for tests). */
    public static TerrariumPaths from(Map<String, String> env) {
        Path etc = Path.of(env.getOrDefault("TERRARIUM_ETC_DIR", "/etc/terrarium"));
        Path secrets = Path.of(env.getOrDefault("TERRARIUM_SECRETS_DIR", etc.resolve("secrets").toString()));
        Path run = Path.of(env.getOrDefault("TERRARIUM_RUN_DIR", "/run/terrarium"));
        Path state = Path.of(env.getOrDefault("TERRARIUM_STATE_DIR", "/var/lib/terrarium"));
        return new TerrariumPaths(etc, secrets, run, state);
    }

    /** Default path of the recovery copy written by {@code config export}. */
    public Path configFile() {
        return etcDir.resolve("config.yaml");
    }

    /** The host lock that serialises configuration updates. */
    public Path configLock() {
        return runDir.resolve("config.lock");
    }

    /** The running daemon's runtime file (pid, management port). */
    public Path daemonFile() {
        return runDir.resolve("daemon.json");
    }

    /** Basic-auth properties of the daemon's management endpoint (0600). */
    public Path managementAuthFile() {
        return secretsDir.resolve("management.properties");
    }
}
