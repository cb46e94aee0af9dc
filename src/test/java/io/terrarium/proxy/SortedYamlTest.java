package io.terrarium.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SortedYamlTest {

    @Test
    void roundTripsAwkwardStringsKeysAndNesting() {
        Map<String, Object> tree = TraefikDynamicRenderer.map(
                "b", List.of("*.x", ":80", "a\"b\\c", "line\nbreak", "tab\t", "ünï", "\u0001", "401", "true", "null", ""),
                "a", TraefikDynamicRenderer.map("n", 5, "t", true, "list", List.of(
                        TraefikDynamicRenderer.map("k2", "v", "k1", List.of("x")), TraefikDynamicRenderer.map("z", 1))),
                "on", "reserved key", "401", "numeric key", "with space", 1);
        String yaml = SortedYaml.write("# h\n", tree);
        assertThat(TraefikChecks.parse(yaml)).isEqualTo(new ObjectMapper().valueToTree(tree));
        assertThat(yaml).startsWith("# h\n\"401\": \"numeric key\"\na:\n");
    }

    @Test
    void refusesEmptyMapsAndLists() {
        assertThatThrownBy(() -> SortedYaml.write("", Map.of())).hasMessageContaining("document root");
        assertThatThrownBy(() -> SortedYaml.write("", TraefikDynamicRenderer.map("http", TraefikDynamicRenderer.map("routers", Map.of()))))
                .hasMessageContaining("empty map at /http/routers");
        assertThatThrownBy(() -> SortedYaml.write("", TraefikDynamicRenderer.map("l", List.of())))
                .hasMessageContaining("empty list at /l");
    }
}
