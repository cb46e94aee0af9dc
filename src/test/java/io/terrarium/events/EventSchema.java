package io.terrarium.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** Validates event JSON against the published schema, {@code docs/events.schema.json}. */
final class EventSchema {
    private static JsonSchema schema;

    private EventSchema() {
    }

    /** The schema's complaints about a document, empty when it is valid. */
    static Set<String> problems(JsonNode event) {
        Set<String> out = new TreeSet<>();
        for (ValidationMessage m : schema().validate(event)) {
            out.add(m.getMessage());
        }
        return out;
    }

    private static synchronized JsonSchema schema() {
        if (schema == null) {
            try {
                JsonNode node = new ObjectMapper().readTree(Files.readString(Path.of("docs/events.schema.json")));
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return schema;
    }
}
