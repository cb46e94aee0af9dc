package io.terrarium.daemon;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deadline rule of a CLI trigger (tester, session 8: a stopped daemon ran a queued trigger
 * after its client had told the user it failed): a request starts only when the daemon reads it at
 * least {@link ClientDeadline#MARGIN_MILLIS} before its client gives up.
 */
class ClientDeadlineTest {
    private static final long DEADLINE = 1_800_000_000_000L;

    @Test
    void aRequestStartsOnlyWhenItsAnswerCanReachTheClientInTime() {
        assertThat(ClientDeadline.lateness(DEADLINE, DEADLINE - 10_000)).isNull();
        assertThat(ClientDeadline.lateness(DEADLINE, DEADLINE - ClientDeadline.MARGIN_MILLIS)).isNull();
        assertThat(ClientDeadline.lateness(DEADLINE, DEADLINE - ClientDeadline.MARGIN_MILLIS + 1))
                .isEqualTo("the client gives up in 2.0 s, too soon to start it");
        assertThat(ClientDeadline.lateness(DEADLINE, DEADLINE - 600)).isEqualTo("the client gives up in 0.6 s, too soon to start it");
    }

    @Test
    void aRequestReadAfterItsDeadlineSaysHowLongAgo() {
        assertThat(ClientDeadline.lateness(DEADLINE, DEADLINE)).isEqualTo("the client's deadline passed 0.0 s ago");
        // the tester's case: stopped for a minute, the CLI gave up after 10 s (socket) and 30 s (Jolokia)
        assertThat(ClientDeadline.lateness(DEADLINE, DEADLINE + 31_240)).isEqualTo("the client's deadline passed 31.2 s ago");
        assertThat(ClientDeadline.lateness(DEADLINE, DEADLINE + 3 * 86_400_000L)).isEqualTo("the client's deadline passed 259200.0 s ago");
    }

    @Test
    void aRequestWithoutADeadlineNeverStarts() {
        assertThat(ClientDeadline.lateness(0, DEADLINE)).isEqualTo("the request carries no deadline");
        assertThat(ClientDeadline.lateness(-1, DEADLINE)).isEqualTo("the request carries no deadline");
    }

    @Test
    void aStoppedDaemonIsStateTOrTInItsStatLine() {
        assertThat(DaemonInfo.stopState("4242 (java) T 1 4242 4242 0 -1")).isEqualTo('T');
        assertThat(DaemonInfo.stopState("4242 (java) S 1 4242 4242 0 -1")).isEqualTo('S');
        // tester, session 10: a debugger's stop (tracing stop) was waited for 30 s like a hung daemon
        assertThat(DaemonInfo.stopState("4242 (java) t 1 4242")).isEqualTo('t');
        // the command name may hold ") T " itself: the state follows the last ')'
        assertThat(DaemonInfo.stopState("4242 (a) T (b) R 1 4242")).isEqualTo('R');
        assertThat(DaemonInfo.stopState("4242 (a) R (b) T 1 4242")).isEqualTo('T');
        assertThat(DaemonInfo.stopState("garbage")).isEqualTo('?');
        assertThat(DaemonInfo.stopState("4242 (java)")).isEqualTo('?');
        // the launcher's client skips a daemon in either stop (it would wait 10 s of silence for nothing)
        assertThat(io.terrarium.cli.served.ServedProtocol.stoppedState("4242 (java) t 1 4242")).isTrue();
        assertThat(io.terrarium.cli.served.ServedProtocol.stoppedState("4242 (java) T 1 4242")).isTrue();
        assertThat(io.terrarium.cli.served.ServedProtocol.stoppedState("4242 (java) S 1 4242")).isFalse();
        assertThat(io.terrarium.cli.served.ServedProtocol.stoppedState("garbage")).isFalse();
    }

    @Test
    void aTracedDaemonsTracerIsReadFromItsStatus() {
        assertThat(DaemonInfo.tracerPid("Name:\tjava\nState:\tt (tracing stop)\nTracerPid:\t812\nUid:\t0\n")).isEqualTo("812");
        assertThat(DaemonInfo.tracerPid("Name:\tjava\nTracerPid:\t0\n")).isNull();
        assertThat(DaemonInfo.tracerPid("Name:\tjava\n")).isNull();
        // a process that does not exist: no tracer to name
        assertThat(DaemonInfo.tracer(Long.MAX_VALUE)).isEqualTo("ptrace");
    }

    @Test
    void aDaemonOfTheReleaseBeforeIsToldApartFromARefusal() {
        // its management gate refuses the unknown operation by name: the CLI then submits without a deadline
        assertThat(JobTrigger.olderDaemon(new java.io.IOException("the daemon refused the request (HTTP 403): refused by the Terrarium"
                + " management policy: operation submitBefore on io.terrarium type=jobs is not allowed"))).isTrue();
        // this release's refusal of a late request is not taken for one
        assertThat(JobTrigger.olderDaemon(new java.io.IOException("Jolokia error 500: java.lang.IllegalStateException : dropped a run of"
                + " host-facts (trigger cli): the client's deadline passed 1.0 s ago; not run"))).isFalse();
        assertThat(JobTrigger.olderDaemon(new java.io.IOException((String) null))).isFalse();
    }
}
