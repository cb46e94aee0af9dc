package io.terrarium.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The configuration the host was last applied with (issue 14 item 8): a root-only copy
 * ({@code <stateDir>/applied-config.yaml}, 0600, written atomically) that {@code reconfigure},
 * {@code install} and every {@code set …} without {@code --no-apply} record, and that the proxy sync
 * renders Traefik's files from. A {@code set … --no-apply} stores the new document in LXD but does
 * not touch this copy, so nothing of it reaches Traefik until {@code terrariumctl reconfigure}.
 * Without the copy (hosts applied before this release) the stored document is used, as before;
 * the first {@code set … --no-apply} then records the document it replaces. The copy is a local
 * root-only file, so it is trusted like the secrets directory; it is parsed and validated with the
 * same codec as the stored one.
 */
public final class AppliedConfig {
    /** File name in the state directory. */
    public static final String FILE = "applied-config.yaml";
    private static final Logger LOG = LoggerFactory.getLogger(AppliedConfig.class);

    private final Path file;
    private final ConfigCodec codec;

    /**
     * @param stateDir e.g. {@code /var/lib/terrarium}
     * @param codec    the codec that validates documents (with this host's secrets directory)
     */
    public AppliedConfig(Path stateDir, ConfigCodec codec) {
        this.file = stateDir.resolve(FILE);
        this.codec = codec;
    }

    /** The copy's path. */
    public Path file() {
        return file;
    }

    /** Whether a copy was recorded. */
    public boolean exists() {
        return Files.isRegularFile(file);
    }

    /**
     * Records {@code applied} as what the host runs with (0600, atomic; the state directory is
     * created when missing).
     *
     * @throws IOException when the state directory cannot be written
     */
    public void record(TerrariumConfig applied) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] yaml = codec.write(applied).getBytes(StandardCharsets.UTF_8);
        if (!AtomicFiles.sameContent(file, yaml)) {
            AtomicFiles.write(file, yaml, AtomicFiles.OWNER_ONLY);
        }
    }

    /**
     * The document the proxy sync renders from: the recorded copy, or {@code stored} when there is
     * none. A copy that cannot be read or no longer validates is reported (one WARN line,
     * {@link #unusable}) and {@code stored} is used, so a damaged file never stops every route update.
     *
     * @param stored the document stored in LXD
     */
    public TerrariumConfig effective(TerrariumConfig stored) {
        if (!exists()) {
            return stored;
        }
        try {
            return codec.parse(readCopy(), file.toString());
        } catch (IOException | ConfigException e) {
            LOG.warn("{}", unusable(file, e));
            return stored;
        }
    }

    /**
     * The copy's text, read without following a symbolic link: terrariumctl writes it as a regular file
     * (0600), and a link there made the WARN quote lines of the file it pointed to (tester, session 11:
     * a link to /etc/shadow put its first line in the message as an "unknown key").
     *
     * @throws java.nio.file.FileSystemException "it is a symbolic link, not read …" for a link; as
     *         {@link Files#readString} otherwise
     */
    private String readCopy() throws IOException {
        if (Files.isSymbolicLink(file)) {
            throw new java.nio.file.FileSystemException(file.toString(), null,
                    "it is a symbolic link, not read (terrariumctl writes a regular file there: remove the link)");
        }
        try (var in = Files.newInputStream(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(in.readAllBytes())).toString();
        }
    }

    /**
     * Why the recorded copy cannot be used ({@link #unusable}'s text), or empty when there is none or it
     * reads and validates. Logs nothing: for a caller that shows it to the user itself ({@code status}'s
     * config row, which the daemon may be serving: its log lines go to the daemon's log).
     */
    public java.util.Optional<String> problem() {
        if (!exists()) {
            return java.util.Optional.empty();
        }
        try {
            codec.parse(readCopy(), file.toString());
            return java.util.Optional.empty();
        } catch (IOException | ConfigException e) {
            return java.util.Optional.of(unusable(file, e));
        }
    }

    /**
     * The WARN line for a copy at {@code file} that cannot be used: the file once, why, and what to
     * do, e.g. {@code cannot read the applied configuration /var/lib/terrarium/applied-config.yaml:
     * permission denied (the copy is root's only: run terrariumctl as root, e.g. with sudo)} or
     * {@code the applied configuration … is not valid (…); using the configuration stored in LXD until
     * `terrariumctl reconfigure` records a new copy}. The exception's own message is not appended as
     * it is: an {@link java.nio.file.AccessDeniedException}'s is the path, and each
     * {@link ConfigException} problem starts with it, so the line named the path twice (tester,
     * session 9: a non-root {@code status}).
     *
     * @param file the copy's path
     * @param e    what reading or validating it threw
     */
    static String unusable(Path file, Exception e) {
        String name = ConfigException.printable(file.toString());
        String read = "cannot read the applied configuration " + name + ": ";
        String stored = "; using the configuration stored in LXD";
        String untilReconfigure = stored + " until `terrariumctl reconfigure` records a new copy";
        if (e instanceof java.nio.file.AccessDeniedException) {
            // no "using the stored one" here: a user who may not read the copy may not read LXD either
            return read + "permission denied (the copy is root's only: " + RootOnlyFile.RUN_AS_ROOT + ")";
        }
        if (e instanceof ConfigException ce) {
            String source = name + ": ";
            return "the applied configuration " + name + " is not valid ("
                    + String.join("; ", ce.problems().stream().map(p -> p.startsWith(source) ? p.substring(source.length()) : p).toList())
                    + ")" + untilReconfigure;
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return read + "it is not UTF-8 text" + untilReconfigure;
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return read + "it was removed while being read" + stored;
        }
        String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : e.getMessage() == null || e.getMessage().equals(file.toString()) ? e.getClass().getSimpleName() : e.getMessage();
        return read + ConfigException.printable(why) + stored;
    }

    /**
     * Whether {@code stored} holds changes the host was not applied with (stored with
     * {@code --no-apply}): a copy exists and differs from it in a section the proxy sync renders
     * from the copy ({@code domains}, {@code emails}, {@code lxd}, {@code proxy}, {@code idp},
     * {@code dns}). The other sections ({@code s3}, {@code backups}, {@code daemon}, …) are read
     * from the stored document by their jobs at each run, so a difference there is not pending
     * (the README's main command stores {@code set s3 --no-apply} and must report a clean status).
     */
    public boolean pending(TerrariumConfig stored) {
        return exists() && !codec.write(routeView(effective(stored))).equals(codec.write(routeView(stored)));
    }

    /** The sections of {@code c} that reach Traefik through the proxy sync; the rest defaulted. */
    static TerrariumConfig routeView(TerrariumConfig c) {
        return new TerrariumConfig(c.version(), c.installationId(), c.domains(), c.emails(), c.lxd(), c.zfs(), null, null,
                c.proxy(), null, c.idp(), null, c.dns(), null);
    }
}
