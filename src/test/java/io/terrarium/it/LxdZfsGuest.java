package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.s3.S3ExportJob;
import org.junit.jupiter.api.Assertions;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the {@code *LxdZfsIT} classes share: the check that they run in the OpenZFS guest's failsafe
 * execution against LXD's zfs storage driver, shell helpers (the {@code lxc}/{@code zfs} on PATH are
 * the guest's wrappers there), and a recursive SHA-256 of a snapshot computed inside the guest.
 */
final class LxdZfsGuest {
    static final ObjectMapper JSON = new ObjectMapper();

    private LxdZfsGuest() {
    }

    /**
     * Fails (never skips) unless this is the guest execution and LXD's storage pool {@code default}
     * uses the zfs driver.
     *
     * @param test the test class's name, for the message
     * @return the parent dataset of LXD's container datasets ({@code <zfs.pool_name>/containers})
     */
    static String requireZfsDriver(String test) throws IOException {
        if (!"openzfs".equals(System.getenv("TERRARIUM_OZ_TARGET"))) {
            Assertions.fail(test + " runs in the openzfs-guest failsafe execution only (LXD's zfs driver exists in the guest)");
        }
        JsonNode pool = JSON.readTree(sh("lxc query /1.0/storage-pools/default"));
        assertThat(pool.path("driver").asText()).as("the guest's LXD storage pool default must use the zfs driver: %s", pool)
                .isEqualTo("zfs");
        return pool.path("config").path("zfs.pool_name").asText() + "/containers";
    }

    /** Runs a bash script; its output (stdout and stderr, stripped); fails on a non-zero exit. */
    static String sh(String script) {
        try {
            Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("`" + script + "` failed: " + out);
            }
            return out.strip();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a bash script; its exit code. */
    static int shCode(String script) {
        try {
            Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
            p.getOutputStream().close();
            p.getInputStream().readAllBytes();
            return p.waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Releases the s3-export job's hold on every export base under {@code dataset} (LXD's delete cannot destroy held snapshots). */
    static void releaseHolds(String dataset) {
        shCode("zfs list -H -r -t snapshot -o name " + dataset + " 2>/dev/null | grep @" + S3ExportJob.BASE_PREFIX
                + " | xargs -r -n1 zfs release " + S3ExportJob.HOLD_TAG + " 2>/dev/null; true");
    }

    /**
     * Recursive SHA-256 of every regular file of {@code snapshot} except LXD's {@code backup.yaml}
     * ("sum  ./path" lines sorted by path), computed in the guest through a throwaway clone
     * {@code <pool>/<cloneName>} mounted at {@code /mnt/<cloneName>}.
     */
    static String treeOf(String snapshot, String cloneName) {
        String clone = snapshot.substring(0, snapshot.indexOf('/')) + "/" + cloneName;
        sh("zfs clone -o mountpoint=/mnt/" + cloneName + " " + snapshot + " " + clone);
        try {
            return sh("guest-exec sh -c 'cd /mnt/" + cloneName + " && find . -type f ! -path ./backup.yaml -exec sha256sum {} + | sort -k2'");
        } finally {
            sh("zfs destroy " + clone);
        }
    }
}
