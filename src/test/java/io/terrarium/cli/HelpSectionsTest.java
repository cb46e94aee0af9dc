package io.terrarium.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;

import static org.assertj.core.api.Assertions.assertThat;

class HelpSectionsTest {
    private static CommandSpec spec(String[] header, String... description) {
        CommandSpec s = CommandSpec.create();
        s.usageMessage().header(header).description(description);
        return s;
    }

    @Test
    void summaryIsTheFirstSentenceAcrossDescriptionLines() {
        assertThat(HelpSections.summary(spec(new String[0], "Restore an instance (--source local, the default) or from S3 (--source s3),",
                "in place or as a new instance. In place: stop gracefully.")))
                .isEqualTo("Restore an instance (--source local, the default) or from S3 (--source s3), in place or as a new instance.");
    }

    @Test
    void aDescriptionWithoutASentenceEndIsKeptWholeAndFormatSpecifiersAreDropped() {
        assertThat(HelpSections.summary(spec(new String[0], "List the jobs%nwith their schedules"))).isEqualTo("List the jobs with their schedules");
    }

    @Test
    void aHeaderWinsOverTheDescription() {
        assertThat(HelpSections.summary(spec(new String[]{"Short header."}, "Long description. More."))).isEqualTo("Short header.");
    }

    @Test
    void aDottedTokenIsNotASentenceEnd() {
        assertThat(HelpSections.summary(spec(new String[0], "Write /etc/traefik/traefik.yml and docs/proxy.md now. Then stop.")))
                .isEqualTo("Write /etc/traefik/traefik.yml and docs/proxy.md now.");
    }
}
