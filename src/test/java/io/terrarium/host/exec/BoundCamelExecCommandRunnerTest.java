package io.terrarium.host.exec;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every behaviour of {@link CamelExecCommandRunnerTest} again with the runner bound to a started
 * CamelContext, i.e. through the {@code exec:} endpoints as in the daemon and in job runs.
 */
class BoundCamelExecCommandRunnerTest extends CamelExecCommandRunnerTest {
    private CamelContext ctx;

    @BeforeEach
    void bind() {
        ctx = new DefaultCamelContext();
        ctx.build();
        // camel-console 4.17: DefaultDevConsoleRegistry.doStart iterates its console set while a lazy
        // load may still add to it (ConcurrentModificationException in ~1 of 5 starts here); load first
        org.apache.camel.console.DevConsoleRegistry consoles =
                ctx.getCamelContextExtension().getContextPlugin(org.apache.camel.console.DevConsoleRegistry.class);
        if (consoles != null) {
            consoles.loadDevConsoles();
        }
        ctx.start();
        runner.bind(ctx);
    }

    @AfterEach
    void close() throws Exception {
        runner.unbind(ctx);
        ctx.close();
    }

    @Test
    void theCommandsOfThisTestWentThroughExecEndpoints() {
        runner.run(Command.of("sh", List.of("-c", "exit 0")));
        assertThat(ctx.getEndpoints()).extracting(e -> e.getEndpointUri()).contains("exec://sh?exitValues=0");
    }
}
