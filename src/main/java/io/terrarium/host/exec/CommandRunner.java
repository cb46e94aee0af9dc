package io.terrarium.host.exec;

/**
 * The one seam through which Terrarium runs external tools (lxc, zfs, zpool, sanoid, syncoid,
 * ansible-playbook, ufw). Production uses {@link CamelExecCommandRunner}; unit tests use a recording
 * fake and assert the argv that would have run.
 */
public interface CommandRunner {

    /**
     * Runs a short command to completion.
     *
     * @return the result; its exit code is one of {@link Command#okExitCodes()}
     * @throws CommandFailedException on another exit code, a timeout, or when it cannot start
     */
    CommandResult run(Command command);

    /**
     * Starts a command whose stdout may be large (a {@code zfs send} stream) and returns it as a
     * stream. Default: a {@link StreamingProcess} on the real process.
     *
     * @throws CommandFailedException when the process cannot be started
     */
    default StreamingProcess stream(Command command) {
        return StreamingProcess.start(command);
    }
}
