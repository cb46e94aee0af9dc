package io.terrarium.cli;

import io.terrarium.provision.ReleaseUpdater;
import io.terrarium.provision.ReleaseUpdater.Outcome;
import io.terrarium.provision.ReleaseUpdater.UpdateException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl update [--ref TAG] [--base-url URL] [--root DIR] [--force] [--no-reconfigure]}
 * and {@code terrariumctl update --rollback}: installs another release next to the current one
 * with {@link ReleaseUpdater} (same URLs and SHA256SUMS check as install.sh), swaps
 * {@code <root>/current} atomically, keeps the release it replaced as {@code <root>/previous}, then
 * runs the new release's {@code terrariumctl reconfigure} (Ansible without the OS hardening, proxy
 * sync). Exit 1 when the download, the checksum or the reconfigure fails; on a refused download
 * nothing under the root has changed.
 */
@Command(name = "update", description = {"Install another Terrarium release (verified against SHA256SUMS) and re-apply the configuration.",
        "Keeps the replaced release as <root>/previous; --rollback switches back to it.",
        "The base URL comes from --base-url, else $TERRARIUM_RELEASE_URL, else the project's releases; the root from --root, else $TERRARIUM_ROOT, else /opt/terrarium."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl update", "  terrariumctl update --ref v0.3.0", "  terrariumctl update --rollback",
                "  terrariumctl update --base-url https://mirror.example.com/terrarium --no-reconfigure"})
public final class UpdateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--ref", paramLabel = "TAG", defaultValue = "latest", description = "Release tag to install (default: ${DEFAULT-VALUE}).")
    String ref;

    @Option(names = "--base-url", paramLabel = "URL", description = "Release server; files come from URL/TAG/SHA256SUMS and URL/TAG/terrarium-<v>-linux-<arch>.tar.gz.")
    String baseUrl;

    @Option(names = "--root", paramLabel = "DIR", description = "Install root holding releases/ and the current link.")
    Path root;

    @Option(names = "--force", description = "Re-install even when the release is the current one.")
    boolean force;

    @Option(names = "--no-reconfigure", description = "Only swap the release; do not run `terrariumctl reconfigure` afterwards.")
    boolean noReconfigure;

    @Option(names = "--rollback", description = "Switch current back to the previous release (then reconfigure), download nothing.")
    boolean rollback;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path installRoot = root != null ? root : Path.of(env("TERRARIUM_ROOT", ReleaseUpdater.DEFAULT_ROOT.toString()));
        String base = baseUrl != null ? baseUrl : env("TERRARIUM_RELEASE_URL", ReleaseUpdater.DEFAULT_BASE_URL);
        if (!base.startsWith("https://") && !base.startsWith("http://")) {
            err.println("ERROR: --base-url must be an http:// or https:// URL, got '" + base + "'");
            err.flush();
            return ExitCodes.USAGE;
        }
        ReleaseUpdater updater = new ReleaseUpdater(installRoot, out);
        Outcome outcome;
        try {
            outcome = rollback ? updater.rollback()
                    : updater.update(base, ref, ReleaseUpdater.arch(System.getProperty("os.arch")), force);
        } catch (UpdateException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        if (!outcome.changed() || noReconfigure) {
            return ExitCodes.OK;
        }
        // the new release's own binary and playbook re-apply the stored configuration
        Path ctl = installRoot.resolve("current/bin/terrariumctl");
        out.println("running: " + ctl + " reconfigure");
        out.flush();
        ProcessBuilder pb = new ProcessBuilder(ctl.toString(), "reconfigure").redirectErrorStream(true);
        pb.environment().remove("TERRARIUM_HOME");
        Process p = pb.start();
        p.getOutputStream().close();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.println(line);
                out.flush();
            }
        }
        int exit = p.waitFor();
        if (exit != 0) {
            err.println("ERROR: reconfigure exited " + exit + "; the release is installed (" + outcome.version()
                    + "); fix the cause and run `terrariumctl reconfigure`, or `terrariumctl update --rollback`");
            err.flush();
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
