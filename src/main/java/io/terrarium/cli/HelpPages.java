package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The help page of every command, rendered once at build time ({@link CliArtifacts}) so that the
 * launcher ({@code bin/terrariumctl}) can answer {@code --help} without starting a JVM: building
 * picocli's command tree costs ~0.6 CPU s per start, {@code cat} of a file a few milliseconds
 * (issue 16 item 4; docs/benchmarks.md, "CLI").
 *
 * <p>Two files per command in {@code share/help/}: {@code <name>.txt}, what the JVM prints when
 * standard input or output is not a terminal, and {@code <name>.ansi}, what it prints on a terminal
 * (picocli's {@code Ansi.AUTO} styles: bold command names, yellow options). {@code <name>} is the
 * command's qualified name with spaces as dashes, as the man pages are named:
 * {@code terrariumctl}, {@code terrariumctl-backup-restore}. The launcher falls back to the JVM for
 * anything it cannot map to a page with certainty (an option before {@code --help}, an unknown word,
 * {@code NO_COLOR}/{@code CLICOLOR}/{@code CLICOLOR_FORCE} set), so the bytes a user sees are the
 * same either way; {@code HelpPagesTest} compares every page with the JVM's own {@code --help}.
 */
public final class HelpPages {
    /** Plain page suffix (no terminal). */
    public static final String PLAIN = ".txt";
    /** Styled page suffix (a terminal: picocli's ANSI styles). */
    public static final String ANSI = ".ansi";

    private HelpPages() {
    }

    /**
     * The pages of {@code root} and every command below it (the {@code help} commands excluded).
     *
     * @param root the command tree as {@link TerrariumCommand#commandLine} builds it; not modified
     * @return file name ({@code terrariumctl-backup-restore.txt}) → page text, in tree order
     */
    public static Map<String, String> render(CommandLine root) {
        Map<String, String> pages = new LinkedHashMap<>();
        add(root, pages);
        return pages;
    }

    /**
     * Writes {@link #render} into {@code dir} (created when missing).
     *
     * @return the number of files written
     * @throws IOException when a file cannot be written
     */
    public static int write(CommandLine root, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> pages = render(root);
        for (Map.Entry<String, String> p : pages.entrySet()) {
            Files.writeString(dir.resolve(p.getKey()), p.getValue(), StandardCharsets.UTF_8);
        }
        return pages.size();
    }

    /** The file name stem of a command: its qualified name with dashes ({@code terrariumctl-jobs-run}). */
    public static String name(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName("-");
    }

    private static void add(CommandLine cl, Map<String, String> pages) {
        pages.put(name(cl) + PLAIN, usage(cl, Help.Ansi.OFF));
        pages.put(name(cl) + ANSI, usage(cl, Help.Ansi.ON));
        cl.getSubcommands().forEach((word, sub) -> {
            // aliases map to the same CommandLine: one page, under its own name
            if (sub.getParent() == cl && word.equals(sub.getCommandName()) && !"help".equals(word)) {
                add(sub, pages);
            }
        });
    }

    /** What {@code --help} prints: {@link CommandLine#usage(java.io.PrintWriter, Help.ColorScheme)}. */
    private static String usage(CommandLine cl, Help.Ansi ansi) {
        StringWriter s = new StringWriter();
        PrintWriter w = new PrintWriter(s);
        cl.usage(w, Help.defaultColorScheme(ansi));
        w.flush();
        return s.toString();
    }
}
