package io.terrarium.config;

import java.nio.file.Path;

/**
 * What the CLI says of a state file it may not read: the files under the state directory are
 * root's only (0600, {@link AtomicFiles#OWNER_ONLY}; docs/security.md), so a user who is not root
 * gets "permission denied" for a file that exists. Said as such, with what to do, instead of
 * "not collected yet" or "no proxy sync has run yet" (tester, session 10), in the wording of the
 * applied copy's warning ({@link AppliedConfig}).
 */
public final class RootOnlyFile {
    /** What to do about it. */
    public static final String RUN_AS_ROOT = "run terrariumctl as root, e.g. with sudo";

    private RootOnlyFile() {
    }

    /**
     * E.g. {@code cannot read host facts /var/lib/terrarium/host-facts.json: permission denied (the
     * file is root's only: run terrariumctl as root, e.g. with sudo)}.
     *
     * @param what what the file holds, e.g. {@code host facts}
     * @param file the file whose reading threw {@link java.nio.file.AccessDeniedException}
     */
    public static String unreadable(String what, Path file) {
        return "cannot read " + what + " " + ConfigException.printable(file.toString())
                + ": permission denied (the file is root's only: " + RUN_AS_ROOT + ")";
    }

    /**
     * E.g. {@code cannot read the job state in /var/lib/terrarium/jobs (results, pauses): permission
     * denied (the directory is root's only: run terrariumctl as root, e.g. with sudo)}: for files in a
     * directory of mode 0700 that this user may not search, so it cannot even tell whether they exist.
     *
     * @param what what the directory holds, e.g. {@code the job state}
     * @param dir  the directory whose search threw {@link java.nio.file.AccessDeniedException}
     */
    public static String unreadableDirectory(String what, Path dir) {
        return "cannot read " + what + " in " + ConfigException.printable(dir.toString())
                + ": permission denied (the directory is root's only: " + RUN_AS_ROOT + ")";
    }
}
