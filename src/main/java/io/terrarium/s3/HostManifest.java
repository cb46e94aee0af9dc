package io.terrarium.s3;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a new machine needs besides the instance datasets to bring a whole host back (issue 11 item 3,
 * DESIGN.md §4 "Host manifest"): written by every {@code s3-export} run beside the instance chains,
 * at {@link ExportKeys#hostManifest}. JSON, snake_case, versioned by {@link #formatVersion}; a reader
 * refuses a newer format (see {@link HostManifestCodec}).
 *
 * <p>It never holds a secret value: Terrarium's configuration names secrets only by the path of
 * their root-only file ({@code s3.secret_key_file}, {@code idp.client_secret_file},
 * {@code dns.env_files}), and the new host reads or asks for them itself. LXD objects are stored
 * as LXD holds them (their writable fields), as data; an instance's own config keys are already in
 * its dataset's {@code backup.yaml}.
 *
 * @param formatVersion    format of this document, {@value #FORMAT_VERSION}
 * @param installationId   the exporting installation
 * @param createdAt        when it was written, UTC
 * @param terrariumVersion the exporting terrariumctl's version
 * @param config           Terrarium's configuration document (YAML, as {@code config show} prints it)
 * @param project          the LXD project the instances live in
 * @param projectConfig    that project's definition ({@code name}, {@code description}, {@code config})
 * @param profiles         profiles the instances use ({@code name}, {@code description}, {@code config}, {@code devices})
 * @param networks         managed networks their NICs use ({@code name}, {@code type}, {@code description}, {@code config})
 * @param storagePools     pools their root disks use ({@code name}, {@code driver}, {@code description}, {@code config})
 * @param instances        every instance of the project at export time
 */
@JsonPropertyOrder({"format_version", "installation_id", "created_at", "terrarium_version", "config", "project", "project_config",
        "profiles", "networks", "storage_pools", "instances"})
public record HostManifest(int formatVersion, String installationId, Instant createdAt, String terrariumVersion, String config,
                           String project, ObjectNode projectConfig, List<ObjectNode> profiles, List<ObjectNode> networks,
                           List<ObjectNode> storagePools, List<Instance> instances) {
    /** The format this code writes and the newest it reads. */
    public static final int FORMAT_VERSION = 1;

    public HostManifest {
        profiles = profiles == null ? List.of() : List.copyOf(profiles);
        networks = networks == null ? List.of() : List.copyOf(networks);
        storagePools = storagePools == null ? List.of() : List.copyOf(storagePools);
        instances = instances == null ? List.of() : List.copyOf(instances);
    }

    /** The profile named {@code name}, or {@code null}. */
    public ObjectNode profile(String name) {
        return byName(profiles, name);
    }

    static ObjectNode byName(List<ObjectNode> list, String name) {
        return list.stream().filter(o -> name.equals(o.path("name").asText())).findFirst().orElse(null);
    }

    /**
     * One instance as LXD reported it at export time.
     *
     * @param name     instance name
     * @param type     {@code container} or {@code virtual-machine}
     * @param status   LXD status text ({@code Running}, {@code Stopped}, …)
     * @param running  whether it ran (it is started again after a restore)
     * @param exported whether this run exported it (a restore point of it was committed)
     * @param profiles its profiles in order
     * @param config   its own config keys (not expanded)
     * @param devices  its own devices, name → device config
     */
    @JsonPropertyOrder({"name", "type", "status", "running", "exported", "profiles", "config", "devices"})
    public record Instance(String name, String type, String status, boolean running, boolean exported, List<String> profiles,
                           Map<String, String> config, Map<String, Map<String, String>> devices) {
        public Instance {
            profiles = profiles == null ? List.of() : List.copyOf(profiles);
            config = config == null ? Map.of() : new java.util.TreeMap<>(config);
            devices = devices == null ? Map.of() : new java.util.TreeMap<>(devices);
        }
    }
}
