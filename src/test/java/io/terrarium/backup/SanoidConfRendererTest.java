package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SanoidConfRendererTest {
    @Test
    void rendersTheTerrariumTemplateForTheContainersParentWithEveryRetentionKeySpelledOut() {
        String conf = SanoidConfRenderer.render("terrarium/containers", TerrariumConfig.defaults().backups().policy());
        assertThat(conf).isEqualTo("""
                # Rendered by terrariumctl from the stored configuration (backups.policy).
                # Do not edit: the snapshot job rewrites this file when the configuration changes.
                # Snapshot names are UTC: sanoid runs with TZ=UTC.

                [terrarium/containers]
                \tuse_template = terrarium
                \trecursive = yes
                \tprocess_children_only = yes

                [template_terrarium]
                \tfrequent_period = 15
                \tfrequently = 4
                \thourly = 24
                \tdaily = 14
                \tweekly = 0
                \tmonthly = 3
                \tyearly = 0
                \tautosnap = yes
                \tautoprune = yes
                """);
    }

    @Test
    void policyValuesFlowIntoTheTemplate() {
        String conf = SanoidConfRenderer.render("tank/ct", new TerrariumConfig.Policy(1, 0, 0, 0, 0, 1));
        assertThat(conf).contains("[tank/ct]\n").contains("\tfrequently = 1\n").contains("\thourly = 0\n")
                .contains("\tfrequent_period = 1\n");
    }

    @Test
    void asideCopiesGetTheirOwnSectionAfterTheRecursiveOneWithoutSnapshotsOrPruning() {
        String conf = SanoidConfRenderer.render("terrarium/containers", TerrariumConfig.defaults().backups().policy(),
                List.of("terrarium/containers/web.pre-restore-20261206T112233Z", "terrarium/containers/db.pre-restore-20261201T000000Z"));
        assertThat(conf).isEqualTo("""
                # Rendered by terrariumctl from the stored configuration (backups.policy).
                # Do not edit: the snapshot job rewrites this file when the configuration changes.
                # Snapshot names are UTC: sanoid runs with TZ=UTC.

                [terrarium/containers]
                \tuse_template = terrarium
                \trecursive = yes
                \tprocess_children_only = yes

                # an aside copy kept by a restore: not snapshotted, its snapshots not pruned
                [terrarium/containers/db.pre-restore-20261201T000000Z]
                \tuse_template = terrarium_aside

                # an aside copy kept by a restore: not snapshotted, its snapshots not pruned
                [terrarium/containers/web.pre-restore-20261206T112233Z]
                \tuse_template = terrarium_aside

                [template_terrarium]
                \tfrequent_period = 15
                \tfrequently = 4
                \thourly = 24
                \tdaily = 14
                \tweekly = 0
                \tmonthly = 3
                \tyearly = 0
                \tautosnap = yes
                \tautoprune = yes

                [template_terrarium_aside]
                \tautosnap = no
                \tautoprune = no
                """);
    }
}
