package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/reference/&lt;command&gt;.md holds the exact help of each top-level command and its
 * subcommands, so the reference cannot drift from the code. Regenerate with
 * {@code REFERENCE_UPDATE=1 mvn test -Dtest=ReferenceDocsTest}.
 */
class ReferenceDocsTest {
    private static final Path DIR = Path.of("docs/reference");

    @Test
    void everyCommandHasAnUpToDateReferencePage() throws IOException {
        CommandLine root = TerrariumCommand.commandLine(new App(TerrariumPaths.from(Map.of()), new RecordingCommandRunner(c -> null)));
        root.setUsageHelpWidth(100);
        List<String> stale = new ArrayList<>();
        Map<String, String> pages = new java.util.TreeMap<>();
        pages.put("terrariumctl", page("terrariumctl", List.of(root)));
        for (var e : root.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<CommandLine> all = new ArrayList<>();
            collect(e.getValue(), all);
            pages.put(e.getKey(), page("terrariumctl " + e.getKey(), all));
        }
        boolean update = "1".equals(System.getenv("REFERENCE_UPDATE"));
        for (var p : pages.entrySet()) {
            Path f = DIR.resolve(p.getKey() + ".md");
            String current = Files.exists(f) ? Files.readString(f) : "";
            if (!current.equals(p.getValue())) {
                if (update) {
                    Files.createDirectories(DIR);
                    Files.writeString(f, p.getValue());
                } else {
                    stale.add(f.toString());
                }
            }
        }
        assertThat(stale).as("stale reference pages; run REFERENCE_UPDATE=1 mvn test -Dtest=ReferenceDocsTest").isEmpty();
    }

    private static void collect(CommandLine c, List<CommandLine> all) {
        all.add(c);
        c.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                collect(sub, all);
            }
        });
    }

    private static String page(String title, List<CommandLine> commands) {
        StringBuilder sb = new StringBuilder("# `" + title + "`\n\n");
        sb.append("<!-- generated from the command's --help by ReferenceDocsTest; do not edit by hand -->\n");
        for (CommandLine c : commands) {
            c.setUsageHelpWidth(100);
            sb.append("\n## `").append(c.getCommandSpec().qualifiedName()).append("`\n\n```text\n")
                    .append(c.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing()).append("\n```\n");
        }
        return sb.toString();
    }
}
