package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.AtomicFiles;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.proxy.TraefikStaticRenderer;
import io.terrarium.proxy.sync.ProxySettingsMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl proxy static}: renders Traefik's static configuration ({@code proxy.static_file},
 * {@code /etc/traefik/traefik.yml}) with {@link TraefikStaticRenderer} from the stored configuration
 * and the TCP/UDP ports the existing file already publishes, and replaces it atomically only when
 * the bytes differ. terrariumctl is the file's only writer (DESIGN.md §5). The Ansible role
 * {@code traefik} runs it with {@code --only-if-missing} and starts Traefik when it prints
 * {@code written}: Ansible writes the file only on a first install, and every later change is
 * applied by the proxy sync that runs right after Ansible ({@link Reapply}), which restarts Traefik,
 * checks it is active and listening, and falls back to the last good file when it is not
 * (docs/proxy.md). Before, Ansible's handler restarted Traefik with a changed file and nothing
 * checked or rolled it back. This command never restarts Traefik itself.
 */
@Command(name = "static", description = {"Render Traefik's static configuration (traefik.yml) from the stored settings.",
        "Keeps the TCP/UDP entrypoints the current file publishes (proxy sync maintains them);",
        "writes atomically and only on change. Prints 'written: FILE' or 'unchanged: FILE';",
        "with --print, prints the file instead and writes nothing."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl proxy static", "  terrariumctl proxy static --print",
                "  terrariumctl proxy static --config-file /etc/terrarium/config.yaml --file /tmp/traefik.yml",
                "  terrariumctl proxy static --only-if-missing   # what the Ansible role runs"})
public final class ProxyStaticCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--print", description = "Print the rendered file on stdout; write nothing.")
    boolean print;

    @Option(names = "--file", paramLabel = "PATH", description = "File to write (default: proxy.static_file).")
    Path file;

    @Option(names = "--only-if-missing", description = {"Write only when the file does not exist yet (a first install);",
            "otherwise print 'kept: FILE' and leave changes to the proxy sync, which restarts Traefik with a check and a fallback."})
    boolean onlyIfMissing;

    @Option(names = "--config-file", paramLabel = "PATH",
            description = "Render from this configuration file instead of the one stored in LXD.")
    Path configFile;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        TerrariumConfig config = configFile != null
                ? app.codec().parse(Files.readString(configFile), configFile.toString())
                : app.configStore().load().config();
        Path target = file != null ? file : Path.of(config.proxy().staticFile());
        String yaml = TraefikStaticRenderer.render(ProxySettingsMapper.settings(config), TraefikStaticRenderer.publishedPorts(target));
        var out = spec.commandLine().getOut();
        if (print) {
            out.print(yaml);
            out.flush();
            return ExitCodes.OK;
        }
        byte[] data = yaml.getBytes(StandardCharsets.UTF_8);
        if (onlyIfMissing && Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            out.println("kept: " + target + " (exists; the proxy sync applies changes to it with a checked restart)");
        } else if (AtomicFiles.sameContent(target, data)) {
            out.println("unchanged: " + target);
        } else {
            Files.createDirectories(target.toAbsolutePath().getParent());
            AtomicFiles.write(target, data, AtomicFiles.WORLD_READABLE);
            out.println("written: " + target);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
