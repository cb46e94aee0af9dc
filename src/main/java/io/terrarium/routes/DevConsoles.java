package io.terrarium.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.console.DevConsoleRegistry;

/**
 * Works around a start race in camel-console 4.17: {@code DefaultDevConsoleRegistry.doStart}
 * iterates its console set (a plain {@code TreeSet}) while a lookup on another thread may load the
 * consoles lazily and add to that set — a {@code ConcurrentModificationException} that fails the
 * whole context start (seen in about 1 of 5 starts of two unit test classes; not reproduced by a
 * plain context started 30 times in a row, so the other thread is not pinned down). Loading the consoles
 * while the context is still single-threaded, before {@code start()}, leaves nothing to load later.
 */
public final class DevConsoles {
    private DevConsoles() {
    }

    /**
     * Loads the dev consoles of a built but not yet started context; a no-op when camel-console is
     * not on the class path (the registry is absent) or the consoles are already loaded.
     *
     * @param ctx a context after {@code build()} (or Camel Main's configure phase), before start
     */
    public static void loadBeforeStart(CamelContext ctx) {
        ctx.build();
        DevConsoleRegistry consoles = ctx.getCamelContextExtension().getContextPlugin(DevConsoleRegistry.class);
        if (consoles != null) {
            consoles.loadDevConsoles();
        }
    }
}
