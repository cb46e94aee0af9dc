package io.terrarium;

/** Opens package-private entry points to tests in other packages. */
public final class TerrariumTestAccess {
    private TerrariumTestAccess() {
    }

    public static void configureLogging(String[] args) {
        Terrarium.configureLogging(args);
    }
}
