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
}
