package io.terrarium.config;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every sample in config/samples loads; every sample in config/samples/invalid fails with the
 * message its first line announces ({@code # expect: …}).
 */
class ConfigSamplesTest {
    private final ConfigCodec codec = new ConfigCodec();

    @TestFactory
    Stream<DynamicTest> validSamplesLoad() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("config/samples"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(2);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            TerrariumConfig c = codec.parse(Files.readString(f), f.toString());
            assertThat(c.domains().base()).isEqualTo("example.com");
            assertThat(codec.parse(codec.write(c), "round trip")).isEqualTo(c);
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidSamplesFailWithTheExpectedMessage() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("config/samples/invalid"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(5);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = Files.readString(f);
            String first = text.lines().findFirst().orElseThrow();
            assertThat(first).startsWith("# expect: ");
            String expected = first.substring("# expect: ".length());
            assertThatThrownBy(() -> codec.parse(text, f.toString()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(f.toString())
                    .hasMessageContaining(expected);
        }));
    }
}
