package io.terrarium.host.zfs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** argv of the size-estimate dry run and parsing of its output (OpenZFS 2.x format). */
class ZfsStreamCommandsTest {
    @Test
    void estimateIsADryRunOfTheSameSend() {
        assertThat(ZfsStreamCommands.estimate("tank/c/web", "s2", "s1", List.of("-L", "-c")).argv())
                .containsExactly("zfs", "send", "-n", "-P", "-L", "-c", "-i", "tank/c/web@s1", "tank/c/web@s2");
        assertThat(ZfsStreamCommands.estimate("tank/c/web", "s1", null, List.of()).argv())
                .containsExactly("zfs", "send", "-n", "-P", "tank/c/web@s1");
    }

    @Test
    void estimateValidatesLikeSend() {
        assertThatThrownBy(() -> ZfsStreamCommands.estimate("tank/c/web", "s1", null, List.of("-n")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ZfsStreamCommands.estimate("tank/c/web; rm", "s1", null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesTheSizeLineOfFullAndIncrementalDryRuns() {
        assertThat(ZfsStreamCommands.parseEstimate("full\ttank/a@s1\t1590680\nsize\t1590680\n")).hasValue(1590680L);
        assertThat(ZfsStreamCommands.parseEstimate("incremental\ts1\ttank/a@s2\t37432\nsize\t37432\n")).hasValue(37432L);
        assertThat(ZfsStreamCommands.parseEstimate("")).isEmpty();
        assertThat(ZfsStreamCommands.parseEstimate("size\tmany\n")).isEmpty();
    }

    /**
     * Issue 13 item 3: the restore's receive ran without -u or property overrides, so a planted
     * stream's mountpoint/setuid/exec applied on the host. OpenZFS gets -u and -x; zfs-fuse 0.7
     * knows neither (its usage: receive [-vnF]) and relies on the stream header check.
     */
    @Test
    void aRestoreReceiveOnOpenZfsIsUnmountedAndTakesNoMountOrExecPropertyFromTheStream() {
        assertThat(ZfsStreamCommands.restoreReceive("tank/containers/web.s3restore-1", true, true).argv()).containsExactly(
                "zfs", "receive", "-F", "-u", "-x", "mountpoint", "-x", "canmount", "-x", "setuid", "-x", "exec", "-x", "devices",
                "-x", "sharenfs", "-x", "sharesmb", "tank/containers/web.s3restore-1");
        assertThat(ZfsStreamCommands.restoreReceive("tank/containers/web.s3restore-1", false, false).argv())
                .containsExactly("zfs", "receive", "tank/containers/web.s3restore-1");
    }
}
