package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;

/**
 * Renders {@code sanoid.conf} (pure). One module section for the containers' parent dataset
 * ({@code recursive = yes}: sanoid walks the children itself; {@code process_children_only = yes}:
 * the parent gets no snapshots) using template {@code terrarium}. Every retention key is written
 * explicitly, so sanoid's packaged defaults (hourly 48, daily 90, monthly 6) never leak in.
 *
 * <p>Aside copies ({@link AsideCopies}: the state kept by an in-place restore) are left alone: each
 * gets its own section after the recursive one with template {@code terrarium_aside}
 * ({@code autosnap = no}, {@code autoprune = no}), so sanoid neither snapshots them nor prunes the
 * snapshots they keep. sanoid reads the sections in file order and lets a later section override
 * what the recursive one set for that child (sanoid 2.1 {@code init()}: "allows us to override values
 * for sections directly when they've already been defined recursively").
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
        return render(containersDataset, policy, java.util.List.of());
    }

    /**
     * As {@link #render(String, TerrariumConfig.Policy)}, with sections that exclude {@code asides}.
     *
     * @param asides aside datasets below {@code containersDataset} (sorted in the output; may be empty)
     * @return the file text, ending in a newline
     */
    public static String render(String containersDataset, TerrariumConfig.Policy policy, java.util.Collection<String> asides) {
        StringBuilder excluded = new StringBuilder();
        for (String a : new java.util.TreeSet<>(asides)) {
            excluded.append("\n# an aside copy kept by a restore: not snapshotted, its snapshots not pruned\n")
                    .append("[").append(a).append("]\n")
                    .append("\tuse_template = terrarium_aside\n");
        }
        String asideTemplate = asides.isEmpty() ? "" : "\n"
                + "[template_terrarium_aside]\n"
                + "\tautosnap = no\n"
                + "\tautoprune = no\n";
        return "# Rendered by terrariumctl from the stored configuration (backups.policy).\n"
                + "# Do not edit: the snapshot job rewrites this file when the configuration changes.\n"
                + "# Snapshot names are UTC: sanoid runs with TZ=UTC.\n"
                + "\n"
                + "[" + containersDataset + "]\n"
                + "\tuse_template = terrarium\n"
                + "\trecursive = yes\n"
                + "\tprocess_children_only = yes\n"
                + excluded
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
                + "\tautoprune = yes\n"
                + asideTemplate;
    }
}
