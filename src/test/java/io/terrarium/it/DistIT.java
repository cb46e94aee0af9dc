package io.terrarium.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The release artifacts `mvn package` produces: tarball layout, SHA256SUMS, both launchers. */
class DistIT {
    @Test
    void tarballHasTheReleaseLayoutAndAVerifiableChecksum() throws Exception {
        Path target = Path.of("target");
        List<Path> tarballs;
        try (Stream<Path> s = Files.list(target)) {
            tarballs = s.filter(p -> p.getFileName().toString().matches("terrarium-.+-linux-(amd64|arm64)\\.tar\\.gz")).toList();
        }
        assertThat(tarballs).hasSize(1);
        String listing = Terrariumctl.sh("tar", "tzf", tarballs.get(0).toString());
        String v = tarballs.get(0).getFileName().toString().replaceAll("terrarium-(.+)-linux-.*", "$1");
        assertThat(listing.lines()).contains("terrarium-" + v + "/bin/terrariumctl", "terrarium-" + v + "/bin/trm",
                "terrarium-" + v + "/install.sh", "terrarium-" + v + "/lib/terrarium.jar", "terrarium-" + v + "/ansible/README.md",
                "terrarium-" + v + "/config/samples/minimal.yaml");
        assertThat(listing.lines().filter(l -> l.endsWith(".jar")).count()).isGreaterThan(20);
        String verify = Terrariumctl.sh("sh", "-c", "cd target && sha256sum -c SHA256SUMS");
        assertThat(verify).contains(tarballs.get(0).getFileName() + ": OK");
        String modes = Terrariumctl.sh("tar", "tvzf", tarballs.get(0).toString(), "terrarium-" + v + "/bin/trm");
        assertThat(modes).startsWith("-rwxr-xr-x");
    }

    @Test
    void trmIsTheSameProgram() throws Exception {
        String a = Terrariumctl.sh("target/dist/bin/terrariumctl", "--version");
        String b = Terrariumctl.sh("target/dist/bin/trm", "--version");
        assertThat(a).startsWith("terrariumctl 0.").isEqualTo(b);
        assertThat(Terrariumctl.sh("./terrariumctl", "--version")).isEqualTo(a);
    }
}
