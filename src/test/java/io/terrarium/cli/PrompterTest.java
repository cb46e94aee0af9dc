package io.terrarium.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrompterTest {
    private final StringWriter shown = new StringWriter();

    private Prompter prompter(String input) {
        return new Prompter(null, new BufferedReader(new StringReader(input)), new PrintWriter(shown));
    }

    @Test
    void aBadAnswerIsRejectedWithTheReasonAndAskedAgain() {
        String a = prompter("nope\nops@example.com\n").ask("Operator e-mail", null, InstallCommand::checkEmail);
        assertThat(a).isEqualTo("ops@example.com");
        assertThat(shown.toString()).isEqualTo("Operator e-mail: "
                + "  rejected: not an e-mail address (e.g. ops@example.com)" + System.lineSeparator()
                + "Operator e-mail: ");
    }

    @Test
    void anEmptyAnswerTakesTheShownDefault() {
        assertThat(prompter("\n").ask("Size of the pool file", "64G", v -> null)).isEqualTo("64G");
        assertThat(shown.toString()).isEqualTo("Size of the pool file [64G]: ");
    }

    @Test
    void confirmAcceptsYesNoAndTheDefault() {
        assertThat(prompter("maybe\nn\n").confirm("Export snapshots to S3?", true)).isFalse();
        assertThat(shown.toString()).contains("Export snapshots to S3? (Y/n): ").contains("rejected: answer y or n");
        assertThat(prompter("\n").confirm("Apply?", true)).isTrue();
    }

    @Test
    void endOfInputIsAnErrorNotAGuess() {
        assertThatThrownBy(() -> prompter("").ask("Operator e-mail", "ops@example.com", v -> null))
                .isInstanceOf(Prompter.InputEndedException.class).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("input ended before the installation questions were answered; nothing was stored.");
    }

    @Test
    void anEmptySecretIsRejected() {
        assertThat(prompter("\ns3cr3t\n").askSecret("S3 secret key", v -> null)).isEqualTo("s3cr3t");
        assertThat(shown.toString()).contains("S3 secret key (not shown): ").contains("rejected: must not be empty");
    }
}
