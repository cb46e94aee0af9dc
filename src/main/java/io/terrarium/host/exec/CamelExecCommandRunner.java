package io.terrarium.host.exec;

import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;
import org.apache.camel.component.exec.impl.DefaultExecCommandExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * Runs short commands with camel-exec's executor (commons-exec underneath).
 *
 * <p>camel-exec keeps the whole stdout and stderr in memory, so this runner is for short outputs
 * only (DESIGN.md §6); large streams go through {@link StreamingProcess}. Arguments are passed as a
 * list (never re-split), the exit codes are enforced through {@code exitValues}, and the timeout
 * kills the child. Start and end are logged at DEBUG with the duration; failures at WARN.
 */
public final class CamelExecCommandRunner implements CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(CamelExecCommandRunner.class);

    private final DefaultExecCommandExecutor executor = new DefaultExecCommandExecutor();

    @Override
    public CommandResult run(Command command) {
        InputStream stdin = command.stdin() == null ? null : new ByteArrayInputStream(command.stdin());
        ExecCommand exec = new ExecCommand(command.executable(), command.args(), null,
                command.timeout().toMillis(), Set.copyOf(command.okExitCodes()), stdin, null, false,
                LoggingLevel.OFF);
        LOG.debug("run `{}`", command.display());
        long start = System.nanoTime();
        ExecResult result;
        try {
            result = executor.execute(exec);
        } catch (ExecException e) {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String tail = tail(e.getStderr());
            boolean timedOut = took.compareTo(command.timeout()) >= 0;
            int code = e.getExitValue();
            if (code == 0 && e.getCause() instanceof IOException && !timedOut) {
                code = -1; // could not start (e.g. executable not found)
                tail = e.getCause().getMessage();
            }
            LOG.debug("`{}` failed after {} ms (exit {})", command.display(), took.toMillis(), code);
            throw new CommandFailedException(command, code, tail, timedOut, e);
        } catch (RuntimeException e) {
            throw new CommandFailedException(command, -1, e.getMessage(), false, e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String out = text(result.getStdout());
        String err = tail(result.getStderr());
        int code = result.getExitValue();
        // commons-exec reports a killed child with the watchdog; treat "took >= timeout" as a timeout
        if (took.compareTo(command.timeout()) >= 0 && !command.okExitCodes().contains(code)) {
            throw new CommandFailedException(command, code, err, true, null);
        }
        if (!command.okExitCodes().contains(code)) {
            LOG.debug("`{}` failed after {} ms (exit {})", command.display(), took.toMillis(), code);
            throw new CommandFailedException(command, code, err, false, null);
        }
        LOG.debug("`{}` exited {} in {} ms", command.display(), code, took.toMillis());
        return new CommandResult(command, code, out, err, took);
    }

    private static String text(InputStream in) {
        if (in == null) {
            return "";
        }
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(InputStream in) {
        String all = text(in);
        int limit = BoundedTail.DEFAULT_LIMIT;
        return all.length() <= limit ? all : all.substring(all.length() - limit);
    }
}
