package io.terrarium.testing;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guest wrappers themselves (scripts/openzfs-guest/bin): arguments arrive unchanged, exit codes
 * come back, stdin and stdout are binary streams. Not applicable on zfs-fuse (no guest).
 */
class GuestWrappersOpenZfsIT {
    static final ZfsTarget T = ZfsTarget.get();
    static final String EXEC = DevHost.REPO.resolve("scripts/openzfs-guest/bin/guest-exec").toString();

    static Process start(List<String> argv) throws Exception {
        return new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void argumentsArriveExactlyAndExitCodesComeBack() throws Exception {
        T.requires(T.openZfs(), "the guest wrappers (there is no guest)");
        List<String> odd = List.of("a b", "it's", "$HOME", "\"q\"", "", "x;y", "*", "tab\there", "new\nline");
        List<String> argv = new java.util.ArrayList<>(List.of(EXEC, "printf", "[%s]"));
        argv.addAll(odd);
        Process p = start(argv);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        StringBuilder want = new StringBuilder();
        odd.forEach(a -> want.append('[').append(a).append(']'));
        assertThat(out).isEqualTo(want.toString());

        Process fail = start(List.of(EXEC, "bash", "-c", "exit 7"));
        fail.getOutputStream().close();
        assertThat(fail.waitFor()).isEqualTo(7);
        Process zfs = start(List.of(T.guestEnv("TERRARIUM_OZ_BIN") + "/zfs", "list", "it-oz-no-such-dataset"));
        zfs.getOutputStream().close();
        assertThat(zfs.waitFor()).isEqualTo(1);
    }

    @Test
    void stdinAndStdoutAreBinaryStreams() throws Exception {
        T.requires(T.openZfs(), "the guest wrappers (there is no guest)");
        byte[] data = new byte[6 << 20];
        new Random(7).nextBytes(data);
        Process cat = start(List.of(EXEC, "cat"));
        CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = cat.getInputStream()) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toByteArray();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (OutputStream out = cat.getOutputStream()) {
            out.write(data);
        }
        assertThat(cat.waitFor()).isZero();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        assertThat(md.digest(back.get())).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
