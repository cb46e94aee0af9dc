package io.terrarium.cli;

import io.terrarium.App;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Build step (run by Maven at {@code prepare-package}, never at run time): writes the files the
 * release ships that are derived from the command tree, so they cannot drift from it —
 * <ul>
 *   <li>{@code <out>/completion/terrariumctl}: the bash/zsh completion script
 *       ({@link CompletionCommand#script}); installed as
 *       {@code /usr/share/bash-completion/completions/terrariumctl} and {@code …/trm};</li>
 *   <li>{@code <out>/man-adoc/*.adoc}: one AsciiDoc man page per command
 *       ({@code terrariumctl.adoc}, {@code terrariumctl-backup-restore.adoc}, …) from picocli-codegen's
 *       {@link ManPageGenerator}; Asciidoctor's {@code manpage} backend turns them into section-1
 *       roff pages in the same build;</li>
 *   <li>{@code <out>/help/*.txt|*.ansi}: every command's {@code --help} page, plain and styled
 *       ({@link HelpPages}), which the launcher prints without starting a JVM.</li>
 * </ul>
 * picocli-codegen is a build-only dependency ({@code provided}): this class is not usable from the
 * installed release.
 */
public final class CliArtifacts {
    private CliArtifacts() {
    }

    /** Gives every command without a header its whole first sentence as header: the man page's NAME line. */
    private static void summariseAsHeaders(CommandLine cl) {
        if (cl.getCommandSpec().usageMessage().header().length == 0) {
            cl.getCommandSpec().usageMessage().header(HelpSections.summary(cl.getCommandSpec()));
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getParent() == cl) {
                summariseAsHeaders(sub);
            }
        }
    }

    /**
     * @param args one argument: the output directory (created when missing)
     * @throws IOException when a file cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: CliArtifacts OUTPUT_DIR");
        }
        Path out = Path.of(args[0]);
        CommandLine root = TerrariumCommand.commandLine(App.production());
        Path completion = out.resolve("completion");
        Files.createDirectories(completion);
        Files.writeString(completion.resolve("terrariumctl"), CompletionCommand.script(root), StandardCharsets.UTF_8);
        // before summariseAsHeaders: the help pages are what --help prints, without the man pages' NAME headers
        int helpPages = HelpPages.write(root, out.resolve("help"));
        summariseAsHeaders(root);
        Path man = out.resolve("man-adoc");
        Files.createDirectories(man);
        int rc = ManPageGenerator.generateManPage(man.toFile(), null, new boolean[]{false}, true, root.getCommandSpec());
        if (rc != 0) {
            throw new IOException("man page generation failed with code " + rc);
        }
        File[] pages = man.toFile().listFiles((d, n) -> n.endsWith(".adoc"));
        System.out.println("cli artifacts: completion script, " + helpPages + " help pages and "
                + (pages == null ? 0 : pages.length) + " man page sources in " + out);
    }
}
