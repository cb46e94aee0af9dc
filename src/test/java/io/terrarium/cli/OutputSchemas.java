package io.terrarium.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The documented JSON shapes of the CLI's list, status and job commands (docs/output.md): command
 * path → schema file under docs/schemas/, and a validator for them. Used by the unit test that
 * walks the command tree and by the integration test that runs each command on the development host.
 */
public final class OutputSchemas {
    /** Command path (without {@code terrariumctl}) → schema file name in docs/schemas/. */
    public static final Map<String, String> BY_COMMAND = byCommand();
    private static final Path DIR = Path.of("docs/schemas").toAbsolutePath();

    private OutputSchemas() {
    }

    private static Map<String, String> byCommand() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("status", "status.schema.json");
        m.put("jobs list", "jobs-list.schema.json");
        m.put("proxy list", "proxy-list.schema.json");
        m.put("backup list", "backup-list.schema.json");
        m.put("backup aside list", "backup-aside-list.schema.json");
        for (String job : new String[]{"jobs run", "proxy sync", "backup snapshot", "backup export", "backup replicate", "backup verify"}) {
            m.put(job, "job-result.schema.json");
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The schema's complaints about a document, empty when it is valid. */
    public static Set<String> problems(String schemaFile, JsonNode document) {
        Set<String> out = new TreeSet<>();
        for (ValidationMessage m : schema(schemaFile).validate(document)) {
            out.add(m.getMessage());
        }
        return out;
    }

    /** Loads (and so checks) a schema; {@code $ref}s to sibling files resolve in docs/schemas/. */
    public static JsonSchema schema(String schemaFile) {
        try {
            Path f = DIR.resolve(schemaFile);
            JsonNode node = new ObjectMapper().readTree(f.toFile());
            JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                    b -> b.schemaMappers(s -> s.mapPrefix("https://terrarium.io/schemas/", DIR.toUri().toString())));
            JsonSchema s = factory.getSchema(SchemaLocation.of(f.toUri().toString()), node);
            s.initializeValidators();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
