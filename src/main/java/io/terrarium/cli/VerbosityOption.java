package io.terrarium.cli;

import picocli.CommandLine.Option;

/**
 * Mixin: {@code -v} (info logs on stderr), {@code -vv} (debug: every external command with its
 * duration). The level itself is set in {@link io.terrarium.Terrarium#main} before any logger
 * exists; this option documents the flag and keeps picocli from rejecting it.
 */
public final class VerbosityOption {
    @Option(names = {"-v", "--verbose"}, description = "More log output on stderr (-v info, -vv debug).")
    boolean[] verbose = new boolean[0];
}
