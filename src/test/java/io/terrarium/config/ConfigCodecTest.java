package io.terrarium.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigCodecTest {
    private final ConfigCodec codec = new ConfigCodec();

    @Test
    void fillsDefaultsForMissingSections() {
        TerrariumConfig c = codec.parse("version: 1\n", "t");
        assertThat(c.lxd().project()).isEqualTo("default");
        assertThat(c.lxd().network()).isEqualTo("terrarium-ovn");
        assertThat(c.zfs().containersDataset()).isEqualTo("terrarium/containers");
        assertThat(c.daemon().managementHost()).isEqualTo("127.0.0.1");
        assertThat(c.daemon().managementPort()).isEqualTo(876);
        assertThat(c.s3().enabled()).isFalse();
        assertThat(c.domains().manageHost()).isNull();
    }

    @Test
    void readsTheOldDefaultManagementPortOfStoredDocumentsAsTheNewPrivilegedDefault() {
        // every document stored before issue 14 item 7 carries the old default 8765 (defaults are written out)
        assertThat(codec.parse("daemon:\n  management_port: 8765\n", "t").daemon().managementPort()).isEqualTo(876);
        assertThat(codec.parse("daemon:\n  management_port: 700\n", "t").daemon().managementPort()).isEqualTo(700);
    }

    /** Tester, session 5: `management_port: 80` (443, 22) was "valid" and would fight Traefik or sshd. */
    @Test
    void refusesAManagementPortReservedForSshdOrTraefik() {
        for (int port : new int[] {22, 80, 443}) {
            assertThatThrownBy(() -> codec.parse("daemon:\n  management_port: " + port + "\n", "c.yaml"))
                    .hasMessageContaining("c.yaml: daemon.management_port: " + port + " is reserved (22 sshd, 80 and 443 Traefik's entrypoints)");
        }
    }

    @Test
    void refusesAnUnprivilegedManagementPortALocalUserCouldBindFirst() {
        assertThatThrownBy(() -> codec.parse("daemon:\n  management_port: 9876\n", "c.yaml"))
                .hasMessageContaining("c.yaml: daemon.management_port: 9876 is not a privileged port: any local user could bind it"
                        + " before the daemon (and receive the CLI's management login); choose one below 1024 (default 876)");
    }

    @Test
    void derivesServiceHostsFromTheBaseDomain() {
        TerrariumConfig c = codec.parse("domains:\n  base: example.com\n  auth: sso.example.org\n", "t");
        assertThat(c.domains().manageHost()).isEqualTo("manage.example.com");
        assertThat(c.domains().lxdHost()).isEqualTo("lxd.example.com");
        assertThat(c.domains().authHost()).isEqualTo("sso.example.org");
    }

    @Test
    void namesTheLineAndAllowedKeysOfAnUnknownTopLevelKey() {
        assertThatThrownBy(() -> codec.parse("version: 1\ndomian:\n  base: example.com\n", "c.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("c.yaml: line 2, column 1: unknown key \"domian\" at the top level (allowed: ")
                .hasMessageContaining("domains");
    }

    /** Issue 15 item 8: only the first unknown key was reported; an operator fixed one per run. */
    @Test
    void reportsEveryUnknownKeyAtOnceWithItsLine() {
        String yaml = "version: 1\ndomian:\n  base: example.com\ns3:\n  enabled: false\n  bukket: b\n  retention:\n    keep_last: 3\n"
                + "lxd:\n  projekt: x\n";
        assertThatThrownBy(() -> codec.parse(yaml, "c.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(4)
                        .anySatisfy(p -> assertThat(p).startsWith("c.yaml: line 2, column 1: unknown key \"domian\" at the top level"))
                        .anySatisfy(p -> assertThat(p).startsWith("c.yaml: line 6, column 3: unknown key \"bukket\" in \"s3\""))
                        .anySatisfy(p -> assertThat(p).startsWith("c.yaml: line 8, column 5: unknown key \"keep_last\" in \"s3.retention\""))
                        .anySatisfy(p -> assertThat(p).startsWith("c.yaml: line 10, column 3: unknown key \"projekt\" in \"lxd\"")));
    }

    /** Tester (issue 15): several type errors showed only the first, one per run. */
    @Test
    void reportsEveryTypeErrorAtOnce() {
        String yaml = "version: 1\nproxy:\n  public_port_first: \"1024\"\n  ufw: \"true\"\ns3:\n  enabled: yes-please\n";
        assertThatThrownBy(() -> codec.parse(yaml, "c.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "c.yaml: line 3, column 3: key \"proxy.public_port_first\" must be a whole number, not \"1024\" (quoted, so it is text)",
                        "c.yaml: line 4, column 3: key \"proxy.ufw\" must be true or false, not \"true\" (quoted, so it is text)",
                        "c.yaml: line 6, column 3: key \"s3.enabled\" must be true or false, not \"yes-please\""));
    }

    /**
     * Tester (sessions 5 and 6): a number too large for its key was reported as "not valid YAML" (it is
     * valid YAML) and hid every other problem of the file.
     */
    @Test
    void aNumberTooLargeForItsKeyIsNamedWithItsRangeAndOtherProblemsStillShow() {
        String yaml = "version: 1\nproxy:\n  public_port_first: 99999999999\n  colour: blue\nbackups:\n  policy:\n"
                + "    hourly: -3\n    daily: -99999999999999999999\n";
        assertThatThrownBy(() -> codec.parse(yaml, "c.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(4)
                        .contains("c.yaml: line 8, column 5: key \"backups.policy.daily\" must be a whole number no smaller than"
                                + " -2147483648, not -99999999999999999999 (its own range is checked once it fits)")
                        .contains("c.yaml: line 3, column 3: key \"proxy.public_port_first\" must be a whole number no larger than"
                                + " 2147483647, not 99999999999 (its own range is checked once it fits)")
                        .contains("c.yaml: backups.policy.hourly: -3 is outside 0–10000")
                        .anySatisfy(p -> assertThat(p).startsWith("c.yaml: line 4, column 3: unknown key \"colour\" in \"proxy\"")));
    }

    /** Tester (issue 15): an unknown key hid a reversed range until the key was fixed. */
    @Test
    void anUnknownKeyNoLongerHidesAProblemOfTheValues() {
        String yaml = "version: 1\nproxy:\n  bridge_port_first: 30000\n  bridge_port_last: 20000\n  colour: blue\n";
        assertThatThrownBy(() -> codec.parse(yaml, "c.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(2)
                        .anySatisfy(p -> assertThat(p).startsWith("c.yaml: line 5, column 3: unknown key \"colour\" in \"proxy\""))
                        .anySatisfy(p -> assertThat(p).startsWith("c.yaml: proxy.bridge_port_first/bridge_port_last: 30000-20000 must be a non-empty range")));
    }

    @Test
    void aValueOfTheWrongTypeIsReportedOnceNotAgainAsItsDefault() {
        // the mistyped key is left out to go on; the validator must not then judge the default in its place
        assertThatThrownBy(() -> codec.parse("version: 1\ndaemon:\n  management_port: \"80\"\n", "c.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "c.yaml: line 3, column 3: key \"daemon.management_port\" must be a whole number, not \"80\" (quoted, so it is text)"));
    }

    /** Tester (issue 15): U+2028/U+2029 and other characters that do not print were echoed raw in messages. */
    @Test
    void charactersThatDoNotPrintAreEscapedInMessages() {
        assertThatThrownBy(() -> codec.parse("version: 1\nemails:\n  admin: \"ops\u2028@example.com\"\n", "c.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
                    assertThat(p).contains("\"ops\\u2028@example.com\"");
                    assertThat(p).doesNotContain("\u2028");
                }));
        assertThatThrownBy(() -> codec.parse("version: 1\nlxd:\n  pro\u200Bject\u202E: x\n", "c.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p ->
                        assertThat(p).startsWith("c.yaml: line 3, column 3: unknown key \"pro\\u200Bject\\u202E\" in \"lxd\"")));
        assertThat(ConfigException.printable("caf\u00e9 \u65e5\u672c \uD83D\uDE00 \u200B\t\n"))
                .as("letters of any script and emoji print; zero-width space, tab and newline do not")
                .isEqualTo("caf\u00e9 \u65e5\u672c \uD83D\uDE00 \\u200B\\t\\n");
    }

    /** Tester (issue 15): an explicit {@code management_port: 8765} silently became 876. */
    @Test
    void warnsThatAnExplicitOldDefaultManagementPortIsReadAsTheNewOne() {
        String yaml = "version: 1\ndaemon:\n  management_port: 8765\n";
        assertThat(codec.parse(yaml, "c.yaml").daemon().managementPort()).isEqualTo(876);
        assertThat(codec.warnings(yaml, "c.yaml")).containsExactly("c.yaml: line 3, column 3: daemon.management_port 8765 (the old default)"
                + " is read as 876, the privileged default that no local user can bind first; write 876 (or remove the key) to say so,"
                + " or choose another port below 1024");
        assertThat(codec.warnings("version: 1\ndaemon:\n  management_port: 876\n", "c.yaml")).isEmpty();
        assertThat(codec.warnings("version: 1\n", "c.yaml")).isEmpty();
    }

    /** Issue 15 item 8 (tester): {@code public_port_first: "1024"} was accepted by Jackson's string coercion. */
    @Test
    void aQuotedNumberOrBooleanIsATypeErrorNamingTheKey() {
        assertThatThrownBy(() -> codec.parse("version: 1\nproxy:\n  public_port_first: \"1024\"\n", "c.yaml"))
                .hasMessage("c.yaml: line 3, column 3: key \"proxy.public_port_first\" must be a whole number, not \"1024\" (quoted, so it is text)");
        assertThatThrownBy(() -> codec.parse("version: 1\nproxy:\n  ufw: \"true\"\n", "c.yaml"))
                .hasMessageContaining("key \"proxy.ufw\" must be true or false");
        assertThat(codec.parse("version: 1\nproxy:\n  public_port_first: 1024\n", "c.yaml").proxy().publicPortFirst()).isEqualTo(1024);
    }

    /** Issue 15 item 8 (tester): an alias was expanded and the error then named the wrong section. */
    @Test
    void yamlAnchorsAndAliasesAreRefusedNamingTheAnchor() {
        assertThatThrownBy(() -> codec.parse("version: 1\ndomains: &d\n  base: example.com\nemails: *d\n", "c.yaml"))
                .hasMessage("c.yaml: line 2, column 10: YAML anchor &d is not supported in the configuration; write the values out in full");
        assertThatThrownBy(() -> codec.parse("version: 1\nproxy:\n  wildcard_bases: [*x]\n", "c.yaml"))
                .hasMessageContaining("line 3, column 20: YAML alias *x is not supported");
    }

    /** Issue 15 item 8 (tester): a control byte was reported at line 1, column 1 wherever it stood. */
    @Test
    void aControlCharacterIsReportedAtItsOwnLineAndColumn() {
        assertThatThrownBy(() -> codec.parse("version: 1\ndomains:\n  base: exa\u0001mple.com\n", "c.yaml"))
                .hasMessageStartingWith("c.yaml: line 3, column 12: control character U+0001 is not allowed");
        assertThat(codec.parse("version: 1\r\ndomains:\r\n\tbase: example.com\r\n".replace("\t", "  "), "c.yaml").domains().base())
                .isEqualTo("example.com");
    }

    /** Issue 15 item 8 (tester): a port range without a port in it fails {@code config check}. */
    @Test
    void aPublicPortRangeWithoutPortsIsRefused() {
        assertThatThrownBy(() -> codec.parse("version: 1\nproxy:\n  public_port_first: 3000\n  public_port_last: 2000\n", "c.yaml"))
                .hasMessageContaining("proxy.public_port_first/public_port_last: 3000-2000 must be a non-empty range");
        assertThatThrownBy(() -> codec.parse("version: 1\nproxy:\n  public_port_first: 0\n  public_port_last: 0\n", "c.yaml"))
                .hasMessageContaining("proxy.public_port_first/public_port_last: 0-0 must be a non-empty range");
    }

    @Test
    void rejectsDuplicateKeys() {
        assertThatThrownBy(() -> codec.parse("version: 1\nversion: 1\n", "c.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("line 2").hasMessageContaining("version");
    }

    @Test
    void rejectsWrongTypesNamingTheKey() {
        assertThatThrownBy(() -> codec.parse("daemon:\n  management_port: lots\n", "c.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("daemon.management_port");
    }

    @Test
    void typeErrorsSayWhatIsExpectedInAnOperatorsWords() {
        assertThatThrownBy(() -> codec.parse("daemon:\n  management_port: \"abc\"\n", "c.yaml"))
                .hasMessage("c.yaml: line 2, column 3: key \"daemon.management_port\" must be a whole number, not \"abc\"");
        assertThatThrownBy(() -> codec.parse("proxy:\n  reload_command: systemctl reload traefik\n", "c.yaml"))
                .hasMessageContaining("key \"proxy.reload_command\" must be a list");
        assertThatThrownBy(() -> codec.parse("- version: 1\n", "c.yaml"))
                .hasMessageContaining("the document must be a mapping of sections");
        assertThatThrownBy(() -> codec.parse("version: 1\n---\nversion: 1\n", "c.yaml"))
                .hasMessageContaining("more than one YAML document");
    }

    @Test
    void rejectsANewerSchemaVersion() {
        assertThatThrownBy(() -> codec.parse("version: 2\n", "c.yaml"))
                .hasMessageContaining("version: 2 is not supported");
    }

    @Test
    void listsEveryValueProblem() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> codec.parse(
                "domains:\n  base: -bad-.com\nemails:\n  admin: nobody\nzfs:\n  pool: tank\n  containers_dataset: other/containers\n", "c.yaml"));
        assertThat(e.problems()).containsExactly(
                "c.yaml: domains.base: \"-bad-.com\" is not a valid host name: it has a label starting or ending with '-' (e.g. example.com)",
                "c.yaml: emails.admin: \"nobody\" is not a valid e-mail address (e.g. ops@example.com)",
                "c.yaml: zfs.containers_dataset: \"other/containers\" must be inside pool \"tank\"");
    }

    @Test
    void enabledS3NeedsItsRequiredKeys() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> codec.parse("s3:\n  enabled: true\n  bucket: ok-bucket\n", "c.yaml"));
        assertThat(e.problems()).containsExactly("c.yaml: s3.endpoint: required when s3.enabled is true",
                "c.yaml: s3.access_key: required when s3.enabled is true",
                "c.yaml: s3.secret_key_file: required when s3.enabled is true");
    }

    @Test
    void s3RetentionDefaultsToTwoChainsAndNoPointCount() {
        TerrariumConfig c = codec.parse("version: 1\n", "t");
        assertThat(c.s3().retention().keepChains()).isEqualTo(2);
        assertThat(c.s3().retention().keepPoints()).isZero();
        TerrariumConfig set = codec.parse("s3:\n  retention:\n    keep_chains: 5\n    keep_points: 48\n", "t");
        assertThat(set.s3().retention()).isEqualTo(new TerrariumConfig.Retention(5, 48));
        assertThat(codec.write(set)).contains("  retention:\n    keep_chains: 5\n    keep_points: 48\n");
    }

    @Test
    void rejectsS3RetentionOutOfRange() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> codec.parse("s3:\n  retention:\n    keep_chains: 0\n    keep_points: -1\n", "c.yaml"));
        assertThat(e.problems()).containsExactly(
                "c.yaml: s3.retention.keep_chains: 0 is outside 1–1000 (the newest chain is always kept; use a large number to keep more)",
                "c.yaml: s3.retention.keep_points: -1 is outside 0–100000");
    }

    @Test
    void s3ObjectLockIsOffByDefaultAndRoundTrips() {
        assertThat(codec.parse("version: 1\n", "t").s3().objectLock()).isNull();
        TerrariumConfig set = codec.parse("s3:\n  provider: aws\n  object_lock:\n    mode: COMPLIANCE\n    retain_days: 30\n", "t");
        assertThat(set.s3().objectLock()).isEqualTo(new TerrariumConfig.ObjectLock("COMPLIANCE", 30));
        assertThat(codec.write(set)).contains("  object_lock:\n    mode: COMPLIANCE\n    retain_days: 30\n");
    }

    @Test
    void rejectsABadS3ObjectLockNamingWhatToDo() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> codec.parse("s3:\n  provider: r2\n  object_lock:\n    mode: governance\n    retain_days: 0\n", "c.yaml"));
        assertThat(e.problems()).containsExactly(
                "c.yaml: s3.object_lock.mode: \"governance\" must be GOVERNANCE (deletable by a user allowed to bypass "
                        + "governance retention) or COMPLIANCE (nobody can delete a locked version before its date)",
                "c.yaml: s3.object_lock.retain_days: 0 must be 1–36500 (days each new restore point stays locked after its upload)",
                "c.yaml: s3.object_lock: provider r2 does not support S3 Object Lock (docs/s3.md \"Object Lock\"); "
                        + "remove s3.object_lock or use a provider that does");
        // new-user test: an unknown spelling of a provider was reported twice (unknown, and "does not support")
        var upper = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> codec.parse("s3:\n  provider: R2\n  object_lock:\n    mode: GOVERNANCE\n    retain_days: 7\n", "c.yaml"));
        assertThat(upper.problems()).hasSize(1).allSatisfy(p -> assertThat(p).startsWith("c.yaml: s3.provider"));
        var missing = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> codec.parse("s3:\n  object_lock:\n    mode: GOVERNANCE\n", "c.yaml"));
        assertThat(missing.problems()).containsExactly("c.yaml: s3.object_lock.retain_days: missing must be 1–36500 "
                + "(days each new restore point stays locked after its upload)");
    }

    @Test
    void rejectsUnknownS3RetentionKey() {
        assertThatThrownBy(() -> codec.parse("s3:\n  retention:\n    keep_last: 3\n", "c.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key \"keep_last\" in \"s3.retention\"")
                .hasMessageContaining("keep_chains, keep_points");
    }

    @Test
    void loopbackHttpEndpointsAreAllowedForLocalS3() {
        TerrariumConfig c = codec.parse("s3:\n  endpoint: http://127.0.0.1:19000\n", "t");
        assertThat(c.s3().endpoint()).isEqualTo("http://127.0.0.1:19000");
    }

    @Test
    void writesADeterministicDocumentWithoutNulls() {
        TerrariumConfig c = TerrariumConfig.defaults().withDomains(new TerrariumConfig.Domains("example.com", null, null, null, null));
        String yaml = codec.write(c);
        assertThat(yaml).startsWith("version: 1\ndomains:\n  base: example.com\n").doesNotContain("null").doesNotContain("remote");
        assertThat(codec.write(codec.parse(yaml, "t"))).isEqualTo(yaml);
    }

    @Test
    void hostnameRules() {
        assertThat(ConfigValidator.isHostname("a.example.com")).isTrue();
        assertThat(ConfigValidator.isHostname("localhost")).isFalse();
        assertThat(ConfigValidator.isHostname("Example.com")).isTrue(); // case-insensitive, stored lower-case (DnsNames)
        assertThat(ConfigValidator.isHostname("a_b.example.com")).isFalse();
        assertThat(ConfigValidator.isHostname("x".repeat(64) + ".com")).isFalse();
        assertThat(ConfigValidator.isHostname("1.2.3.4")).isFalse();
    }
}
