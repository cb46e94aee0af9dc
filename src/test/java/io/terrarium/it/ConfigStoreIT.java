package io.terrarium.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Configuration round trip through LXD's real dqlite store, with the real launcher. */
class ConfigStoreIT {
    @TempDir
    Path dir;

    private String saved;
    private Terrariumctl trm;

    @BeforeEach
    void save() throws Exception {
        Terrariumctl.sh("lxc", "query", "/1.0"); // LXD must be up (scripts/devhost.sh up)
        saved = StoredConfig.rawValue();
        trm = new Terrariumctl(dir);
    }

    @AfterEach
    void restore() throws Exception {
        StoredConfig.restore(saved);
        Terrariumctl.sh("lxc", "project", "unset", "terrarium-system", "user.it-marker");
    }

    @Test
    void setDomainsIsVisibleInLxdAndExportsAFileThatCheckAccepts() throws Exception {
        var set = trm.run("set", "domains", "--no-apply", "example.com");
        assertThat(set.exit()).as(set.all()).isZero();
        assertThat(StoredConfig.yaml()).contains("domains:\n  base: example.com\n");

        Path export = dir.resolve("export/config.yaml");
        var ex = trm.run("config", "export", "--file", export.toString());
        assertThat(ex.exit()).as(ex.all()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(export))).isEqualTo("rw-------");
        assertThat(Files.readString(export)).contains("base: example.com");

        var check = trm.run("config", "check", export.toString());
        assertThat(check.exit()).as(check.all()).isZero();
        assertThat(check.out()).isEqualTo(export + ": valid\n");
    }

    @Test
    void brokenYamlAndUnknownKeysAreRejectedAndTheStoredConfigIsUnchanged() throws Exception {
        trm.run("set", "domains", "--no-apply", "example.com");
        String before = StoredConfig.rawValue();

        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "version: 1\ndomains:\n\tbase: example.com\n");
        var r1 = trm.run("config", "import", "--file", broken.toString());
        assertThat(r1.exit()).isEqualTo(1);
        assertThat(r1.err()).contains("ERROR: " + broken + ": line 3, column 1: not valid YAML");

        Path unknown = dir.resolve("unknown.yaml");
        Files.writeString(unknown, "version: 1\nemails:\n  admin: ops@example.com\n  pager: x@example.com\n");
        var r2 = trm.run("config", "import", "--file", unknown.toString());
        assertThat(r2.exit()).isEqualTo(1);
        assertThat(r2.err()).contains("line 4, column 3: unknown key \"pager\" in \"emails\" (allowed: acme, admin)");

        var r3 = trm.run("set", "domains", "--no-apply", "bad_host.example.com");
        assertThat(r3.exit()).isEqualTo(1);
        assertThat(r3.err()).contains("domains.base: \"bad_host.example.com\" is not a valid host name");

        assertThat(StoredConfig.rawValue()).isEqualTo(before);
    }

    @Test
    void c15_twoSetCommandsAtTheSameMomentBothTakeEffect() throws Exception {
        for (int round = 0; round < 3; round++) {
            String base = "c15-" + round + ".example.com";
            String mail = "ops" + round + "@example.com";
            var a = CompletableFuture.supplyAsync(() -> call(() -> trm.run("set", "domains", "--no-apply", base)));
            var b = CompletableFuture.supplyAsync(() -> call(() -> trm.run("set", "emails", "--no-apply", mail)));
            assertThat(a.get().exit()).as(a.get().all()).isZero();
            assertThat(b.get().exit()).as(b.get().all()).isZero();
            String yaml = StoredConfig.yaml();
            assertThat(yaml).contains("base: " + base).contains("admin: " + mail);
        }
    }

    @Test
    void otherKeysOfTheProjectSurviveASet() throws Exception {
        Terrariumctl.sh("lxc", "project", "set", "terrarium-system", "user.it-marker", "keep");
        assertThat(trm.run("set", "emails", "--no-apply", "ops@example.com").exit()).isZero();
        assertThat(Terrariumctl.sh("lxc", "project", "get", "terrarium-system", "user.it-marker").strip()).isEqualTo("keep");
    }

    private static Terrariumctl.Result call(java.util.concurrent.Callable<Terrariumctl.Result> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
