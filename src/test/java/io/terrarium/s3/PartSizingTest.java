package io.terrarium.s3;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static io.terrarium.s3.ProviderProfile.GIB;
import static io.terrarium.s3.ProviderProfile.MIB;
import static io.terrarium.s3.ProviderProfile.TIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartSizingTest {
    @Test
    void c01_600GiBEstimateOnAwsFitsA700GiBStreamInOneObject() {
        ProviderProfile aws = ProviderProfile.aws();
        long part = PartSizing.choose(OptionalLong.of(600 * GIB), aws);
        // 600 GiB × 1.5 / 10,000 = 92.16 MiB → 93 MiB
        assertThat(part).isEqualTo(93 * MIB);
        assertThat(part % MIB).isZero();
        assertThat(part * aws.partsPerVolume(part)).isGreaterThan(700 * GIB);
    }

    @Test
    void genericProfileHasOneThousandParts() {
        long part = PartSizing.choose(OptionalLong.of(100 * GIB), ProviderProfile.generic());
        assertThat(part).isEqualTo(154 * MIB); // 150 GiB / 1000 = 153.6 MiB → 154
    }

    @Test
    void unknownEstimateUsesTheFloor() {
        assertThat(PartSizing.choose(OptionalLong.empty(), ProviderProfile.aws())).isEqualTo(16 * MIB);
        assertThat(PartSizing.choose(OptionalLong.empty(), 1.5, MIB, ProviderProfile.aws())).isEqualTo(5 * MIB);
    }

    @Test
    void clampedToMaxPartSize() {
        assertThat(PartSizing.choose(OptionalLong.of(500 * TIB), ProviderProfile.aws())).isEqualTo(5 * GIB);
    }

    @Test
    void volumesRespectMaxObjectSize() {
        ProviderProfile p = ProviderProfile.aws().scaled(10_000, MIB, 10 * MIB);
        assertThat(p.partsPerVolume(MIB)).isEqualTo(10);
        assertThat(ProviderProfile.aws().partsPerVolume(5 * GIB)).isEqualTo(1024);
    }

    @Test
    void profilesByName() {
        assertThat(ProviderProfile.of("R2").equalParts()).isTrue();
        assertThat(ProviderProfile.of("aws").checksumWhenRequired()).isFalse();
        assertThat(ProviderProfile.of("minio").checksumWhenRequired()).isTrue();
        assertThat(ProviderProfile.of("generic").maxParts()).isEqualTo(1000);
        assertThatThrownBy(() -> ProviderProfile.of("gcs")).hasMessageContaining("aws, r2, minio or generic");
        assertThatThrownBy(() -> ProviderProfile.generic().checkStorageClass("GLACIER"))
                .hasMessageContaining("takes none");
    }

    @Test
    void prefixIsNormalizedAndChecked() {
        assertThat(S3Settings.normalizePrefix("terrarium")).isEqualTo("terrarium/");
        assertThatThrownBy(() -> S3Settings.normalizePrefix("/abs")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> S3Settings.normalizePrefix("a/../b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void partsAreCappedSoThatTheUploadsMemoryStaysInItsBudget() {
        ProviderProfile aws = ProviderProfile.aws();
        // a 2 TiB send estimate would want 315 MiB parts on AWS (2 TiB × 1.5 / 10,000)
        long wanted = PartSizing.choose(java.util.OptionalLong.of(2L << 40), aws);
        assertThat(wanted).isEqualTo(315 * ProviderProfile.MIB);
        long capped = PartSizing.capToMemory(wanted, 4, PartSizing.DEFAULT_MEMORY_BUDGET, aws);
        assertThat(capped).isEqualTo(32 * ProviderProfile.MIB);
        assertThat(capped * 5).isLessThanOrEqualTo(PartSizing.DEFAULT_MEMORY_BUDGET);
        // small parts stay as they are; the cap never goes below the provider's minimum part
        assertThat(PartSizing.capToMemory(16 * ProviderProfile.MIB, 4, PartSizing.DEFAULT_MEMORY_BUDGET, aws))
                .isEqualTo(16 * ProviderProfile.MIB);
        assertThat(PartSizing.capToMemory(64 * ProviderProfile.MIB, 100, PartSizing.DEFAULT_MEMORY_BUDGET, aws))
                .isEqualTo(aws.minPartSize());
    }
}
