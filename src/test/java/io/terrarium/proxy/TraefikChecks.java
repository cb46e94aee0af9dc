package io.terrarium.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Test-side checks of rendered Traefik files: JSON-schema validation against the SchemaStore
 * copies in {@code ../shared/schemas/} (never skipped: a missing schema fails the test), a Traefik
 * v3 rule-syntax checker, and golden-file comparison.
 */
public final class TraefikChecks {

    static final Path SCHEMAS = Path.of("..", "shared", "schemas").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonSchema dynamicSchema;
    private static JsonSchema staticSchema;

    private TraefikChecks() {
    }

    /** Validates a dynamic file against traefik-v3-file-provider.schema.json and checks every rule. */
    static JsonNode assertValidDynamic(String yaml) {
        JsonNode doc = parse(yaml);
        assertSchema(dynamicSchema(), doc, "traefik-v3-file-provider.schema.json", yaml);
        assertNoEmptyContainers(doc, "");
        List<String> problems = new ArrayList<>();
        for (String section : List.of("http", "tcp")) {
            JsonNode routers = doc.path(section).path("routers");
            for (Iterator<Map.Entry<String, JsonNode>> it = routers.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String rule = e.getValue().path("rule").asText();
                ruleProblems(rule).forEach(p -> problems.add(section + " router " + e.getKey() + ": " + p));
            }
        }
        assertThat(problems).as("Traefik v3 rule syntax").isEmpty();
        Set<String> names = new java.util.TreeSet<>();
        doc.fields().forEachRemaining(section -> section.getValue().fields().forEachRemaining(kind ->
                kind.getValue().fieldNames().forEachRemaining(name -> {
                    names.add(name);
                    if (!name.equals(TraefikDynamicRenderer.NOOP_SERVICE)) {
                        assertThat(name).as("object name").matches("[a-z0-9-]+");
                    }
                })));
        return doc;
    }

    /** Validates a static file against traefik-v3-static.schema.json. */
    public static JsonNode assertValidStatic(String yaml) {
        JsonNode doc = parse(yaml);
        assertSchema(staticSchema(), doc, "traefik-v3-static.schema.json", yaml);
        assertNoEmptyContainers(doc, "");
        return doc;
    }

    /** Schema messages for {@code yaml} (dynamic or static schema); empty when valid. */
    static Set<ValidationMessage> schemaErrors(String yaml, boolean dynamic) {
        return (dynamic ? dynamicSchema() : staticSchema()).validate(parse(yaml));
    }

    static JsonNode parse(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertSchema(JsonSchema schema, JsonNode doc, String name, String yaml) {
        assertThat(doc.isObject()).as("document is a mapping:\n" + yaml).isTrue();
        Set<ValidationMessage> errors = schema.validate(doc);
        assertThat(errors).as(name + " validation of\n" + yaml).isEmpty();
    }

    private static void assertNoEmptyContainers(JsonNode node, String path) {
        if (node.isContainerNode()) {
            assertThat(node.size()).as("empty map or list at " + (path.isEmpty() ? "/" : path)).isPositive();
            if (node.isObject()) {
                node.fields().forEachRemaining(e -> assertNoEmptyContainers(e.getValue(), path + "/" + e.getKey()));
            } else {
                for (int i = 0; i < node.size(); i++) {
                    assertNoEmptyContainers(node.get(i), path + "/" + i);
                }
            }
        }
    }

    private static synchronized JsonSchema dynamicSchema() {
        if (dynamicSchema == null) {
            dynamicSchema = load("traefik-v3-file-provider.schema.json");
        }
        return dynamicSchema;
    }

    private static synchronized JsonSchema staticSchema() {
        if (staticSchema == null) {
            staticSchema = load("traefik-v3-static.schema.json");
        }
        return staticSchema;
    }

    private static JsonSchema load(String file) {
        Path path = SCHEMAS.resolve(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("schema " + path + " is missing: the repository must sit next to the "
                    + "shared/ folder (shared/schemas/" + file + "); these tests never skip validation");
        }
        try {
            JsonNode schema = JSON.readTree(Files.readString(path, StandardCharsets.UTF_8));
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern MATCHER = Pattern.compile("([A-Za-z]+)\\(`([^`]*)`\\)");
    private static final Set<String> KNOWN = Set.of("Host", "HostRegexp", "Path", "PathPrefix", "HostSNI");

    /**
     * Problems of one rule under Traefik v3 syntax as Terrarium uses it: matchers Host, HostRegexp,
     * Path, PathPrefix and HostSNI, each with exactly one backtick-quoted value, joined by {@code " && "};
     * HostRegexp values anchored ({@code ^…$}), valid regexps, every '.' outside a character class
     * escaped. An empty list means the rule is fine.
     */
    static List<String> ruleProblems(String rule) {
        List<String> problems = new ArrayList<>();
        if (rule == null || rule.isEmpty()) {
            problems.add("empty rule");
            return problems;
        }
        String[] parts = rule.split(" && ", -1);
        for (String part : parts) {
            Matcher m = MATCHER.matcher(part);
            if (!m.matches()) {
                problems.add("not a single-value matcher: " + part);
                continue;
            }
            String name = m.group(1);
            String value = m.group(2);
            if (!KNOWN.contains(name)) {
                problems.add("unexpected matcher " + name);
            }
            if (value.isEmpty()) {
                problems.add(name + " has an empty value");
            }
            switch (name) {
                case "Host" -> {
                    if (!value.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
                        problems.add("Host value is not one lower-case DNS name: " + value);
                    }
                }
                case "HostRegexp" -> problems.addAll(regexpProblems(value));
                case "Path", "PathPrefix" -> {
                    if (!value.startsWith("/")) {
                        problems.add(name + " must start with /: " + value);
                    }
                }
                case "HostSNI" -> {
                    if (!value.equals("*") && !value.matches("[a-z0-9.-]+")) {
                        problems.add("HostSNI value is not * or a DNS name: " + value);
                    }
                }
                default -> { }
            }
        }
        return problems;
    }

    private static List<String> regexpProblems(String value) {
        List<String> problems = new ArrayList<>();
        if (!value.startsWith("^") || !value.endsWith("$")) {
            problems.add("HostRegexp not anchored with ^…$: " + value);
        }
        try {
            Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            problems.add("HostRegexp is not a valid regexp: " + value);
        }
        boolean inClass = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') {
                inClass = true;
            } else if (c == ']') {
                inClass = false;
            } else if (c == '.' && !inClass) {
                problems.add("unescaped '.' at " + i + " in HostRegexp " + value);
            }
        }
        return problems;
    }

    /**
     * Compares {@code actual} with {@code src/test/resources/golden/<name>}. With the environment
     * variable {@code GOLDEN_UPDATE=1} the file is (re)written instead; review the diff.
     */
    static void assertGolden(String name, String actual) {
        Path file = Path.of("src", "test", "resources", "golden", name);
        try {
            if ("1".equals(System.getenv("GOLDEN_UPDATE"))) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual, StandardCharsets.UTF_8);
            }
            assertThat(file).as("golden file " + file + " (GOLDEN_UPDATE=1 writes it)").exists();
            assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
