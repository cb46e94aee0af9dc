package io.terrarium.restore;

import io.terrarium.config.LockFile;
import io.terrarium.restore.S3RestoreService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A restore of an instance that is already being restored is refused as "busy" before anything is
 * touched — also when the other restore runs in this JVM (before {@link LockFile}, the JDK's
 * OverlappingFileLockException escaped as an unexplained error there).
 */
class RestoreLockTest {

    @Test
    void localRestoreOfABusyInstanceIsRefusedBeforeTouchingIt(@TempDir Path run) throws Exception {
        RestoreService service = new RestoreService(null, null, null, "default", run);
        RestorePlan plan = new RestorePlan("web", "terrarium/containers/web", null, List.of(), false, null, null);
        try (LockFile held = LockFile.tryAcquire(run.resolve("restore-web.lock"))) {
            assertThatThrownBy(() -> service.execute(plan, line -> { }))
                    .isInstanceOf(RestoreException.class)
                    .hasMessage("instance web is busy: another restore of it is running");
        }
    }

    @Test
    void s3RestoreOfABusyInstanceIsRefusedBeforeTouchingIt(@TempDir Path run) throws Exception {
        S3RestoreService service = new S3RestoreService(null, null, null, "default", run, null, null, "inst-0001",
                "s3://b/p/", Clock.systemUTC());
        S3RestoreService.Plan plan = new S3RestoreService.Plan("web", "inst-0001", null, null, true, "web", false, false,
                "terrarium/containers/web", "terrarium/containers/web", "terrarium/containers/web-restore", "terrarium/containers/web-aside");
        try (LockFile held = LockFile.tryAcquire(run.resolve("restore-web.lock"))) {
            assertThatThrownBy(() -> service.execute(plan, line -> { }))
                    .isInstanceOf(RestoreException.class)
                    .hasMessage("instance web is busy: another restore of it is running");
        }
    }
}
