package io.terrarium.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExitCodesTest {
    @Test
    void rawNewlinesAndEscapesInAnErrorAreEscapedButAnIndentedReasonListStays() {
        assertThat(ExitCodes.printable("domains.base: \"a\nERROR: forged\" is not a host name"))
                .isEqualTo("domains.base: \"a\\nERROR: forged\" is not a host name");
        assertThat(ExitCodes.printable("label \"\u001b[31mred\r\"")).isEqualTo("label \"\\u001b[31mred\\u000d\"");
        assertThat(ExitCodes.printable("cannot restore; nothing was changed:\n  - a\n  - b")).isEqualTo("cannot restore; nothing was changed:\n  - a\n  - b");
    }

    @Test
    void aSetCommandEchoesANewlineInItsArgumentOnOneLine() {
        var cl = TerrariumCommand.commandLine(new io.terrarium.App(io.terrarium.config.TerrariumPaths.from(java.util.Map.of()),
                new io.terrarium.testing.RecordingCommandRunner(new io.terrarium.testing.FakeLxdProjects())));
        var err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err));
        cl.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
        int code = cl.execute("set", "domains", "bad\nERROR: forged", "--no-apply");
        assertThat(code).as(err.toString()).isNotZero();
        assertThat(err.toString().lines().filter(l -> l.startsWith("ERROR: forged"))).isEmpty();
        assertThat(err.toString()).contains("\"bad\\nerror: forged\" is not a valid host name");
    }

    @Test
    void aSocketThisUserMayNotOpenSaysRunAsRootNotIsLxdRunning() {
        var cl = new picocli.CommandLine(picocli.CommandLine.Model.CommandSpec.create());
        var err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err));
        // what LxdClient throws for a non-root user (tester, session 8: `jobs list` as nobody)
        var denied = new io.terrarium.host.lxd.LxdException("LXD GET /1.0/projects/terrarium-system failed: Permission denied"
                + " (socket /var/lib/lxd/unix.socket)", false, true, new java.net.SocketException("Permission denied"));
        assertThat(new ExitCodes().handleExecutionException(denied, cl, null)).isEqualTo(ExitCodes.FAILURE);
        assertThat(err.toString()).contains("run terrariumctl as root").doesNotContain("is LXD running");

        var down = new io.terrarium.host.lxd.LxdException("LXD GET /1.0 failed: Connection refused (socket /var/lib/lxd/unix.socket)",
                false, true, new java.net.ConnectException("Connection refused"));
        err.getBuffer().setLength(0);
        new ExitCodes().handleExecutionException(down, cl, null);
        assertThat(err.toString()).contains("is LXD running").doesNotContain("as root");
    }
}
