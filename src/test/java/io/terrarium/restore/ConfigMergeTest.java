package io.terrarium.restore;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The old host's configuration applied to a new host's (issue 11 item 3): missing keys taken,
 * differing ones kept unless --force, this host's own sections never touched, a section whose secret
 * file is missing here not applied.
 */
class ConfigMergeTest {
    static final String OLD = """
            version: 1
            installation_id: old-0001
            domains:
              base: example.org
              manage: manage.example.org
            emails:
              admin: ops@example.org
            s3:
              enabled: true
              bucket: old-bucket
              secret_key_file: /etc/terrarium/secrets/s3.secret
            zfs:
              pool: tank
            idp:
              mode: external
              issuer: https://id.example.org
              client_secret_file: /etc/terrarium/secrets/oidc.secret
            """;
    static final String HERE = """
            version: 1
            installation_id: new-0002
            emails:
              admin: root@new.example
            s3:
              enabled: true
              bucket: new-bucket
            zfs:
              pool: fast
            """;

    @Test
    void missingKeysAreTakenDifferingOnesKeptAndThisHostsOwnSectionsNeverTouched() {
        ConfigMerge m = ConfigMerge.of(OLD, HERE, false, p -> true);
        assertThat(m.applied()).containsExactly("domains.base = \"example.org\"", "domains.manage = \"manage.example.org\"",
                "idp.mode = \"external\"", "idp.issuer = \"https://id.example.org\"",
                "idp.client_secret_file = \"/etc/terrarium/secrets/oidc.secret\"");
        assertThat(m.kept()).containsExactly("emails.admin: here \"root@new.example\" kept, the backup's is \"ops@example.org\""
                + " (--force takes the backup's)");
        assertThat(m.notApplied()).isEmpty();
        assertThat(m.document()).contains("installation_id: new-0002").contains("bucket: new-bucket").contains("pool: fast")
                .contains("base: example.org").contains("admin: root@new.example").doesNotContain("old-").doesNotContain("tank");
    }

    @Test
    void forceTakesTheBackupsValueButNeverTheHostsOwnSections() {
        ConfigMerge m = ConfigMerge.of(OLD, HERE, true, p -> true);
        assertThat(m.applied()).contains("emails.admin = \"ops@example.org\" (here \"root@new.example\", replaced: --force)");
        assertThat(m.document()).contains("admin: ops@example.org").contains("installation_id: new-0002").contains("bucket: new-bucket");
    }

    @Test
    void aSectionWhoseSecretFileIsMissingHereIsNotAppliedAndSaysWhatToWrite() {
        ConfigMerge m = ConfigMerge.of(OLD, HERE, false, p -> !p.endsWith("oidc.secret"));
        assertThat(m.applied()).containsExactly("domains.base = \"example.org\"", "domains.manage = \"manage.example.org\"");
        assertThat(m.notApplied()).first().asString().startsWith("idp.client_secret_file: the old host read a secret from"
                + " /etc/terrarium/secrets/oidc.secret, which does not exist here; write it");
        assertThat(m.notApplied()).contains("idp.mode = \"external\" (section idp waits for its secret file)");
        assertThat(m.document()).doesNotContain("idp");
        assertThat(String.join("\n", m.describe("LXD project terrarium-system"))).contains(
                "terrarium configuration: apply 2 key(s) of the old host's to LXD project terrarium-system (signed with this host's key):",
                "    NOT applied: idp.client_secret_file");
    }

    @Test
    void theSameConfigurationChangesNothing() {
        ConfigMerge m = ConfigMerge.of(HERE, HERE, true, p -> false);
        assertThat(m.document()).isNull();
        assertThat(m.describe("x")).containsExactly("terrarium configuration: nothing to apply from the old host's (same)");
        assertThat(ConfigMerge.HOST_OWN).isEqualTo(Set.of("version", "installation_id", "s3", "zfs", "storage"));
    }

    @Test
    void aDocumentThatIsNotAMappingIsRefused() {
        assertThatThrownBy(() -> ConfigMerge.of("- a\n- b\n", HERE, false, p -> true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the host manifest's config is not a YAML mapping");
    }
}
