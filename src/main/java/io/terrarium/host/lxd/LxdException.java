package io.terrarium.host.lxd;

/** LXD answered with an error, or could not be reached. The message is LXD's own error text. */
public class LxdException extends RuntimeException {
    private final boolean notFound;
    private final boolean unreachable;
    private final int status;

    /**
     * @param message     what failed and LXD's error text
     * @param notFound    LXD said the object does not exist (HTTP 404)
     * @param unreachable the daemon could not be reached at all
     * @param cause       underlying failure
     */
    public LxdException(String message, boolean notFound, boolean unreachable, Throwable cause) {
        this(message, notFound, unreachable, cause, notFound ? 404 : 0);
    }

    /**
     * @param message     what failed and LXD's error text
     * @param notFound    LXD said the object does not exist (HTTP 404)
     * @param unreachable the daemon could not be reached at all
     * @param cause       underlying failure
     * @param status      LXD's error code (an HTTP status, e.g. 412), 0 when unknown
     */
    public LxdException(String message, boolean notFound, boolean unreachable, Throwable cause, int status) {
        super(message, cause);
        this.notFound = notFound;
        this.unreachable = unreachable;
        this.status = status;
    }

    /**
     * LXD refused a write because the object changed since it was read (HTTP 412, the
     * {@code If-Match} ETag no longer matches; doc/rest-api.md "ETag").
     */
    public boolean preconditionFailed() {
        return status == 412;
    }

    /** LXD said the object does not exist. */
    public boolean notFound() {
        return notFound;
    }

    /** The LXD daemon could not be reached (not running, socket missing, remote down). */
    public boolean unreachable() {
        return unreachable;
    }

    /**
     * The LXD socket exists but this user may not connect to it: the kernel answered EACCES
     * ("Permission denied", the JDK's text for it) to the connect. The socket is root's and the
     * {@code lxd} group's (LXD's "Security" page: access to it is full control of LXD).
     */
    public boolean accessDenied() {
        if (!unreachable) {
            return false;
        }
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.nio.file.AccessDeniedException
                    || (t.getMessage() != null && t.getMessage().contains("Permission denied"))) {
                return true;
            }
        }
        return false;
    }
}
