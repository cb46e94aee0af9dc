package io.terrarium.provision;

import io.terrarium.provision.ReleaseUpdater.ReleaseFile;
import io.terrarium.provision.ReleaseUpdater.UpdateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReleaseUpdaterTest {
    static final String A = "a".repeat(64);
    static final String B = "B".repeat(64);

    @Test
    void picksTheTarballOfTheArchitectureFromSha256sumsInEitherMode() throws Exception {
        String sums = A + "  terrarium-0.3.0-linux-amd64.tar.gz\n" + B + " *terrarium-0.3.0-linux-arm64.tar.gz\n";
        assertThat(ReleaseUpdater.pick(sums, "amd64")).isEqualTo(new ReleaseFile("0.3.0", "terrarium-0.3.0-linux-amd64.tar.gz", A));
        assertThat(ReleaseUpdater.pick(sums, "arm64")).isEqualTo(new ReleaseFile("0.3.0", "terrarium-0.3.0-linux-arm64.tar.gz", "b".repeat(64)));
    }

    @Test
    void skipsMalformedLinesAndOtherFiles() throws Exception {
        String sums = "abc  terrarium-0.3.0-linux-amd64.tar.gz\n" + A + "  install.sh\n" + A
                + "  terrarium-0.3.0-linux-amd64.tar.gz.sig\n" + A + "  ../terrarium-0.3.0-linux-amd64.tar.gz\n"
                + A + "  terrarium-0.3.1-SNAPSHOT-linux-amd64.tar.gz\r\n";
        assertThat(ReleaseUpdater.pick(sums, "amd64").version()).isEqualTo("0.3.1-SNAPSHOT");
    }

    @Test
    void refusesSha256sumsWithoutTheArchitecture() {
        assertThatThrownBy(() -> ReleaseUpdater.pick(A + "  terrarium-0.3.0-linux-arm64.tar.gz\n", "amd64"))
                .isInstanceOf(UpdateException.class)
                .hasMessage("SHA256SUMS lists no terrarium-<version>-linux-amd64.tar.gz");
    }

    @Test
    void mapsJvmArchitecturesToReleaseNames() throws Exception {
        assertThat(ReleaseUpdater.arch("amd64")).isEqualTo("amd64");
        assertThat(ReleaseUpdater.arch("x86_64")).isEqualTo("amd64");
        assertThat(ReleaseUpdater.arch("aarch64")).isEqualTo("arm64");
        assertThatThrownBy(() -> ReleaseUpdater.arch("s390x")).hasMessage(
                "unsupported architecture 's390x': Terrarium supports x86_64 and aarch64");
    }

    @TempDir
    Path root;

    ReleaseUpdater updater() {
        return new ReleaseUpdater(root, new PrintWriter(new StringWriter()));
    }

    void installed(String current, String previous) throws Exception {
        Files.createDirectories(root.resolve("releases/" + current));
        Files.createSymbolicLink(root.resolve("current"), Path.of("releases", current));
        if (previous != null) {
            Files.createDirectories(root.resolve("releases/" + previous));
            Files.createSymbolicLink(root.resolve("previous"), Path.of("releases", previous));
        }
    }

    @Test
    void rollbackSwapsCurrentAndPreviousRelativeLinks() throws Exception {
        installed("0.2.0", "0.1.0");
        ReleaseUpdater.Outcome o = updater().rollback();
        assertThat(o.version()).isEqualTo("0.1.0");
        assertThat(Files.readSymbolicLink(root.resolve("current"))).isEqualTo(Path.of("releases/0.1.0"));
        assertThat(Files.readSymbolicLink(root.resolve("previous"))).isEqualTo(Path.of("releases/0.2.0"));
        assertThat(updater().installedVersion()).contains("0.1.0");
    }

    @Test
    void rollbackRefusesAPreviousLinkWhoseReleaseIsGone() throws Exception {
        installed("0.2.0", "0.1.0");
        Files.delete(root.resolve("releases/0.1.0"));
        assertThatThrownBy(() -> updater().rollback()).isInstanceOf(UpdateException.class)
                .hasMessage("no previous release under " + root + " to roll back to");
        assertThat(Files.readSymbolicLink(root.resolve("current"))).isEqualTo(Path.of("releases/0.2.0"));
    }

    @Test
    void secondUpdateWhileOneRunsIsRefusedWithNothingChanged() throws Exception {
        installed("0.2.0", "0.1.0");
        try (FileChannel ch = FileChannel.open(root.resolve(".update.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            assertThat(held.isValid()).isTrue();
            assertThatThrownBy(() -> updater().update("http://127.0.0.1:9", "latest", "amd64", false))
                    .isInstanceOf(UpdateException.class)
                    .hasMessage("another terrariumctl update is running on " + root + "; nothing was changed");
            assertThatThrownBy(() -> updater().rollback()).hasMessageStartingWith("another terrariumctl update is running");
        }
        assertThat(Files.readSymbolicLink(root.resolve("current"))).isEqualTo(Path.of("releases/0.2.0"));
    }

    @Test
    void stagingLeftByAKilledUpdateIsRemovedByTheNextOne() throws Exception {
        installed("0.2.0", "0.1.0");
        Path stale = Files.createDirectories(root.resolve("releases/.update-123/unpack/terrarium-0.3.0/lib"));
        Files.writeString(stale.resolve("terrarium.jar"), "half");
        updater().rollback();
        assertThat(root.resolve("releases/.update-123")).doesNotExist();
        assertThat(root.resolve("releases/0.1.0")).isDirectory();
        assertThat(root.resolve("releases/0.2.0")).isDirectory();
    }
}
