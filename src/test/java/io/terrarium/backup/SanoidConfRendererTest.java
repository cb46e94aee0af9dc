package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;
import org.junit.jupiter.api.Test;

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
}
