package io.terrarium.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.Collection;
import java.util.Map;

/** YAML output with sorted keys and a refusal of empty maps and lists (package-private helper). */
final class SortedYaml {

    private static final ObjectMapper MAPPER = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            // Every string value double-quoted: Traefik's Go YAML parser then never mistakes
            // ":80", "*.example.com" or a backtick rule for anything but a string.
            .disable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build())
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private SortedYaml() {
    }

    /**
     * Serialises {@code tree} after {@code header} (comment lines, each starting with {@code #}).
     *
     * @throws IllegalStateException if the tree holds an empty map or list anywhere
     */
    static String write(String header, Map<String, Object> tree) {
        checkNoEmpty("", tree);
        try {
            return header + MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise Traefik configuration", e);
        }
    }

    private static void checkNoEmpty(String path, Object node) {
        if (node instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                throw new IllegalStateException("empty map at " + (path.isEmpty() ? "document root" : path));
            }
            map.forEach((k, v) -> checkNoEmpty(path + "/" + k, v));
        } else if (node instanceof Collection<?> list) {
            if (list.isEmpty()) {
                throw new IllegalStateException("empty list at " + path);
            }
            int i = 0;
            for (Object item : list) {
                checkNoEmpty(path + "/" + i++, item);
            }
        }
    }
}
