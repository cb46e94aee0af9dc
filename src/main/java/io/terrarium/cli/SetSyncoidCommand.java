package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl set syncoid --enable|--disable [--target U@H] [--target-dataset DS] [--ssh-key PATH]
 * [--ssh-port N] [--known-hosts PATH]}. Options not given keep their stored value. The key file must
 * exist, be a regular file and not be readable by group or others (the ssh client refuses such
 * keys too); its content is never read into the configuration. With {@code --enable} the target is
 * checked over SSH first ({@link io.terrarium.host.sanoid.Syncoid#reachability}); a failure exits 1
 * and stores nothing, unless {@code --no-check}/{@code --force}.
 */
@Command(name = "syncoid", description = {"Configure replication with syncoid to a second server over SSH.",
        "Only the key's path is stored. The key must exist and must not be group- or world-readable (chmod 600).",
        "Options not given keep their stored value.",
        "With --enable the target is checked first (ssh in batch mode with the key, port and known hosts given, then",
        "`zfs list` of the target dataset there); when that fails the command exits 1 and nothing is stored (--no-check skips it).",
        "Stores the change, then re-applies the host: Ansible without the hardening role, then the proxy sync (--no-apply: store only)."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl set syncoid --enable --target backup@mirror.example.com \\", "      --target-dataset tank/terrarium --ssh-key /root/.ssh/terrarium-syncoid",
                "  terrariumctl set syncoid --enable --ssh-port 2222 \\", "      --known-hosts /etc/terrarium/mirror.known_hosts",
                "  terrariumctl set syncoid --disable"})
public final class SetSyncoidCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    ApplyOptions apply;

    static final class Toggle {
        @Option(names = "--enable", required = true, description = "Turn replication on.")
        boolean enable;
        @Option(names = "--disable", required = true, description = "Turn replication off (settings are kept).")
        boolean disable;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Toggle toggle;

    @Option(names = "--target", paramLabel = "USER@HOST", description = "Receiving server.")
    String target;

    @Option(names = "--target-dataset", paramLabel = "DATASET", description = "Parent dataset on the target; containers go to DATASET/<name>.")
    String targetDataset;

    @Option(names = "--ssh-key", paramLabel = "PATH", description = "Private key file (absolute path, mode 0600 or stricter).")
    String sshKey;

    @Option(names = "--ssh-port", paramLabel = "PORT", description = "SSH port (default 22).")
    Integer sshPort;

    @Option(names = "--known-hosts", paramLabel = "PATH", description = "known_hosts file pinning the target's host key.")
    String knownHosts;

    @Option(names = {"--no-check", "--force"}, description = "Store without first checking that the target answers over SSH "
            + "(for a target that is not up yet).")
    boolean noCheck;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        if (sshKey != null) {
            checkKey(Path.of(sshKey));
        }
        if (toggle.enable && !noCheck) {
            // the same check as `set s3`: an unreachable target is refused before anything is stored
            TerrariumConfig.Syncoid old = app.configStore().load().config().backups().syncoid();
            String t = target != null ? target : old.target();
            String ds = targetDataset != null ? targetDataset : old.targetDataset();
            String key = sshKey != null ? sshKey : old.sshKey();
            int port = sshPort != null ? sshPort : old.sshPort();
            String kh = knownHosts != null ? knownHosts : old.knownHosts();
            if (t == null || ds == null || key == null) {
                throw new IllegalArgumentException("--enable needs --target, --target-dataset and --ssh-key (none stored yet)");
            }
            var r = app.runner().run(io.terrarium.host.sanoid.Syncoid.reachability(t, ds, key, port, kh, java.time.Duration.ofSeconds(30)));
            String problem = io.terrarium.host.sanoid.Syncoid.reachabilityProblem(r.exitCode(), r.stderrTail(), t, ds, port);
            if (problem != null) {
                spec.commandLine().getErr().println("ERROR: syncoid check failed: " + problem);
                spec.commandLine().getErr().println("nothing was stored (--no-check stores without this check)");
                spec.commandLine().getErr().flush();
                return ExitCodes.FAILURE;
            }
            spec.commandLine().getOut().println("syncoid check: " + t + " answered over SSH and has " + ds);
        }
        TerrariumConfig stored = apply.commit(app, c -> { // no route depends on syncoid settings
            TerrariumConfig.Syncoid old = c.backups().syncoid();
            TerrariumConfig.Syncoid s = new TerrariumConfig.Syncoid(toggle.enable,
                    target != null ? target : old.target(),
                    targetDataset != null ? targetDataset : old.targetDataset(),
                    sshKey != null ? sshKey : old.sshKey(),
                    sshPort != null ? sshPort : old.sshPort(),
                    knownHosts != null ? knownHosts : old.knownHosts());
            if (s.enabled() && s.sshKey() != null && sshKey == null) {
                try {
                    checkKey(Path.of(s.sshKey()));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return c.withBackups(c.backups().withSyncoid(s));
        });
        var s = stored.backups().syncoid();
        spec.commandLine().getOut().println("stored syncoid settings in " + app.configStore().describe() + ": "
                + (s.enabled() ? "enabled" : "disabled") + ", target " + s.target() + ":" + s.targetDataset()
                + ", key " + s.sshKey() + ", port " + s.sshPort()
                + (s.knownHosts() == null ? "" : ", known hosts " + s.knownHosts()));
        spec.commandLine().getOut().flush();
        return apply.apply(app, stored, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /**
     * @throws IllegalArgumentException (exit 2) when the key is missing, not a regular file, or
     *                                  readable by group or others
     */
    static void checkKey(Path key) throws IOException {
        if (!key.isAbsolute()) {
            throw new IllegalArgumentException("--ssh-key " + key + ": must be an absolute path");
        }
        if (!Files.isRegularFile(key, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(key)) {
            throw new IllegalArgumentException("--ssh-key " + key + ": no such file");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(key);
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IllegalArgumentException("--ssh-key " + key + ": is readable or writable by group or others (mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "); run `chmod 600 " + key + "`");
        }
    }
}
