package io.terrarium.cli;

import picocli.CommandLine.Option;

/** Mixin: {@code --format table|json|yaml} for every command that lists. */
public final class FormatOption {
    @Option(names = "--format", paramLabel = "table|json|yaml", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    /** The chosen format. */
    public Format format() {
        return format;
    }
}
