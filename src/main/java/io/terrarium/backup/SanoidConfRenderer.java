package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;

/**
 * Renders {@code sanoid.conf} (pure). One module section for the containers' parent dataset
 * ({@code recursive = yes}: sanoid walks the children itself; {@code process_children_only = yes}:
 * the parent gets no snapshots) using template {@code terrarium}. Every retention key is written
 * explicitly, so sanoid's packaged defaults (hourly 48, daily 90, monthly 6) never leak in.
 */
public final class SanoidConfRenderer {
    private SanoidConfRenderer() {
    }

    /**
     * @param containersDataset parent dataset, e.g. {@code terrarium/containers}
     * @param policy            retention counts and the frequent period (minutes)
     * @return the file text, ending in a newline
     */
    public static String render(String containersDataset, TerrariumConfig.Policy policy) {
        return "# Rendered by terrariumctl from the stored configuration (backups.policy).\n"
                + "# Do not edit: the snapshot job rewrites this file when the configuration changes.\n"
                + "# Snapshot names are UTC: sanoid runs with TZ=UTC.\n"
                + "\n"
                + "[" + containersDataset + "]\n"
                + "\tuse_template = terrarium\n"
                + "\trecursive = yes\n"
                + "\tprocess_children_only = yes\n"
                + "\n"
                + "[template_terrarium]\n"
                + "\tfrequent_period = " + policy.frequentPeriod() + "\n"
                + "\tfrequently = " + policy.frequently() + "\n"
                + "\thourly = " + policy.hourly() + "\n"
                + "\tdaily = " + policy.daily() + "\n"
                + "\tweekly = 0\n"
                + "\tmonthly = " + policy.monthly() + "\n"
                + "\tyearly = " + policy.yearly() + "\n"
                + "\tautosnap = yes\n"
                + "\tautoprune = yes\n";
    }
}
