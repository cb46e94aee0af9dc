package io.terrarium.cli;

import picocli.CommandLine.Option;

/**
 * Mixin: {@code -o/--output table|json|yaml} for every command that lists or reports status
 * (kubectl's and incus's spelling). {@code --format} is kept as a hidden alias for scripts written
 * before {@code -o} existed. The JSON/YAML shape of each command is documented in
 * docs/schemas/ (docs/output.md).
 */
public final class FormatOption {
    Format format = Format.table;

    // no defaultValue: picocli applies an unmatched option's default after parsing, which would undo --format
    @Option(names = {"-o", "--output"}, paramLabel = "table|json|yaml",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: table); json and yaml follow docs/schemas/.")
    void output(Format f) {
        format = f == null ? Format.table : f;
    }

    @Option(names = "--format", hidden = true, paramLabel = "table|json|yaml",
            description = "Alias of --output (kept for existing scripts).")
    void formatAlias(Format f) {
        if (f != null) {
            format = f;
        }
    }

    /** The chosen format. */
    public Format format() {
        return format;
    }
}
