package io.terrarium.host.exec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CamelExecCommandRunnerTest {
    final CamelExecCommandRunner runner = new CamelExecCommandRunner();

    @Test
    void passesArgumentsWithSpacesQuotesAndAmpersandsUnchanged() {
        List<String> args = List.of("-c", "printf '%s|' \"$@\"", "sh", "a b", "it's", "x&y=1", "");
        CommandResult r = runner.run(Command.of("sh", args));
        assertThat(r.stdout()).isEqualTo("a b|it's|x&y=1||");
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void failsOnAnExitCodeNotAcceptedAndKeepsTheStderrTail() {
        assertThatThrownBy(() -> runner.run(Command.of("sh", "-c", "echo first >&2; echo boom >&2; exit 3")))
                .isInstanceOf(CommandFailedException.class)
                .hasMessageContaining("exited with 3")
                .hasMessageContaining("boom")
                .satisfies(e -> assertThat(((CommandFailedException) e).exitCode()).isEqualTo(3));
    }

    @Test
    void acceptsDeclaredExitCodes() {
        CommandResult r = runner.run(Command.of("sh", "-c", "exit 2").withOkExitCodes(0, 2));
        assertThat(r.exitCode()).isEqualTo(2);
    }

    @Test
    void feedsStdin() {
        CommandResult r = runner.run(Command.of("cat").withStdin("secret stays out of argv".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.stdout()).isEqualTo("secret stays out of argv");
        assertThat(r.command().display()).doesNotContain("secret");
    }

    @Test
    void killsACommandThatExceedsItsTimeout() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> runner.run(Command.of("sleep", "30").withTimeout(Duration.ofMillis(500))))
                .isInstanceOf(CommandFailedException.class)
                .satisfies(e -> assertThat(((CommandFailedException) e).timedOut()).isTrue());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void reportsAMissingExecutableAsNotStarted() {
        assertThatThrownBy(() -> runner.run(Command.of("/nonexistent/terrarium-tool")))
                .isInstanceOf(CommandFailedException.class)
                .satisfies(e -> assertThat(((CommandFailedException) e).exitCode()).isEqualTo(-1));
    }

    @Test
    void displayQuotesArgumentsForLogs() {
        assertThat(Command.of("zfs", "list", "-o", "name,used", "a b").display()).isEqualTo("zfs list -o name,used 'a b'");
    }

    @Test
    void everyCommandIsAnExchangeOnTheExecEndpointOfItsToolInTheBoundContext() throws Exception {
        try (org.apache.camel.CamelContext ctx = new org.apache.camel.impl.DefaultCamelContext()) {
            ctx.start();
            CamelExecCommandRunner bound = new CamelExecCommandRunner();
            bound.bind(ctx);
            bound.run(Command.of("sh", "-c", "exit 0"));
            bound.run(Command.of("/bin/sh", "-c", "exit 2").withOkExitCodes(2, 0));
            assertThat(ctx.getEndpoints()).extracting(org.apache.camel.Endpoint::getEndpointUri)
                    .contains("exec://sh?exitValues=0", "exec://sh?exitValues=0,2");
            bound.unbind(ctx);
        }
    }

    @Test
    void endpointUriNamesTheToolAndTheAcceptedExitCodesNeverTheArguments() {
        assertThat(CamelExecCommandRunner.endpointUri(Command.of("/usr/sbin/zfs", "destroy", "a&b=c").withOkExitCodes(1, 0)))
                .isEqualTo("exec:zfs?exitValues=0,1");
        assertThat(CamelExecCommandRunner.endpointUri(Command.of("/opt/my tool", "x"))).isEqualTo("exec:command?exitValues=0");
    }
}
