package io.terrarium;

/**
 * The build's version, from the jar manifest ({@code Implementation-Version}); when run from classes,
 * the system property {@code terrarium.version} (the build sets it for the generated man pages), else "dev".
 */
public final class Version {
    private Version() {
    }

    /** e.g. {@code 0.1.0} */
    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : System.getProperty("terrarium.version", "dev");
    }
}
