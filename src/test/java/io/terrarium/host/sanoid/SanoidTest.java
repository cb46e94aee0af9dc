package io.terrarium.host.sanoid;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SanoidTest {
    /** Output of sanoid 2.1.0 on a zfs-fuse pool with 0 bytes available (captured 2026-12-06; it exited 0). */
    private static final String FULL_POOL_STDOUT = """
            INFO: cache expired - updating from zfs list.
            INFO: taking snapshots...
            taking snapshot trmfull/containers/web@autosnap_2026-12-06_11:24:01_monthly
            taking snapshot trmfull/containers/web@autosnap_2026-12-06_11:24:01_frequently
            INFO: cache expired - updating from zfs list.
            INFO: pruning snapshots...
            """;
    private static final String FULL_POOL_STDERR = """
            cannot create snapshot 'trmfull/containers/web@autosnap_2026-12-06_11:24:01_monthly': out of space
            CRITICAL ERROR: zfs snapshot trmfull/containers/web@autosnap_2026-12-06_11:24:01_monthly failed, 256 at /usr/sbin/sanoid line 627.
            cannot create snapshot 'trmfull/containers/web@autosnap_2026-12-06_11:24:01_frequently': out of space
            CRITICAL ERROR: zfs snapshot trmfull/containers/web@autosnap_2026-12-06_11:24:01_frequently failed, 256 at /usr/sbin/sanoid line 627.
            """;

    @Test
    void fullPoolRunThatExitedZeroReportsEachFailedSnapshot() {
        Sanoid.RunReport r = Sanoid.report(FULL_POOL_STDOUT, FULL_POOL_STDERR);
        assertThat(r.announced()).containsExactly(
                "trmfull/containers/web@autosnap_2026-12-06_11:24:01_monthly",
                "trmfull/containers/web@autosnap_2026-12-06_11:24:01_frequently");
        assertThat(r.errors()).containsExactly(
                "CRITICAL ERROR: zfs snapshot trmfull/containers/web@autosnap_2026-12-06_11:24:01_monthly failed, 256",
                "CRITICAL ERROR: zfs snapshot trmfull/containers/web@autosnap_2026-12-06_11:24:01_frequently failed, 256");
    }

    @Test
    void recursiveAndDstAnnouncementsAreReadWithoutTheirSuffix() {
        Sanoid.RunReport r = Sanoid.report("""
                taking snapshot pool/a@autosnap_2026-03-29_01:00:00_hourly (zfs recursive)
                taking dst snapshot pool/a@autosnap_2026-03-29_01:00:00dst_hourly
                """, "");
        assertThat(r.announced()).containsExactly("pool/a@autosnap_2026-03-29_01:00:00_hourly",
                "pool/a@autosnap_2026-03-29_01:00:00dst_hourly");
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void failedPruneAndFailedScriptAreErrorsButOrdinaryWarningsAreNot() {
        Sanoid.RunReport r = Sanoid.report(null, """
                could not remove pool/a@autosnap_2020-01-01_00:00:00_hourly : 256 at /usr/sbin/sanoid line 343.
                WARN: /usr/local/bin/pre.sh failed, 256 at /usr/sbin/sanoid line 1646.
                WARN: deleting invalid /run/sanoid/sanoid_cron_take.lock
                invalid option 't'
                """);
        assertThat(r.announced()).isEmpty();
        assertThat(r.errors()).containsExactly("could not remove pool/a@autosnap_2020-01-01_00:00:00_hourly : 256",
                "WARN: /usr/local/bin/pre.sh failed, 256");
    }

    @Test
    void emptyOutputReportsNothing() {
        assertThat(Sanoid.report("", null)).isEqualTo(new Sanoid.RunReport(java.util.List.of(), java.util.List.of()));
    }
}
