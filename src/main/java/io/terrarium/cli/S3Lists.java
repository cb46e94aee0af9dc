package io.terrarium.cli;

import io.terrarium.s3.Manifest;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.s3.S3Catalog;
import io.terrarium.s3.S3Settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** S3 restore points as rows for {@code backup list} (pure once the catalog is read). */
final class S3Lists {
    private S3Lists() {
    }

    /** @throws IllegalArgumentException when the s3 section is not set up, saying how to set it */
    static S3Settings settings(TerrariumConfig config) {
        TerrariumConfig.S3 s3 = config.s3();
        if (s3 == null || s3.bucket() == null) {
            throw new IllegalArgumentException("S3 is not configured; set it up with `terrariumctl set s3 …` (docs/backups.md)");
        }
        return S3Settings.fromConfig(s3);
    }

    /**
     * One entry per restore point: installation, instance, id, created_at (UTC), kind (full or
     * incremental), chain (id of the chain's full, or "(broken)" when a parent manifest is missing),
     * parent, snapshot, bytes (stored, compressed), volumes.
     */
    static List<Map<String, Object>> points(S3Catalog.Points p) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Manifest m : p.manifests()) {
            List<Manifest> chain = p.chainTo(m);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", m.id());
            r.put("created_at", m.createdAt().toString());
            r.put("kind", m.full() ? "full" : "incremental");
            r.put("chain", chain.get(0).full() ? chain.get(0).id() : "(broken: " + chain.get(0).parentId() + " missing)");
            r.put("parent", m.parentId());
            r.put("snapshot", m.snapshot());
            r.put("dataset", m.dataset());
            r.put("bytes", m.streamBytes());
            r.put("volumes", m.volumes().size());
            out.add(r);
        }
        return out;
    }
}
