package io.terrarium.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads and writes the configuration YAML. Reading is strict: unknown keys, duplicate keys, wrong
 * types and trailing documents are errors that name the key and the line; after parsing,
 * {@link ConfigValidator} checks the values. Writing is deterministic (fixed key order, no nulls).
 */
public final class ConfigCodec {
    private final YAMLMapper mapper;
    private final String secretsDir;

    /** A codec whose secret files live under {@value ConfigValidator#SECRETS_DIR}. */
    public ConfigCodec() {
        this(ConfigValidator.SECRETS_DIR);
    }

    /**
     * @param secretsDir the host's secrets directory ({@code TerrariumPaths#secretsDir}); every key
     *                   or secret file a parsed configuration names must be a file directly in it
     */
    public ConfigCodec(String secretsDir) {
        this.secretsDir = secretsDir;
        YAMLFactory factory = YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .build();
        factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        this.mapper = YAMLMapper.builder(factory)
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .build();
        // a quoted number or boolean ("1024", "true") is text, not a number: a type error naming the key
        // (Jackson coerces scalars by default; issue 15 item 8)
        for (com.fasterxml.jackson.databind.type.LogicalType t : List.of(com.fasterxml.jackson.databind.type.LogicalType.Integer,
                com.fasterxml.jackson.databind.type.LogicalType.Float, com.fasterxml.jackson.databind.type.LogicalType.Boolean)) {
            mapper.coercionConfigFor(t).setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.String,
                    com.fasterxml.jackson.databind.cfg.CoercionAction.Fail);
        }
    }

    /**
     * Parses and validates a document.
     *
     * @param yaml   the YAML text
     * @param source name used in messages (a file path, or "LXD project terrarium-system")
     * @return the configuration with defaults filled in
     * @throws ConfigException naming the line and key of every problem
     */
    public TerrariumConfig parse(String yaml, String source) {
        Objects.requireNonNull(yaml, "yaml");
        if (yaml.isBlank()) {
            throw new ConfigException(source + ": the document is empty (expected at least `version: "
                    + TerrariumConfig.CURRENT_VERSION + "`)");
        }
        refuseControlCharacters(yaml, source);
        refuseAnchorsAndAliases(yaml, source);
        TerrariumConfig cfg;
        try {
            cfg = mapper.readValue(yaml, TerrariumConfig.class);
        } catch (MismatchedInputException e) {
            if (String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
                throw new ConfigException(source + ": " + where(e.getLocation())
                        + "the file holds more than one YAML document (a second '---'); keep exactly one");
            }
            if (fullPath(e).isEmpty()) {
                throw new ConfigException(source + ": " + where(e.getLocation())
                        + "the document must be a mapping of sections (version, domains, emails, …)");
            }
            throw new ConfigException(allProblems(yaml, source, e));
        } catch (JsonProcessingException e) {
            if (outOfRange(e) != null && !keyPath(e).isEmpty()) {
                // valid YAML, a number too large for its key: named like a value of the wrong type, and the
                // rest of the document still checked (tester, sessions 5 and 6: "not valid YAML", and nothing else)
                throw new ConfigException(allProblems(yaml, source, e));
            }
            if (String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
                throw new ConfigException(source + ": " + where(e.getLocation())
                        + "the file holds more than one YAML document (a second '---'); keep exactly one");
            }
            if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
                throw new ConfigException(source + ": line " + (m.getProblemMark().getLine() + 1) + ", column "
                        + (m.getProblemMark().getColumn() + 1) + ": not valid YAML: " + m.getProblem());
            }
            throw new ConfigException(source + ": " + where(e.getLocation()) + "not valid YAML: "
                    + firstLine(e.getOriginalMessage()));
        }
        if (cfg == null) {
            throw new ConfigException(source + ": the document is empty");
        }
        List<String> problems = ConfigValidator.validate(cfg, secretsDir);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream().map(p -> source + ": " + p).toList());
        }
        return cfg;
    }

    /**
     * What a valid document says that the parsed configuration silently reads otherwise: an
     * explicit {@code daemon.management_port: 8765} (the unprivileged default before issue 14,
     * which every stored document carried) is read as {@value TerrariumConfig.Daemon#DEFAULT_PORT}
     * (tester, issue 15: it "silently became 876").
     *
     * @param yaml   the YAML text (already accepted by {@link #parse})
     * @param source name used in messages
     * @return one message per warning (with its line); empty when none or the text cannot be read
     */
    public List<String> warnings(String yaml, String source) {
        try {
            com.fasterxml.jackson.databind.JsonNode port = mapper.readTree(yaml).path("daemon").path("management_port");
            if (port.isInt() && port.intValue() == TerrariumConfig.Daemon.LEGACY_DEFAULT_PORT) {
                return List.of(source + ": " + where(keyLocation(yaml, List.of("daemon", "management_port"), null))
                        + "daemon.management_port " + TerrariumConfig.Daemon.LEGACY_DEFAULT_PORT + " (the old default) is read as "
                        + TerrariumConfig.Daemon.DEFAULT_PORT + ", the privileged default that no local user can bind first;"
                        + " write " + TerrariumConfig.Daemon.DEFAULT_PORT + " (or remove the key) to say so, or choose another port below 1024");
            }
        } catch (JsonProcessingException | RuntimeException e) {
            // nothing to warn about in a text that cannot be read
        }
        return List.of();
    }

    /**
     * Checks a configuration's values against this codec's secrets directory
     * ({@link ConfigValidator#validate(TerrariumConfig, String)}).
     *
     * @return one message per problem; empty when valid
     */
    public List<String> problems(TerrariumConfig config) {
        return ConfigValidator.validate(config, secretsDir);
    }

    /** Serialises a configuration as YAML (snake_case keys, fixed order). */
    public String write(TerrariumConfig config) {
        try {
            return mapper.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }

    /**
     * Every problem of a document, not only the first Jackson stops at (issue 15 item 8; a new
     * user saw one type error per run, and an unknown key hid a reversed range): the offending key
     * (unknown, of the wrong type, or a number out of its type's range) is removed from a tree of the
     * document and the tree is bound again, until it binds; then {@link ConfigValidator} checks the
     * values that are left, except those below a key already reported as of the wrong type (its
     * default would be judged instead). At most 200 keys.
     *
     * @param first a {@link MismatchedInputException} or an {@link InputCoercionException}
     * @return one message per problem, in order of discovery
     */
    private List<String> allProblems(String yaml, String source, JsonProcessingException first) {
        List<String> out = new java.util.ArrayList<>();
        List<String> mistyped = new java.util.ArrayList<>();
        out.add(problem(yaml, source, first, mistyped));
        try {
            com.fasterxml.jackson.databind.JsonNode tree = mapper.readTree(yaml);
            JsonProcessingException cur = first;
            for (int i = 0; i < 200 && remove(tree, keyPath(cur)); i++) {
                try {
                    TerrariumConfig cfg = mapper.treeToValue(tree, TerrariumConfig.class);
                    for (String p : ConfigValidator.validate(cfg, secretsDir)) {
                        if (mistyped.stream().noneMatch(k -> p.contains(k))) {
                            out.add(source + ": " + p);
                        }
                    }
                    break;
                } catch (JsonProcessingException next) {
                    if (!(next instanceof MismatchedInputException) && outOfRange(next) == null || keyPath(next).isEmpty()) {
                        break;
                    }
                    cur = next;
                    out.add(problem(yaml, source, next, mistyped));
                }
            }
        } catch (JsonProcessingException | RuntimeException e) {
            // another kind of problem: the ones found so far are reported now, the rest after they are fixed
        }
        return out;
    }

    /**
     * The path of the key a binding problem is about: field names (String) and list indexes
     * (Integer) from the document's root; empty when it is the root itself.
     */
    private static List<Object> keyPath(JsonProcessingException e) {
        List<Object> out = new java.util.ArrayList<>();
        if (e instanceof JsonMappingException m) {
            for (JsonMappingException.Reference r : m.getPath()) {
                out.add(r.getFieldName() != null ? r.getFieldName() : (Object) r.getIndex());
            }
        } else if (e instanceof InputCoercionException c && c.getProcessor() != null) {
            for (com.fasterxml.jackson.core.JsonStreamContext x = c.getProcessor().getParsingContext(); x != null && !x.inRoot(); x = x.getParent()) {
                out.add(0, x.inObject() ? (Object) x.getCurrentName() : (Object) x.getCurrentIndex());
            }
        }
        return out;
    }

    /** The number-out-of-range error behind {@code e} (Jackson wraps it with the key's path), or null. */
    private static InputCoercionException outOfRange(JsonProcessingException e) {
        return e instanceof InputCoercionException c ? c : e.getCause() instanceof InputCoercionException c ? c : null;
    }

    /** A number out of its key's range: {@code key "a.b" must be a whole number from MIN to MAX, not VALUE}. */
    private String outOfRange(String yaml, String source, JsonProcessingException any, List<String> mistyped) {
        InputCoercionException e = outOfRange(any);
        List<Object> path = keyPath(any);
        String key = path.stream().map(o -> o instanceof Integer i ? "[" + i + "]" : String.valueOf(o)).collect(Collectors.joining("."));
        mistyped.add(key);
        Class<?> t = e.getTargetType();
        boolean isLong = t == Long.class || t == long.class;
        String text = "";
        try {
            com.fasterxml.jackson.databind.JsonNode n = mapper.readTree(yaml);
            for (Object o : path) {
                n = n == null ? null : o instanceof Integer i ? n.get(i) : n.get((String) o);
            }
            text = n == null ? "" : n.asText();
        } catch (JsonProcessingException | RuntimeException ignored) {
            // no value to show
        }
        // the type's bound, not the key's own range (checked once the number fits; tester, session 7)
        String bound = text.startsWith("-") ? " no smaller than " + (isLong ? Long.MIN_VALUE : Integer.MIN_VALUE)
                : " no larger than " + (isLong ? Long.MAX_VALUE : Integer.MAX_VALUE);
        List<String> names = path.stream().map(o -> o instanceof String n ? n : "").toList();
        return source + ": " + where(keyLocation(yaml, names, e.getLocation())) + "key \"" + key + "\" must be "
                + describe(t) + bound + (text.isEmpty() ? "" : ", not " + text) + " (its own range is checked once it fits)";
    }

    /** The message of an unknown key, a value of the wrong type or out of range; a mistyped key's path is added to {@code mistyped}. */
    private String problem(String yaml, String source, JsonProcessingException any, List<String> mistyped) {
        if (outOfRange(any) != null) {
            return outOfRange(yaml, source, any, mistyped);
        }
        MismatchedInputException e = (MismatchedInputException) any;
        if (e instanceof UnrecognizedPropertyException u) {
            return unknownKey(yaml, source, u);
        }
        String key = fullPath(e);
        mistyped.add(key);
        String got = e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException f && f.getValue() != null
                ? ", not \"" + f.getValue() + "\"" : quotedText(yaml, e);
        return source + ": " + where(keyLocation(yaml, names(e), e.getLocation())) + "key \"" + key
                + "\" must be " + describe(e.getTargetType()) + got;
    }

    private String unknownKey(String yaml, String source, UnrecognizedPropertyException e) {
        String allowed = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                .map(Object::toString).collect(Collectors.toCollection(TreeSet::new)).toString();
        String parent = path(e);
        return source + ": " + where(keyLocation(yaml, names(e), e.getLocation())) + "unknown key \""
                + e.getPropertyName() + "\"" + (parent.isEmpty() ? " at the top level" : " in \"" + parent + "\"")
                + (allowed.isEmpty() ? "" : " (allowed: " + allowed.substring(1, allowed.length() - 1) + ")");
    }

    /** Removes the key at the end of {@code path} ({@link #keyPath}) from {@code tree}; false when it is not there. */
    private static boolean remove(com.fasterxml.jackson.databind.JsonNode tree, List<Object> path) {
        com.fasterxml.jackson.databind.JsonNode node = tree;
        for (int i = 0; i < path.size() - 1 && node != null; i++) {
            node = path.get(i) instanceof Integer n ? node.get(n) : node.get((String) path.get(i));
        }
        Object last = path.isEmpty() ? null : path.get(path.size() - 1);
        return node instanceof com.fasterxml.jackson.databind.node.ObjectNode o && last instanceof String k && o.remove(k) != null;
    }

    /**
     * A control character (other than tab, line feed and carriage return) is refused at its own line
     * and column (YAML 1.1 §5.1 allows only printable characters; SnakeYAML's own message names line
     * 1, column 1 for any of them, issue 15 item 8).
     *
     * @throws ConfigException naming line, column and the character's code
     */
    static void refuseControlCharacters(String yaml, String source) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < yaml.length(); i++) {
            char c = yaml.charAt(i);
            if (c == '\n') {
                line++;
                col = 1;
                continue;
            }
            if (Character.isISOControl(c) && c != '\t' && c != '\r' && c != '\u0085' || c == '\uFEFF' && i > 0) {
                throw new ConfigException(source + ": line " + line + ", column " + col + ": control character "
                        + String.format("U+%04X", (int) c) + " is not allowed in the configuration; remove it (`cat -A` shows it)");
            }
            col++;
        }
    }

    /**
     * YAML anchors ({@code &name}) and aliases ({@code *name}) are refused, naming the anchor and
     * where it stands: an alias copies a whole node, so a later error would point at the anchor's
     * text and confuse, and one line can silently configure two sections. Problems SnakeYAML finds
     * while reading the events are left to the parse that follows (it words them).
     *
     * @throws ConfigException naming line, column and the anchor
     */
    static void refuseAnchorsAndAliases(String yaml, String source) {
        org.yaml.snakeyaml.LoaderOptions o = new org.yaml.snakeyaml.LoaderOptions();
        try {
            for (org.yaml.snakeyaml.events.Event ev : new org.yaml.snakeyaml.Yaml(o).parse(new java.io.StringReader(yaml))) {
                if (ev instanceof org.yaml.snakeyaml.events.NodeEvent n && n.getAnchor() != null) {
                    boolean alias = ev instanceof org.yaml.snakeyaml.events.AliasEvent;
                    throw new ConfigException(source + ": line " + (ev.getStartMark().getLine() + 1) + ", column "
                            + (ev.getStartMark().getColumn() + 1) + ": YAML " + (alias ? "alias *" : "anchor &") + n.getAnchor()
                            + " is not supported in the configuration; write the values out in full");
                }
            }
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            // reported by the parse that follows
        }
    }

    /** {@code , not "TEXT"} when the refused value is a string (read again from the document), else "". */
    private String quotedText(String yaml, MismatchedInputException e) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = mapper.readTree(yaml);
            for (JsonMappingException.Reference r : e.getPath()) {
                n = n == null ? null : r.getFieldName() != null ? n.get(r.getFieldName()) : n.get(r.getIndex());
            }
            if (n != null && n.isTextual()) {
                return ", not \"" + n.asText() + "\"" + (n.asText().matches("-?[0-9]+|true|false") ? " (quoted, so it is text)" : "");
            }
        } catch (JsonProcessingException | RuntimeException ignored) {
            // no value to show
        }
        return "";
    }

    /** The expected shape of a value, in an operator's words. */
    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "text";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "a list in brackets, e.g. [a, b]";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a section (indented keys below it)";
        }
        return "a " + type.getSimpleName();
    }

    private static List<String> names(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() == null ? "" : r.getFieldName()).toList();
    }

    /**
     * Where a key (given by its path of names) stands in the document. Jackson reports the end of
     * a buffered record instead, so re-read the tokens and find the key itself.
     */
    private JsonLocation keyLocation(String yaml, List<String> path, JsonLocation fallback) {
        if (path.isEmpty()) {
            return fallback;
        }
        try (JsonParser p = mapper.getFactory().createParser(yaml)) {
            List<String> names = new java.util.ArrayList<>();
            java.util.ArrayDeque<Boolean> named = new java.util.ArrayDeque<>();
            String pendingName = null;
            com.fasterxml.jackson.core.JsonToken t;
            while ((t = p.nextToken()) != null) {
                switch (t) {
                    case FIELD_NAME -> {
                        pendingName = p.currentName();
                        List<String> here = new java.util.ArrayList<>(names);
                        here.add(pendingName);
                        if (here.equals(path)) {
                            return p.currentTokenLocation();
                        }
                    }
                    case START_OBJECT, START_ARRAY -> {
                        named.push(pendingName != null);
                        if (pendingName != null) {
                            names.add(pendingName);
                        }
                        pendingName = null;
                    }
                    case END_OBJECT, END_ARRAY -> {
                        if (!named.isEmpty() && named.pop()) {
                            names.remove(names.size() - 1);
                        }
                    }
                    default -> pendingName = null;
                }
            }
        } catch (java.io.IOException e) {
            return fallback;
        }
        return fallback;
    }

    private static String where(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
    }

    private static String path(JsonMappingException e) {
        List<JsonMappingException.Reference> refs = e.getPath();
        return refs.subList(0, Math.max(0, refs.size() - 1)).stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String fullPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
