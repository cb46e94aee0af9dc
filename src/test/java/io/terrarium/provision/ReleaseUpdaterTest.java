package io.terrarium.provision;

import io.terrarium.provision.ReleaseUpdater.ReleaseFile;
import io.terrarium.provision.ReleaseUpdater.UpdateException;
import org.junit.jupiter.api.Test;

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
}
