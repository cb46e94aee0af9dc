package io.terrarium.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class TerminalSafeWriterTest {
    @Test
    void escapesTheSequencesAHostileLabelCarriedButKeepsLinesTabsAndColours() {
        // the inputs of the tester's report (session 4): an OSC title change with BEL, a clear-screen CSI
        StringWriter sink = new StringWriter();
        PrintWriter err = new PrintWriter(new TerminalSafeWriter(sink), true);
        err.println("ERROR: label https://a.example.com/\u001b]0;pwned\u0007: not a path");
        err.println("ERROR: --instance x\u001b[2J\u0000: no such instance\tsee\r");
        err.print("\u001b[1mUsage:\u001b[21m\u001b[0m terrariumctl");
        err.flush();
        assertThat(sink.toString()).isEqualTo("ERROR: label https://a.example.com/\\u001b]0;pwned\\u0007: not a path" + System.lineSeparator()
                + "ERROR: --instance x\\u001b[2J\\u0000: no such instance\tsee\r" + System.lineSeparator()
                + "\u001b[1mUsage:\u001b[21m\u001b[0m terrariumctl");
    }
}
