package io.terrarium.config;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What the CLI says of a state file that exists but cannot be used: empty, not JSON of the expected
 * shape, or not a file. Said as such, with the file and what to do, instead of "not collected yet" or
 * "no proxy sync has run yet" as if nothing had ever written it (tester, session 10). The file's
 * content is not repeated (untrusted, maybe large). For a file this user may not read see
 * {@link RootOnlyFile}.
 */
public final class DamagedFile {
    private DamagedFile() {
    }

    /**
     * E.g. {@code /var/lib/terrarium/host-facts.json is damaged (not host facts at line 1, column 7):
     * the next host-facts run rewrites it (terrariumctl jobs run host-facts)}, or for a file that cannot
     * be read at all (a directory in its place, an I/O error) {@code cannot read host facts …: Is a
     * directory; move it aside, then …}, since the run's atomic rename does not replace a directory.
     *
     * @param what     what the file holds, e.g. {@code host facts}
     * @param file     the file
     * @param e        what reading or parsing it threw (not an {@link java.nio.file.AccessDeniedException}:
     *                 {@link RootOnlyFile})
     * @param rewriter what writes the file anew, e.g. {@code the next host-facts run (terrariumctl jobs run host-facts)}
     */
    public static String describe(String what, Path file, IOException e, String rewriter) {
        String path = ConfigException.printable(file.toString());
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            String why = j instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException && j.getLocation() != null
                    && j.getLocation().getCharOffset() <= 0 && j.getMessage() != null && j.getMessage().startsWith("No content")
                    ? "empty"
                    : "not " + what + (j.getLocation() == null ? ""
                    : " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr());
            return path + " is damaged (" + why + "): " + rewriter + " rewrites it";
        }
        return "cannot read " + what + " " + path + ": " + ConfigException.printable(String.valueOf(e.getMessage()))
                + "; move it aside, then " + rewriter + " writes a new one";
    }
}
