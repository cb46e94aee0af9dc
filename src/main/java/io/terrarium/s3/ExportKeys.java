package io.terrarium.s3;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Object key layout under the configured prefix:
 *
 * <pre>
 *   &lt;prefix&gt;&lt;installation-id&gt;/&lt;instance&gt;/manifests/&lt;id&gt;.json        the commit point
 *   &lt;prefix&gt;&lt;installation-id&gt;/&lt;instance&gt;/data/&lt;id&gt;/stream.zst.0000  volume 0, 0001, …
 *   &lt;prefix&gt;&lt;installation-id&gt;/_host/manifests/&lt;stamp&gt;.json   host manifest (issue 11)
 * </pre>
 *
 * The host folder {@value #HOST_DIR} starts with an underscore, which no LXD instance name can.
 *
 * {@code id} = {@code <created_at as yyyyMMdd'T'HHmmss'Z'>-<snapshot guid>}, so manifests of one
 * instance sort by time. Every part is checked: a name that could escape the prefix is rejected.
 */
public final class ExportKeys {
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** Folder of the host manifests under an installation; not an instance name (LXD names start with a letter). */
    public static final String HOST_DIR = "_host";

    private final String prefix;
    private final String installationId;

    /** @param prefix normalized prefix (ends with '/', or empty) @param installationId installation id */
    public ExportKeys(String prefix, String installationId) {
        this.prefix = prefix;
        this.installationId = check("installation id", installationId);
    }

    /** A new manifest id for a snapshot exported at {@code at}. */
    public static String newId(Instant at, String snapshotGuid) {
        return STAMP.format(at) + "-" + check("snapshot guid", snapshotGuid);
    }

    /** The folder of one instance: {@code <prefix><installation>/<instance>/}. */
    public String instanceDir(String instance) {
        return prefix + installationId + "/" + check("instance", instance) + "/";
    }

    /** Key of the manifest {@code id} of {@code instance}. */
    public String manifest(String instance, String id) {
        return instanceDir(instance) + "manifests/" + check("manifest id", id) + ".json";
    }

    /** Key of volume {@code index} (0-based) of export {@code id}. */
    public String volume(String instance, String id, int index) {
        return instanceDir(instance) + "data/" + check("manifest id", id) + "/stream.zst." + String.format("%04d", index);
    }

    /** The folder of this installation's host manifests: {@code <prefix><installation>/_host/manifests/}. */
    public String hostManifestDir() {
        return prefix + installationId + "/" + HOST_DIR + "/manifests/";
    }

    /** Key of the host manifest written at {@code at}: {@code …/_host/manifests/<yyyyMMdd'T'HHmmss'Z'>.json}. */
    public String hostManifest(Instant at) {
        return hostManifestDir() + STAMP.format(at) + ".json";
    }

    /** The installation id (the folder under the prefix). */
    public String installationId() {
        return installationId;
    }

    /** The configured prefix. */
    public String prefix() {
        return prefix;
    }

    private static String check(String what, String v) {
        if (v == null || !PART.matcher(v).matches()) {
            throw new IllegalArgumentException(what + " \"" + v + "\" may only hold [A-Za-z0-9._:-] and must start with a letter or digit");
        }
        return v;
    }
}
