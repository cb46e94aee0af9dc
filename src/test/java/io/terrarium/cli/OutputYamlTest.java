package io.terrarium.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code -o yaml} has the shape of {@code -o json} (docs/output.md): the inputs that broke it (tester, session 4). */
class OutputYamlTest {
    private static String render(Format f, Object v) {
        StringWriter w = new StringWriter();
        Output.value(new PrintWriter(w), f, v);
        return w.toString();
    }

    @Test
    void aJobResultHasTheSameKeysInYamlAsInJson() throws Exception {
        JobResult r = new JobResult("host-facts", JobResult.Status.OK, "ok", "cli", Instant.parse("2026-12-06T17:07:00Z"), 2341,
                "daemon pid 20876", Map.of("n", 1));
        String yaml = render(Format.yaml, r);
        assertThat(yaml).contains("started_at:", "duration_ms:", "ran_in:").doesNotContain("startedAt", "durationMs", "ranIn");
        assertThat(new YAMLMapper().readTree(yaml)).isEqualTo(new ObjectMapper().readTree(render(Format.json, r)));
    }

    /** Tester (session 7): an escape sequence in a job summary reached the terminal through `status`. */
    @Test
    void tableCellsEscapeWhatDoesNotPrintButKeepLineBreaks() {
        String hostile = "FAILED: label \"\u001b]0;owned\u0007\u001b[2J\" refused\r\u202Eevil\nsecond line";
        String table = Output.table(List.of(Output.row("job", "proxy-sync", "detail", hostile)));
        assertThat(table).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\r").doesNotContain("\u202E")
                .contains("\\u001B]0;owned\\u0007\\u001B[2J").contains("\\r\\u202Eevil\nsecond line");
        assertThat(Output.cell("plain ünïcode — ok")).isEqualTo("plain ünïcode — ok");
        // JSON keeps the text exact (escaped by the encoder)
        assertThat(render(Format.json, List.of(Map.of("detail", hostile)))).contains("\\u001B]0;owned").doesNotContain("\u001b");
    }

    @Test
    void timestampsAreQuotedStringsSoYaml11LoadersKeepThemStrings() {
        String yaml = render(Format.yaml, List.of(Map.of("next_run", "2026-12-06T17:07:00Z", "job", "snapshot")));
        assertThat(yaml).contains("next_run: \"2026-12-06T17:07:00Z\"");
    }
}
