package io.terrarium.proxy.sync;

import io.terrarium.App;
import io.terrarium.config.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tester, session 5: proxy-state.json (instances, hosts, refusal reasons) was 0644 although
 * docs/security.md says local users cannot read which instances failed and why.
 */
class ProxyStateStoreModeTest {
    @Test
    void theStateFileIsRootOnlyAndAnOlderWorldReadableCopyIsTightened(@TempDir Path dir) throws Exception {
        ProxyStateStore store = new ProxyStateStore(dir, App.jsonMapper());
        ProxyStateStore.State s = new ProxyStateStore.State(false, List.of(Map.of("instance", "web", "status", "refused")));
        store.saveState(s);
        Path f = dir.resolve(ProxyStateStore.STATE);
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(AtomicFiles.OWNER_ONLY);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--")); // as an older release wrote it
        store.saveState(s); // same content
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    }
}
