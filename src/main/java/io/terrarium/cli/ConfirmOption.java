package io.terrarium.cli;

import picocli.CommandLine.Option;

/**
 * {@code --yes} of the {@code set} commands whose change can withdraw published routes
 * ({@code set domains}, {@code set dns}, {@code set idp}; {@link ApplyOptions#store}). The others
 * ({@code set emails}, {@code set syncoid}, {@code set s3}) cannot withdraw a route and do not offer
 * it (tester, session 5: a {@code --yes} they never needed).
 */
public final class ConfirmOption {
    @Option(names = "--yes", description = "Store even when the change withdraws published routes (they are named either way).")
    boolean yes;
}
