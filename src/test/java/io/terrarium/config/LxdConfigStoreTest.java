package io.terrarium.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LxdConfigStoreTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects lxd = new FakeLxdProjects();

    private LxdConfigStore store() {
        return new LxdConfigStore(LxdClient.local(new RecordingCommandRunner(lxd), new ObjectMapper()), new ConfigCodec(),
                dir.resolve("config.lock"));
    }

    @Test
    void nothingStoredYieldsDefaults() {
        ConfigStore.Loaded l = store().load();
        assertThat(l.stored()).isFalse();
        assertThat(l.config()).isEqualTo(TerrariumConfig.defaults());
    }

    @Test
    void firstUpdateCreatesTheProjectAndStoresBase64YamlWithAnInstallationId() {
        store().update(c -> c.withDomains(new TerrariumConfig.Domains("example.com", null, null, null, null)));
        String b64 = lxd.projects.get("terrarium-system").get("user.terrarium.config_b64");
        String yaml = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
        assertThat(yaml).contains("base: example.com").containsPattern("installation_id: [0-9a-f-]{36}");
        assertThat(store().load().config().domains().base()).isEqualTo("example.com");
    }

    @Test
    void otherProjectKeysSurviveAnUpdate() {
        lxd.projects.put("terrarium-system", new java.util.TreeMap<>(java.util.Map.of("user.other", "keep me", "features.images", "false")));
        store().update(c -> c.withEmails(new TerrariumConfig.Emails("ops@example.com", null)));
        assertThat(lxd.projects.get("terrarium-system")).containsEntry("user.other", "keep me").containsEntry("features.images", "false")
                .containsKey("user.terrarium.config_b64");
    }

    @Test
    void anInvalidChangeLeavesTheStoredConfigurationUnchanged() {
        store().update(c -> c.withDomains(new TerrariumConfig.Domains("example.com", null, null, null, null)));
        String before = lxd.projects.get("terrarium-system").get("user.terrarium.config_b64");
        assertThatThrownBy(() -> store().update(c -> c.withDomains(new TerrariumConfig.Domains("bad host", null, null, null, null))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("domains.base");
        assertThat(lxd.projects.get("terrarium-system").get("user.terrarium.config_b64")).isEqualTo(before);
    }

    @Test
    void c15_concurrentUpdatesOfDifferentFieldsBothTakeEffect() throws Exception {
        store().update(c -> c);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                String base = "r" + round + ".example.com";
                String mail = "ops" + round + "@example.com";
                CountDownLatch go = new CountDownLatch(1);
                Future<?> a = pool.submit(() -> {
                    go.await();
                    return store().update(c -> c.withDomains(new TerrariumConfig.Domains(base, null, null, null, null)));
                });
                Future<?> b = pool.submit(() -> {
                    go.await();
                    return store().update(c -> c.withEmails(new TerrariumConfig.Emails(mail, null)));
                });
                go.countDown();
                a.get();
                b.get();
                TerrariumConfig now = store().load().config();
                assertThat(now.domains().base()).isEqualTo(base);
                assertThat(now.emails().admin()).isEqualTo(mail);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void c15_keysLxdWouldRejectAreCaughtBeforeTheApiCall() {
        assertThatThrownBy(() -> LxdConfigStore.checkUserKey("terrarium.config", "x"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("user.[A-Za-z0-9_.-]+");
        assertThatThrownBy(() -> LxdConfigStore.checkUserKey("user.a b", "x")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> LxdConfigStore.checkUserKey("user.ok", "a\0b")).isInstanceOf(ConfigException.class);
    }

    @Test
    void corruptStoredValueSaysHowToRecover() {
        lxd.projects.put("terrarium-system", new java.util.TreeMap<>(java.util.Map.of("user.terrarium.config_b64", "%%%not base64")));
        assertThatThrownBy(() -> store().load()).isInstanceOf(ConfigException.class).hasMessageContaining("config import");
    }
}
