package io.terrarium.it;

import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;

/**
 * {@code camel …} without JBang: camel-jbang-core's {@link CamelJBangMain} has no {@code main}
 * method of its own (JBang's script provides it); this is that entry point for {@link CamelCliIT}.
 */
public final class CamelCli {
    private CamelCli() {
    }

    /** @param args the {@code camel} command's arguments, e.g. {@code get route} */
    public static void main(String[] args) {
        CamelJBangMain.run(args);
    }
}
