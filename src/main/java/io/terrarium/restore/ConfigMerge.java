package io.terrarium.restore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The old host's Terrarium configuration (the host manifest's {@code config}, secret values never
 * included) applied to this host's stored document (issue 11 item 3), as {@code backup restore
 * --source s3 --all} does with LXD objects: what is missing here is taken from the backup, what
 * exists here with another value is kept and named (replaced only with {@code --force}).
 *
 * <p>Never taken from the backup, always this host's: {@code version}, {@code installation_id} (a new
 * host has its own; its exports go to its own folder), {@code s3} (how this host reaches the bucket),
 * {@code zfs} and {@code storage} (this host's pool and disks). A key naming a secret file
 * ({@code *_file}, {@code dns.env_files.*}, {@code backups.syncoid.ssh_key}) whose path does not exist
 * here is not applied, nor is the rest of its top-level section (a section without its secret would
 * be half-configured): the operator writes the secret and runs the command again. Pure: the caller
 * validates the result ({@link io.terrarium.config.ConfigCodec}) and stores it through the signed store.
 *
 * @param document   the merged document (YAML), or {@code null} when nothing changes
 * @param applied    {@code path = value} lines taken from the backup
 * @param kept       differing values kept as they are here (without --force)
 * @param notApplied what is not applied and why (a missing secret file, its section)
 */
public record ConfigMerge(String document, List<String> applied, List<String> kept, List<String> notApplied) {
    /** Top-level keys that always stay this host's. */
    public static final Set<String> HOST_OWN = Set.of("version", "installation_id", "s3", "zfs", "storage");

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES).build();

    public ConfigMerge {
        applied = List.copyOf(applied);
        kept = List.copyOf(kept);
        notApplied = List.copyOf(notApplied);
    }

    /**
     * Merges the backup's configuration into this host's document.
     *
     * @param backup     the old host's configuration (YAML)
     * @param here       this host's stored document (YAML; empty: nothing stored)
     * @param force      replace values that differ here with the backup's
     * @param fileExists whether a secret file path exists on this host
     * @throws IllegalArgumentException when either document is not a YAML mapping
     */
    public static ConfigMerge of(String backup, String here, boolean force, Predicate<String> fileExists) {
        ObjectNode old = tree(backup, "the host manifest's config");
        ObjectNode mine = here == null || here.isBlank() ? YAML.createObjectNode() : tree(here, "this host's configuration");
        Map<String, JsonNode> oldLeaves = new LinkedHashMap<>();
        flatten("", old, oldLeaves);
        Map<String, JsonNode> hereLeaves = new LinkedHashMap<>();
        flatten("", mine, hereLeaves);

        Set<String> blocked = new TreeSet<>();
        List<String> notApplied = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : oldLeaves.entrySet()) {
            String path = e.getKey();
            if (HOST_OWN.contains(top(path)) || !isSecretPath(path) || !e.getValue().isTextual()) {
                continue;
            }
            JsonNode h = hereLeaves.get(path);
            if (h != null && h.equals(e.getValue())) {
                continue;
            }
            if (!fileExists.test(e.getValue().asText())) {
                blocked.add(top(path));
                notApplied.add(path + ": the old host read a secret from " + e.getValue().asText() + ", which does not exist here;"
                        + " write it (0600, root; secrets are never in the bucket) and run the command again");
            }
        }
        List<String> applied = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        ObjectNode merged = mine.deepCopy();
        for (Map.Entry<String, JsonNode> e : oldLeaves.entrySet()) {
            String path = e.getKey();
            if (HOST_OWN.contains(top(path))) {
                continue;
            }
            JsonNode h = hereLeaves.get(path);
            if (h != null && h.equals(e.getValue())) {
                continue;
            }
            String line = path + " = " + show(e.getValue());
            if (blocked.contains(top(path))) {
                notApplied.add(line + " (section " + top(path) + " waits for its secret file)");
            } else if (h == null) {
                set(merged, path, e.getValue());
                applied.add(line);
            } else if (force) {
                set(merged, path, e.getValue());
                applied.add(line + " (here " + show(h) + ", replaced: --force)");
            } else {
                kept.add(path + ": here " + show(h) + " kept, the backup's is " + show(e.getValue()) + " (--force takes the backup's)");
            }
        }
        String doc;
        try {
            doc = applied.isEmpty() ? null : YAML.writeValueAsString(merged);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new ConfigMerge(doc, applied, kept, notApplied);
    }

    /** Plan lines: what is applied, kept and not applied. */
    public List<String> describe(String store) {
        List<String> l = new ArrayList<>();
        if (applied.isEmpty()) {
            l.add("terrarium configuration: nothing to apply from the old host's" + (kept.isEmpty() && notApplied.isEmpty() ? " (same)" : ""));
        } else {
            l.add("terrarium configuration: apply " + applied.size() + " key(s) of the old host's to " + store
                    + " (signed with this host's key):");
            applied.forEach(a -> l.add("    " + a));
        }
        kept.forEach(k -> l.add("    keep " + k));
        notApplied.forEach(n -> l.add("    NOT applied: " + n));
        return l;
    }

    private static ObjectNode tree(String yaml, String what) {
        try {
            JsonNode n = YAML.readTree(yaml);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(what + " is not a YAML mapping");
            }
            return (ObjectNode) n;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not valid YAML: " + e.getOriginalMessage(), e);
        }
    }

    /** Leaves by dotted path: scalars and lists are leaves, mappings are descended into. */
    private static void flatten(String prefix, JsonNode node, Map<String, JsonNode> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject() && !e.getValue().isEmpty()) {
                flatten(path, e.getValue(), out);
            } else if (!e.getValue().isNull()) {
                out.put(path, e.getValue());
            }
        }
    }

    private static void set(ObjectNode root, String path, JsonNode value) {
        String[] parts = path.split("\\.");
        ObjectNode n = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode c = n.get(parts[i]);
            n = c instanceof ObjectNode o ? o : n.putObject(parts[i]);
        }
        n.set(parts[parts.length - 1], value.deepCopy());
    }

    static boolean isSecretPath(String path) {
        String leaf = path.substring(path.lastIndexOf('.') + 1);
        return leaf.endsWith("_file") || path.startsWith("dns.env_files.") || path.equals("backups.syncoid.ssh_key");
    }

    private static String top(String path) {
        int dot = path.indexOf('.');
        return dot < 0 ? path : path.substring(0, dot);
    }

    private static String show(JsonNode v) {
        return v.isTextual() ? "\"" + v.asText() + "\"" : v.toString();
    }
}
