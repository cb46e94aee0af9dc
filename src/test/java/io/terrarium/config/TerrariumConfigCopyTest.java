package io.terrarium.config;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code TerrariumConfig.withX(section)} copy changes exactly its own section and keeps all
 * others. Bug this guards: after the idp/storage/dns sections were added, a {@code withS3} that
 * still called the old 10-section constructor made {@code set s3} silently drop the stored idp,
 * storage and DNS-01 settings.
 */
class TerrariumConfigCopyTest {
    @Test
    void eachWithMethodKeepsEveryOtherSection() throws Exception {
        ConfigCodec codec = new ConfigCodec();
        TerrariumConfig full = codec.parse(Files.readString(Path.of("config/samples/full.yaml")), "full.yaml");
        TerrariumConfig defaults = TerrariumConfig.defaults().withInstallationId("other-id");
        RecordComponent[] components = TerrariumConfig.class.getRecordComponents();
        List<String> checked = new ArrayList<>();
        for (Method m : TerrariumConfig.class.getDeclaredMethods()) {
            if (!m.getName().startsWith("with") || m.getParameterCount() != 1 || Modifier.isStatic(m.getModifiers())
                    || m.getReturnType() != TerrariumConfig.class) {
                continue;
            }
            RecordComponent target = null;
            for (RecordComponent rc : components) {
                if (rc.getType() == m.getParameterTypes()[0]
                        && m.getName().equalsIgnoreCase("with" + rc.getName())) {
                    target = rc;
                }
            }
            assertThat(target).as("%s names a section of the record", m.getName()).isNotNull();
            Object replacement = target.getAccessor().invoke(defaults);
            TerrariumConfig copy = (TerrariumConfig) m.invoke(full, replacement);
            for (RecordComponent rc : components) {
                Object expected = rc == target ? replacement : rc.getAccessor().invoke(full);
                assertThat(rc.getAccessor().invoke(copy)).as("%s keeps %s", m.getName(), rc.getName()).isEqualTo(expected);
            }
            checked.add(m.getName());
        }
        assertThat(checked).contains("withS3", "withIdp", "withStorage", "withDns", "withDomains", "withBackups", "withProxy");
    }
}
