package io.terrarium;

/** The build's version, from the jar manifest ({@code Implementation-Version}); "dev" when run from classes. */
public final class Version {
    private Version() {
    }

    /** e.g. {@code 0.1.0} */
    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
