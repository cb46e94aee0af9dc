package io.terrarium.proxy.sync;

import java.util.Set;
import java.util.SortedSet;

/** Test access to {@link TraefikRestart}'s package-private parser. */
public final class TraefikRestartAccess {
    private TraefikRestartAccess() {
    }

    /** {@link TraefikRestart#listening}. */
    public static SortedSet<String> listening(String ss, Set<Long> pids) {
        return TraefikRestart.listening(ss, pids);
    }

    /** {@link TraefikRestart#systemdUtc}. */
    public static java.time.Instant systemdUtc(String v) {
        return TraefikRestart.systemdUtc(v);
    }
}
