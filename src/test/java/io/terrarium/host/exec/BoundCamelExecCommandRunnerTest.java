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
        io.terrarium.routes.DevConsoles.loadBeforeStart(ctx); // camel-console 4.17 start race
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
