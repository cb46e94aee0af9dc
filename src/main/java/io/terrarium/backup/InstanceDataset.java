package io.terrarium.backup;

/**
 * One LXD instance and its ZFS dataset, as {@link DatasetResolver} found it.
 *
 * @param instance instance name
 * @param status   LXD status ("Running", "Stopped", …)
 * @param dataset  the instance's dataset, or {@code null} when it has none
 * @param problem  why there is no dataset (reported, never skipped silently), or {@code null}
 */
public record InstanceDataset(String instance, String status, String dataset, String problem) {
    /** True when a dataset was found. */
    public boolean resolved() {
        return dataset != null;
    }

    /** Last path component of the dataset (the target name used by replication). */
    public String leaf() {
        return dataset.substring(dataset.lastIndexOf('/') + 1);
    }
}
