package io.terrarium.restore;

/** A restore that cannot be planned or carried out; the message says why and what to do. */
public final class RestoreException extends RuntimeException {
    /** @param message operator-facing message */
    public RestoreException(String message) {
        super(message);
    }

    /** @param message operator-facing message; @param cause underlying failure */
    public RestoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
