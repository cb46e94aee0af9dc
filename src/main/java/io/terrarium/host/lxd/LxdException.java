package io.terrarium.host.lxd;

/** LXD answered with an error, or could not be reached. The message is LXD's own error text. */
public class LxdException extends RuntimeException {
    private final boolean notFound;
    private final boolean unreachable;

    /**
     * @param message     what failed and LXD's error text
     * @param notFound    LXD said the object does not exist (HTTP 404)
     * @param unreachable the daemon could not be reached at all
     * @param cause       underlying failure
     */
    public LxdException(String message, boolean notFound, boolean unreachable, Throwable cause) {
        super(message, cause);
        this.notFound = notFound;
        this.unreachable = unreachable;
    }

    /** LXD said the object does not exist. */
    public boolean notFound() {
        return notFound;
    }

    /** The LXD daemon could not be reached (not running, socket missing, remote down). */
    public boolean unreachable() {
        return unreachable;
    }
}
