package io.terrarium.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobResultStore;
import io.terrarium.routes.JobRoutes;
import io.terrarium.testing.DevHost;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Case C09 for real: syncoid 2.1 over real SSH (an sshd on 127.0.0.1 with its own host key and an
 * authorized key, started by this test) from {@code terrarium/it-tm-c09/*} to a second dataset
 * tree {@code terrarium/it-tm-c09-target}. web and db replicate, new gets its initial full, cache
 * (target exists, no common snapshot) FAILS with a hint and its target is not destroyed.
 */
class ReplicationIT {
    private static final String SRC = "terrarium/it-tm-c09";
    private static final String DST = "terrarium/it-tm-c09-target";
    private static final ObjectMapper JSON = App.jsonMapper();

    @TempDir
    static Path dir;
    static int port;

    @BeforeAll
    static void setUp() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String d = dir.toString();
        DevHost.ok("cd " + d + " && ssh-keygen -q -t ed25519 -N '' -f hostkey && ssh-keygen -q -t ed25519 -N '' -f userkey"
                + " && cp userkey.pub authorized_keys && chmod 600 authorized_keys userkey && mkdir -p /run/sshd");
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + d + "/hostkey", "PidFile " + d + "/sshd.pid",
                "AuthorizedKeysFile " + d + "/authorized_keys", "PermitRootLogin prohibit-password",
                "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
                // the receiving side is zfs-fuse too: its `zfs get` needs the -t shim (syncoid's fallback is broken remotely)
                "SetEnv PATH=" + DevHost.COMPAT + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ""));
        DevHost.ok("/usr/sbin/sshd -f " + d + "/sshd_config -E " + d + "/sshd.log");
        DevHost.ok("for i in $(seq 50); do [ -s " + d + "/sshd.pid ] && exit 0; sleep 0.1; done; exit 1");
        DevHost.ok("echo \"[127.0.0.1]:" + port + " $(cut -d' ' -f1,2 " + d + "/hostkey.pub)\" > " + d + "/known_hosts");
        DevHost.destroy(SRC);
        DevHost.destroy(DST);
        DevHost.ok("zfs create -o mountpoint=none " + SRC + " && zfs create -o mountpoint=none " + DST
                + " && zfs create " + SRC + "/web && zfs create " + SRC + "/db");
    }

    @AfterAll
    static void tearDown() {
        DevHost.sh("kill $(cat " + dir + "/sshd.pid)");
        DevHost.destroy(SRC);
        DevHost.destroy(DST);
    }

    private static InstanceDataset i(String name) {
        return new InstanceDataset(name, "Running", SRC + "/" + name, null);
    }

    private ReplicateJob job(List<InstanceDataset> inst) throws Exception {
        var settings = new TerrariumConfig.Syncoid(true, "root@127.0.0.1", DST, dir.resolve("userkey").toString(), port,
                dir.resolve("known_hosts").toString());
        return new ReplicateJob(settings, new CamelExecCommandRunner(), () -> inst, DevHost.wrapper(dir, "syncoid", 0));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> statuses(JobResult r) {
        var m = new java.util.TreeMap<String, String>();
        ((List<Map<String, Object>>) r.details().get("datasets")).forEach(x -> m.put((String) x.get("instance"), (String) x.get("status")));
        return m;
    }

    @Test
    void caseC09() throws Exception {
        JobResult seed = job(List.of(i("db"), i("web"))).run();
        assertThat(seed.status()).as(seed.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(statuses(seed)).isEqualTo(Map.of("db", "INITIAL_FULL", "web", "INITIAL_FULL"));

        // cache: the target exists but shares no snapshot with the source; new: created since the last run
        DevHost.ok("zfs create " + SRC + "/cache && zfs snapshot " + SRC + "/cache@mine"
                + " && zfs create " + DST + "/cache && zfs snapshot " + DST + "/cache@unrelated"
                + " && zfs create " + SRC + "/new");
        ReplicateJob job = job(List.of(i("cache"), i("db"), i("new"), i("web")));
        JobResult r;
        try (CamelContext ctx = new DefaultCamelContext()) {
            JobRoutes routes = new JobRoutes(List.of(job), Map.of(), false, JSON, new JobResultStore(dir.resolve("state"), JSON), "it");
            ctx.addRoutes(routes.errorPolicy());
            ctx.addRoutes(routes);
            io.terrarium.routes.DevConsoles.loadBeforeStart(ctx); // camel-console 4.17 start race
            ctx.start();
            org.apache.camel.Exchange ex = ctx.createProducerTemplate().send("direct:replicate", e -> e.getMessage().setBody("cli"));
            assertThat(ex.isFailed()).as("a FAILED run is a failed exchange").isTrue();
            r = JSON.readValue(io.terrarium.routes.JobRuns.resultJson(ex), JobResult.class);
        }
        System.out.println("C09: " + r.summary());
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(statuses(r)).isEqualTo(Map.of("cache", "FAILED", "db", "INCREMENTAL", "new", "INITIAL_FULL", "web", "INCREMENTAL"));
        assertThat(r.summary()).contains("cache FAILED: no common snapshot").contains("never destroys")
                .contains("zfs rename " + DST + "/cache");
        assertThat(new JobResultStore(dir.resolve("state"), JSON).last("replicate").status()).isEqualTo(JobResult.Status.FAILED);
        // the target of cache is untouched; the others hold the source's snapshots
        assertThat(DevHost.ok("zfs list -H -t snapshot -o name -r " + DST + "/cache").strip()).isEqualTo(DST + "/cache@unrelated");
        assertThat(DevHost.ok("zfs list -H -t snapshot -o name -r " + DST + "/new")).contains(DST + "/new@syncoid_");
        assertThat(DevHost.ok("zfs list -H -t snapshot -o name -r " + DST + "/web").lines().count()).isGreaterThanOrEqualTo(1);
        // nothing secret in argv: only the key's path
        assertThat(job.command(i("web")).argv()).contains("--sshkey=" + dir.resolve("userkey"))
                .noneMatch(a -> a.contains("PRIVATE KEY"));
    }
}
