package io.terrarium.host.ansible;

import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.StreamingProcess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Host adapter for {@code ansible-playbook}: builds the argv (pure, tested) and runs it with its
 * stdout streamed line by line to the caller while it runs (Ansible's output can be long and the
 * operator wants to watch it), stderr kept as a bounded tail for the error message.
 */
public final class AnsiblePlaybook {
    /** A full converge can take a while (packages, downloads). */
    public static final Duration TIMEOUT = Duration.ofMinutes(60);

    private final String executable;

    /** @param executable {@code ansible-playbook}, or another path (tests) */
    public AnsiblePlaybook(String executable) {
        this.executable = executable;
    }

    /**
     * {@code ansible-playbook -i localhost, -c local PLAYBOOK -e @STATE [--skip-tags hardening] [--check --diff]}.
     *
     * @param playbook  {@code <release>/ansible/site.yml}
     * @param stateFile the rendered vars file
     * @param hardening false to skip the OS hardening role (set, reconfigure)
     * @param check     check mode: report what would change, change nothing
     */
    public Command command(Path playbook, Path stateFile, boolean hardening, boolean check) {
        return command(playbook, stateFile, hardening, check, List.of(), List.of());
    }

    /**
     * As {@link #command(Path, Path, boolean, boolean)}, limited to some roles and with more vars files.
     *
     * @param tags      role tags to run ({@code --tags a,b}); empty: the whole site
     * @param extraVars further vars files, applied after the state file (later files win)
     */
    public Command command(Path playbook, Path stateFile, boolean hardening, boolean check, List<String> tags,
                           List<Path> extraVars) {
        List<String> args = new ArrayList<>(List.of("-i", "localhost,", "-c", "local", playbook.toString(), "-e", "@" + stateFile));
        for (Path x : extraVars) {
            args.addAll(List.of("-e", "@" + x));
        }
        if (!tags.isEmpty()) {
            args.addAll(List.of("--tags", String.join(",", tags)));
        }
        if (!hardening) {
            args.addAll(List.of("--skip-tags", "hardening"));
        }
        if (check) {
            args.addAll(List.of("--check", "--diff"));
        }
        return new Command(executable, args, TIMEOUT, null, null);
    }

    /**
     * Runs the command, copying each stdout line to {@code out} as it arrives.
     *
     * @throws CommandFailedException on a non-zero exit (with stderr's tail) or when it cannot start
     */
    public void run(Command command, PrintWriter out) throws IOException {
        try (StreamingProcess p = StreamingProcess.start(command);
             BufferedReader r = new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.println(line);
                out.flush();
            }
        } catch (IOException e) {
            if (e instanceof StreamingProcess.ProcessFailedIOException failed) {
                throw failed.failure();
            }
            throw e;
        }
    }
}
