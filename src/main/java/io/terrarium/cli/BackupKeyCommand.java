package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.s3.crypto.BackupKey;
import io.terrarium.s3.crypto.BackupKeys;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl backup key init|import|show}: the backup key that encrypts S3 exports and
 * authenticates their manifests ({@link BackupKeys}). The key itself is never printed and never
 * taken from argv: {@code init} writes it to the secrets file and says how to copy that file
 * offline; {@code import} reads it from stdin.
 */
@Command(name = "key", description = {"The backup key: S3 exports are encrypted (AES-256-GCM) and their manifests",
        "authenticated (HMAC-SHA256) under keys derived from it. Keep its recovery copy offline: with the bucket,",
        "it is all a new host needs to restore (docs/backups.md)."},
        subcommands = {BackupKeyCommand.Init.class, BackupKeyCommand.Import.class, BackupKeyCommand.Show.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup key init", "  terrariumctl backup key import < recovery-key.txt", "  terrariumctl backup key show"})
public final class BackupKeyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: init, import or show");
    }

    /** Prints how to keep the recovery key offline (never the key). */
    static void recoveryAdvice(PrintWriter out, Path file) {
        out.println("The recovery key is the one line in " + file + " (root only, mode 0600).");
        out.println("Keep a copy OFFLINE now, away from this host and the bucket, e.g.:");
        out.println("  sudo cat " + file + "   # then write it into a password manager or print it and lock it away");
        out.println("Without it the encrypted restore points cannot be read: losing this host AND the key loses the backups.");
        out.println("On a new host: terrariumctl backup key import < that-copy, then restore (docs/backups.md).");
    }

    /** {@code backup key init}. */
    @Command(name = "init", description = {"Create the backup key (32 random bytes) in the secrets directory. From then on",
            "every S3 export is encrypted and its manifest authenticated. Refuses to replace an existing key (use `backup rekey`)."},
            footerHeading = "%nExamples:%n", footer = {"  terrariumctl backup key init"})
    public static final class Init implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        VerbosityOption verbosity;

        @Override
        public Integer call() throws IOException {
            App app = TerrariumCommand.app(spec);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path dir = app.paths().secretsDir();
            Optional<BackupKeys> have = BackupKeys.load(dir);
            if (have.isPresent()) {
                err.println("ERROR: this host already has backup key " + have.get().current().id() + " in "
                        + dir.resolve(BackupKeys.FILE) + "; nothing changed. To replace it run `terrariumctl backup rekey`.");
                err.flush();
                return ExitCodes.FAILURE;
            }
            BackupKey key = BackupKey.generate();
            Path file = BackupKeys.store(dir, key);
            out.println("Created backup key " + key.id() + " in " + file + ".");
            out.println("New S3 exports are encrypted and authenticated with it; the next export of each instance is a full.");
            recoveryAdvice(out, file);
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code backup key import}. */
    @Command(name = "import", description = {"Store a recovery key read from standard input (never from the command line)",
            "as this host's backup key — the first step of a restore on a new host. Refuses to replace another key."},
            footerHeading = "%nExamples:%n", footer = {"  terrariumctl backup key import < /root/recovery-key.txt"})
    public static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        VerbosityOption verbosity;

        @Override
        public Integer call() throws IOException {
            App app = TerrariumCommand.app(spec);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path dir = app.paths().secretsDir();
            BackupKey key;
            try {
                java.io.Console console = System.console();
                if (console != null) {
                    // a terminal: prompt and read without echo, so the pasted key stays out of the scrollback
                    char[] typed = console.readPassword("Recovery key (input hidden): ");
                    key = BackupKey.parse(typed == null ? "" : new String(typed));
                    if (typed != null) {
                        java.util.Arrays.fill(typed, '\0');
                    }
                } else {
                    key = BackupKey.parse(new String(System.in.readNBytes(4096), StandardCharsets.UTF_8));
                }
            } catch (IllegalArgumentException e) {
                err.println("ERROR: standard input: " + e.getMessage() + "; nothing stored");
                err.flush();
                return ExitCodes.FAILURE;
            }
            Optional<BackupKeys> have = BackupKeys.load(dir);
            if (have.isPresent() && !have.get().current().id().equals(key.id())) {
                err.println("ERROR: this host already has another backup key (" + have.get().current().id() + ", importing "
                        + key.id() + "); nothing changed. Move " + dir.resolve(BackupKeys.FILE) + " away first if you mean it.");
                err.flush();
                return ExitCodes.FAILURE;
            }
            Path file = BackupKeys.store(dir, key);
            out.println("Imported backup key " + key.id() + " into " + file + ".");
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code backup key show}. */
    @Command(name = "show", description = "Print the backup key's id and file (never the key). Exit 1 when there is none.",
            footerHeading = "%nExamples:%n", footer = {"  terrariumctl backup key show"})
    public static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        VerbosityOption verbosity;

        @Override
        public Integer call() throws IOException {
            App app = TerrariumCommand.app(spec);
            PrintWriter out = spec.commandLine().getOut();
            Path dir = app.paths().secretsDir();
            Optional<BackupKeys> have = BackupKeys.load(dir);
            if (have.isEmpty()) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("ERROR: no backup key: S3 exports are not encrypted (create one with `terrariumctl backup key init`)");
                err.flush();
                return ExitCodes.FAILURE;
            }
            out.println("backup key " + have.get().current().id() + " in " + dir.resolve(BackupKeys.FILE));
            have.get().next().ifPresent(n -> out.println("rekey pending: new key " + n.id() + " in "
                    + dir.resolve(BackupKeys.NEXT_FILE) + " (run `terrariumctl backup rekey` to finish)"));
            out.flush();
            return ExitCodes.OK;
        }
    }
}
