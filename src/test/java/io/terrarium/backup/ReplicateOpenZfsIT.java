package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.ZfsTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replicate job (real syncoid) inside the OpenZFS guest, from {@code terrarium/it-oz-repl/*} to
 * the guest's second pool {@code terrarium-replica/it-oz-repl} over the guest's own sshd
 * ({@code root@127.0.0.1:22}, the guest's login key, which the wrapper mirrors to the same path in the
 * guest): initial fulls, then incrementals, with the data identical on the second pool.
 *
 * <p>Not applicable on zfs-fuse: the development host has one pool; {@code ReplicationIT} covers
 * syncoid there between two trees of that pool.
 */
class ReplicateOpenZfsIT {
    static final ZfsTarget T = ZfsTarget.get();
    static String src;
    static String dst;

    @BeforeAll
    static void tree() {
        if (!T.openZfs()) {
            return;
        }
        src = T.pool() + "/it-oz-repl";
        dst = T.secondPool() + "/it-oz-repl";
        T.destroy(src);
        T.destroy(dst);
        T.ok("zfs create " + ZfsTarget.mountOption(src) + " " + src + " && zfs create " + src + "/web && zfs create " + src + "/db"
                + " && zfs create " + ZfsTarget.mountOption(dst) + " " + dst
                + " && for d in web db; do seq 1 100000 > \"$(zfs get -H -o value mountpoint " + src + "/$d)/data.txt\"; done && sync");
    }

    @AfterAll
    static void cleanup() {
        if (T.openZfs()) {
            assertThat(T.destroy(src)).isTrue();
            assertThat(T.destroy(dst)).isTrue();
        }
    }

    static InstanceDataset i(String name) {
        return new InstanceDataset(name, "Running", src + "/" + name, null);
    }

    static ReplicateJob job() {
        var settings = new TerrariumConfig.Syncoid(true, "root@127.0.0.1", dst, T.guestEnv("TERRARIUM_OZ_SSH_KEY"), 22, null);
        return new ReplicateJob(settings, new CamelExecCommandRunner(), () -> List.of(i("db"), i("web")), "syncoid");
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> statuses(JobResult r) {
        var m = new TreeMap<String, String>();
        ((List<Map<String, Object>>) r.details().get("datasets")).forEach(x -> m.put((String) x.get("instance"), (String) x.get("status")));
        return m;
    }

    @Test
    void replicatesToTheSecondPoolFullThenIncremental() {
        T.requires(T.secondPool() != null, "a second pool (ReplicationIT covers syncoid on zfs-fuse)");
        JobResult seed = job().run();
        assertThat(seed.status()).as(seed.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(statuses(seed)).isEqualTo(Map.of("db", "INITIAL_FULL", "web", "INITIAL_FULL"));
        assertThat(T.checksums(dst + "/web")).isEqualTo(T.checksums(src + "/web"));

        T.ok("seq 1 5000 > \"$(zfs get -H -o value mountpoint " + src + "/web)/more.txt\" && sync");
        JobResult next = job().run();
        assertThat(next.status()).as(next.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(statuses(next)).isEqualTo(Map.of("db", "INCREMENTAL", "web", "INCREMENTAL"));
        assertThat(T.checksums(dst + "/web")).isEqualTo(T.checksums(src + "/web")).contains("./more.txt");
        assertThat(T.ok("zfs list -H -t snapshot -o name -r " + dst + "/web")).contains(dst + "/web@syncoid_");
    }
}
