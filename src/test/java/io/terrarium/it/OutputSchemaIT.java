package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.terrarium.cli.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every list and status command, and a job command, run by the packaged launcher on the
 * development host (real LXD with the demo instances, the zfs-fuse pool, the stored configuration)
 * with {@code -o json}: the output validates against its schema in docs/schemas/, and
 * {@code -o yaml} prints the same document.
 */
class OutputSchemaIT {
    @TempDir
    Path dir;

    @Test
    void everyListStatusAndJobCommandPrintsJsonThatValidatesAgainstItsSchema() throws Exception {
        Terrariumctl trm = new Terrariumctl(dir);
        ObjectMapper json = new ObjectMapper();
        // a job result first, so status and jobs list have a last run and a last success to show
        List<String[]> runs = List.of(
                new String[]{"jobs run", "jobs", "run", "host-facts", "-o", "json"},
                new String[]{"status", "status", "-o", "json"},
                new String[]{"jobs list", "jobs", "list", "-o", "json"},
                new String[]{"proxy list", "proxy", "list", "-o", "json"},
                new String[]{"backup list", "backup", "list", "-o", "json"},
                new String[]{"backup list", "backup", "list", "--source", "local", "-o", "json"},
                new String[]{"backup aside list", "backup", "aside", "list", "-o", "json"});
        List<String> covered = new ArrayList<>();
        for (String[] r : runs) {
            String[] args = java.util.Arrays.copyOfRange(r, 1, r.length);
            var res = trm.run(Duration.ofMinutes(3), args);
            // status exits 1 when a component is in error (e.g. no daemon health); the JSON is still whole
            assertThat(res.exit()).as("%s: %s", String.join(" ", args), res.err()).isIn(0, r[0].equals("status") ? 1 : 0);
            JsonNode doc = json.readTree(res.out());
            String schema = OutputSchemas.BY_COMMAND.get(r[0]);
            assertThat(OutputSchemas.problems(schema, doc)).as("%s against %s:%n%s", String.join(" ", args), schema, res.out()).isEmpty();
            covered.add(r[0]);
            if (r[0].equals("jobs list")) {
                JsonNode hf = null;
                for (JsonNode row : doc) {
                    if (row.path("job").asText().equals("host-facts")) {
                        hf = row;
                    }
                }
                assertThat(hf).isNotNull();
                assertThat(hf.path("last_result").asText()).isEqualTo("OK");
                assertThat(hf.path("last_success").isTextual()).isTrue();
                // the same document in YAML
                String[] yamlArgs = args.clone();
                yamlArgs[yamlArgs.length - 1] = "yaml";
                JsonNode yaml = new YAMLMapper().readTree(trm.run(yamlArgs).out());
                assertThat(yaml.size()).isEqualTo(doc.size());
                assertThat(yaml.get(0).path("job").asText()).isEqualTo(doc.get(0).path("job").asText());
            }
            if (r[0].equals("backup list") && args.length == 4) {
                assertThat(doc.path("local").size()).as("the demo instances have datasets: %s", res.out()).isGreaterThanOrEqualTo(1);
            }
        }
        assertThat(covered).containsAll(OutputSchemas.BY_COMMAND.entrySet().stream()
                .filter(e -> !e.getValue().equals("job-result.schema.json")).map(java.util.Map.Entry::getKey).toList());
    }
}
