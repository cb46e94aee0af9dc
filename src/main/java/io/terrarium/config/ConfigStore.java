package io.terrarium.config;

import java.util.function.UnaryOperator;

/** The canonical configuration store (in production: LXD's database, {@link LxdConfigStore}). */
public interface ConfigStore {

    /**
     * A loaded configuration and where it came from.
     *
     * @param config the configuration (defaults when nothing is stored yet)
     * @param source human-readable source, e.g. "LXD project terrarium-system"
     * @param stored whether a document was stored (false: defaults)
     */
    record Loaded(TerrariumConfig config, String source, boolean stored) {
    }

    /**
     * Reads the stored configuration.
     *
     * @throws ConfigException when the stored document is invalid
     * @throws io.terrarium.host.lxd.LxdException when the store cannot be read
     */
    Loaded load();

    /**
     * Applies a change under the host lock: read, change, validate, write. Concurrent updates of
     * different fields all take effect (case C15). An invalid result is rejected before anything is
     * written and the stored configuration stays as it was.
     *
     * @return the configuration now stored
     * @throws ConfigException when the changed configuration is invalid
     */
    TerrariumConfig update(UnaryOperator<TerrariumConfig> change);

    /** Human-readable name of the store, e.g. "LXD project terrarium-system". */
    String describe();
}
