package io.terrarium.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SetSyncoidCommandTest {
    @TempDir
    Path dir;

    @Test
    void keyMustExistAndNotBeReadableByOthers() throws Exception {
        Path key = dir.resolve("id");
        assertThatThrownBy(() -> SetSyncoidCommand.checkKey(key)).hasMessageContaining("no such file");
        Files.writeString(key, "not a real key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SetSyncoidCommand.checkKey(key)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("readable or writable by group or others").hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        assertThatCode(() -> SetSyncoidCommand.checkKey(key)).doesNotThrowAnyException();
        assertThatThrownBy(() -> SetSyncoidCommand.checkKey(Path.of("relative/id"))).hasMessageContaining("absolute");
    }
}
