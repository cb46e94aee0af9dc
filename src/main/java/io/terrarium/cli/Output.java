package io.terrarium.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.terrarium.App;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one renderer for everything the CLI lists: rows (ordered maps with the same keys) as an
 * aligned text table, a JSON array or a YAML list.
 */
public final class Output {
    private static final ObjectMapper JSON = App.jsonMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /**
     * YAML with the JSON output's shape: the same snake_case property names (a job result printed
     * {@code startedAt} in YAML but {@code started_at} in JSON), and every string quoted — a bare
     * {@code 2026-12-06T17:07:00Z} is a timestamp to YAML 1.1 loaders (PyYAML, Go yaml.v2), not the
     * string the schema says.
     */
    private static final ObjectMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.SPLIT_LINES).build())
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

    private Output() {
    }

    /** A row builder keeping column order. */
    public static Map<String, Object> row(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            m.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
        }
        return m;
    }

    /** Renders rows in the given format to {@code out}. */
    public static void rows(PrintWriter out, Format format, List<Map<String, Object>> rows) {
        switch (format) {
            case json -> out.println(json(rows));
            case yaml -> out.print(yaml(rows));
            default -> out.print(table(rows));
        }
        out.flush();
    }

    /** Renders any value (record, map) as JSON or YAML; table falls back to YAML. */
    public static void value(PrintWriter out, Format format, Object value) {
        out.print(format == Format.json ? json(value) + "\n" : yaml(value));
        out.flush();
    }

    /** Aligned table with an upper-case header; empty string for no rows. */
    public static String table(List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return "";
        }
        List<String> cols = new ArrayList<>(rows.get(0).keySet());
        int[] w = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            w[i] = cols.get(i).length();
            for (Map<String, Object> r : rows) {
                w[i] = Math.max(w[i], cell(r.get(cols.get(i))).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, w, cols.stream().map(c -> c.toUpperCase().replace('_', ' ')).toList());
        for (Map<String, Object> r : rows) {
            line(sb, w, cols.stream().map(c -> cell(r.get(c))).toList());
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, int[] w, List<String> cells) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            l.append(i == cells.size() - 1 ? cells.get(i) : String.format("%-" + w[i] + "s  ", cells.get(i)));
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    /**
     * A cell as it may reach a terminal: every character that does not print (ESC, CR, bidi
     * controls, …) escaped as {@code \\uXXXX} by {@link io.terrarium.config.ConfigException#printable},
     * line breaks kept. Cells carry text from untrusted places — a label's text in a proxy-sync
     * error, an instance name, a job summary — and an escape sequence in one reached the operator's
     * terminal through {@code status} (tester, session 7). JSON and YAML escape these characters themselves.
     */
    static String cell(Object o) {
        if (o == null) {
            return "-";
        }
        String[] lines = String.valueOf(o).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            lines[i] = io.terrarium.config.ConfigException.printable(lines[i]);
        }
        return String.join("\n", lines);
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String yaml(Object o) {
        try {
            return YAML.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
