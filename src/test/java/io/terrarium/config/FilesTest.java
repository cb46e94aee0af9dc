package io.terrarium.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FilesTest {
    @TempDir
    Path dir;

    @Test
    void atomicWriteReplacesContentWithTheRequestedModeAndLeavesNoTempFile() throws IOException {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, "old");
        AtomicFiles.write(f, "new".getBytes(), AtomicFiles.OWNER_ONLY);
        assertThat(Files.readString(f)).isEqualTo("new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("config.yaml");
        }
        assertThat(AtomicFiles.sameContent(f, "new".getBytes())).isTrue();
        assertThat(AtomicFiles.sameContent(f, "newer".getBytes())).isFalse();
    }

    @Test
    void aFailedWriteKeepsTheOldFile() throws IOException {
        Path f = dir.resolve("missing-dir").resolve("x.yaml");
        assertThatThrownBy(() -> AtomicFiles.write(f, "x".getBytes(), AtomicFiles.OWNER_ONLY)).isInstanceOf(IOException.class);
        assertThat(Files.exists(f)).isFalse();
    }

    @Test
    void secretsGetAPrivateDirectoryAndFile() throws IOException {
        Path secrets = dir.resolve("secrets");
        Path f = new SecretStore(secrets).write("s3-secret-key", "hunter2".getBytes());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(SecretStore.read(f)).isEqualTo("hunter2");
    }

    @Test
    void aWorldReadableSecretIsRefusedWithoutShowingIt() throws IOException {
        Path f = dir.resolve("leaky");
        Files.writeString(f, "hunter2\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SecretStore.read(f)).isInstanceOf(IOException.class)
                .hasMessageContaining("chmod 600").hasMessageNotContaining("hunter2");
    }

    @Test
    void secretNamesCannotEscapeTheDirectory() {
        assertThatThrownBy(() -> new SecretStore(dir).write("../etc/passwd", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
