package io.terrarium.s3;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code zfs send -n -P} estimate: argv and parsing (OpenZFS 2.x output). */
class ZfsStreamCommandsTest {
    @Test
    void estimateArgv() {
        assertThat(ZfsStreamCommands.estimate("tank/containers/web", "terrarium-export-2", "terrarium-export-1").argv())
                .containsExactly("zfs", "send", "-n", "-P", "-i", "tank/containers/web@terrarium-export-1",
                        "tank/containers/web@terrarium-export-2");
        assertThat(ZfsStreamCommands.estimate("tank/c/web", "s", null).argv())
                .containsExactly("zfs", "send", "-n", "-P", "tank/c/web@s");
    }

    @Test
    void parsesTheSizeLine() {
        assertThat(ZfsStreamCommands.parseEstimate("full\ttank/c/web@s\t1073915392\nsize\t1073915392\n"))
                .isEqualTo(OptionalLong.of(1073915392L));
        assertThat(ZfsStreamCommands.parseEstimate("incremental\ts1\ttank/c/web@s2\t1050624\nsize\t1050624\n"))
                .isEqualTo(OptionalLong.of(1050624L));
        assertThat(ZfsStreamCommands.parseEstimate("")).isEmpty();
        assertThat(ZfsStreamCommands.parseEstimate("size\tlots\n")).isEmpty();
    }
}
