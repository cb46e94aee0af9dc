package io.terrarium.s3;

import java.io.IOException;

/** A manifest that cannot be trusted: not parseable, another format version, or breaking a rule. */
public final class ManifestException extends IOException {
    /** @param message every problem found (never object contents) */
    public ManifestException(String message) {
        super(message);
    }
}
