package io.terrarium.cli;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The drill row of {@code backup list --source local}. */
class BackupListDrillRowTest {
    /** Tester (issue 15): "restore drill OK, 3.217 s, RTO 52.33 s/GiB" made the whole KIND column wide. */
    @Test
    void aDrillRowsKindIsNoWiderThanAnAsidesAndKeepsStatusAndRto() {
        Map<String, Object> drill = new LinkedHashMap<>();
        drill.put("status", "OK");
        drill.put("restore_point", "20261206T120000Z-123");
        drill.put("at", "2026-12-06T12:05:00Z");
        drill.put("seconds", 3.217);
        drill.put("rto_seconds_per_gib", 52.33);
        drill.put("restored_bytes", 67_108_864L);
        Map<String, Object> row = BackupListCommand.drillRow("web", drill);
        assertThat(row).containsEntry("instance", "web").containsEntry("source", "drill")
                .containsEntry("restore point", "20261206T120000Z-123").containsEntry("created (UTC)", "2026-12-06T12:05:00Z")
                .containsEntry("kind", "drill OK, 3.2 s").containsEntry("size", "64.0M");
        assertThat(((String) row.get("kind")).length()).isLessThanOrEqualTo("state before a restore".length());

        // from 1 GiB restored, the RTO per GiB; below it the seconds (tester: a 3 MiB drill read "RTO 300 s/GiB")
        drill.put("restored_bytes", 2L << 30);
        drill.put("rto_seconds_per_gib", 52.33);
        assertThat(BackupListCommand.drillRow("web", drill)).containsEntry("kind", "drill OK, RTO 52 s/GiB");
        drill.put("status", "FAILED");
        drill.put("rto_seconds_per_gib", 0.42);
        assertThat(BackupListCommand.drillRow("web", drill)).containsEntry("kind", "drill FAILED, RTO 0.4 s/GiB");
        drill.put("restored_bytes", 3L << 20);
        drill.put("rto_seconds_per_gib", 300.0);
        assertThat(BackupListCommand.drillRow("web", drill)).containsEntry("kind", "drill FAILED, 3.2 s");
        drill.remove("rto_seconds_per_gib");
        drill.remove("restored_bytes");
        assertThat(BackupListCommand.drillRow("web", drill)).containsEntry("kind", "drill FAILED").containsEntry("size", null);
    }
}
