package io.terrarium.s3;

import java.io.IOException;

/**
 * An upload did not complete: a part failed after its retries, the store answered an error (also
 * inside a 200 response), or the object's size did not match after completion. The multipart
 * upload has been aborted and no volume of the failed run is left behind.
 */
public final class UploadFailedException extends IOException {
    /** @param message what failed (names the key and part; never credentials); @param cause SDK error */
    public UploadFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
