package io.terrarium.host.exec;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.exec.ExecBinding;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.impl.DefaultExecCommandExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Runs short commands through camel-exec <em>endpoints</em>: every call is an exchange sent to
 * {@code exec:<tool>?exitValues=<accepted codes>} (e.g. {@code exec:zfs?exitValues=0}), so each
 * tool has its own endpoint with Camel's statistics (JMX, Hawtio's Endpoints tab) in the context it
 * is bound to ({@link #bind}: the daemon's, or the in-process job run's). Without a bound context
 * (a CLI command outside any job, e.g. {@code status}) the same camel-exec executor runs the command
 * directly: a private CamelContext would add about a second to every such command (measured
 * 1.2–1.7 s vs 0.33 s for the first command on this loaded 2-core machine) for statistics nobody
 * could read after the CLI exits.
 *
 * <p>What camel-exec needs to be safe (DESIGN.md §6): the arguments go in the
 * {@code CamelExecCommandArgs} header as a {@code List<String>} (never one string that is split on
 * spaces; {@code &} never reaches the URI), the executable in {@code CamelExecCommandExecutable}, the
 * timeout in {@code CamelExecCommandTimeout} (ms; the child is killed), {@code exitValues} on the
 * endpoint so another exit code raises; stdin is the message body. camel-exec keeps the whole
 * stdout and stderr in memory, so this runner is for short outputs only; large streams go through
 * {@link StreamingProcess}. Start and end are logged at DEBUG with the duration.
 */
public final class CamelExecCommandRunner implements CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(CamelExecCommandRunner.class);

    private volatile CamelContext bound;
    private volatile ProducerTemplate boundTemplate;
    private final DefaultExecCommandExecutor executor = new DefaultExecCommandExecutor();

    /** A runner with no context bound yet (commands run on camel-exec's executor until {@link #bind}). */
    public CamelExecCommandRunner() {
    }

    /**
     * Sends every command through {@code context} from now on (until {@link #unbind}); its endpoints
     * {@code exec:<tool>…} then carry the statistics.
     */
    public synchronized void bind(CamelContext context) {
        this.bound = context;
        this.boundTemplate = null;
    }

    /** Stops using {@code context} (when it is the bound one), e.g. before it is closed. */
    public synchronized void unbind(CamelContext context) {
        if (bound == context) {
            if (boundTemplate != null) {
                try {
                    boundTemplate.close();
                } catch (IOException | RuntimeException e) {
                    LOG.debug("closing the exec template: {}", e.getMessage());
                }
            }
            bound = null;
            boundTemplate = null;
        }
    }

    /** The bound context's template, or {@code null} when no started context is bound. */
    private synchronized ProducerTemplate template() {
        CamelContext c = bound;
        if (c != null && c.isStarted()) {
            if (boundTemplate == null) {
                boundTemplate = c.createProducerTemplate();
            }
            return boundTemplate;
        }
        return null;
    }

    /**
     * The endpoint URI of a command: {@code exec:<basename of the executable>?exitValues=<sorted codes>}
     * (a name with other characters than letters, digits, {@code . _ -} becomes {@code command}).
     */
    static String endpointUri(Command command) {
        String exe = command.executable();
        String name = exe.substring(exe.lastIndexOf('/') + 1);
        if (!name.matches("[A-Za-z0-9._-]+")) {
            name = "command";
        }
        return "exec:" + name + "?exitValues="
                + new TreeSet<>(command.okExitCodes()).stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    @Override
    public CommandResult run(Command command) {
        LOG.debug("run `{}`", command.display());
        long start = System.nanoTime();
        ExecResult result = null;
        Exception failure;
        ProducerTemplate template = template();
        try {
            if (template != null) {
                Exchange ex = template.send(endpointUri(command), e -> {
                    e.getMessage().setHeader(ExecBinding.EXEC_COMMAND_EXECUTABLE, command.executable());
                    e.getMessage().setHeader(ExecBinding.EXEC_COMMAND_ARGS, command.args());
                    e.getMessage().setHeader(ExecBinding.EXEC_COMMAND_TIMEOUT, command.timeout().toMillis());
                    e.getMessage().setBody(command.stdin() == null ? null : new ByteArrayInputStream(command.stdin()));
                });
                failure = ex.getException();
                if (failure == null) {
                    result = ex.getMessage().getBody(ExecResult.class);
                }
            } else {
                failure = null;
                try {
                    result = executor.execute(new ExecCommand(command.executable(), command.args(), null,
                            command.timeout().toMillis(), Set.copyOf(command.okExitCodes()),
                            command.stdin() == null ? null : new ByteArrayInputStream(command.stdin()), null, false,
                            LoggingLevel.OFF));
                } catch (ExecException e) {
                    failure = e;
                }
            }
        } catch (RuntimeException e) {
            throw new CommandFailedException(command, -1, e.getMessage(), false, e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (failure != null) {
            ExecException ee = failure instanceof ExecException x ? x
                    : failure.getCause() instanceof ExecException x ? x : null;
            if (ee == null) {
                throw new CommandFailedException(command, -1, failure.getMessage(), false, failure);
            }
            String tail = tail(ee.getStderr());
            boolean timedOut = took.compareTo(command.timeout()) >= 0;
            int code = ee.getExitValue();
            if (code == 0 && ee.getCause() instanceof IOException && !timedOut) {
                code = -1; // could not start (e.g. executable not found)
                tail = ee.getCause().getMessage();
            }
            LOG.debug("`{}` failed after {} ms (exit {})", command.display(), took.toMillis(), code);
            throw new CommandFailedException(command, code, tail, timedOut, ee);
        }
        if (result == null) {
            throw new CommandFailedException(command, -1, "camel-exec returned no result", false, null);
        }
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
