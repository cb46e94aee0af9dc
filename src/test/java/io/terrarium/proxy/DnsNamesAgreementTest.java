package io.terrarium.proxy;

import io.terrarium.config.ConfigCodec;
import io.terrarium.config.ConfigValidator;
import io.terrarium.config.DnsNames;
import io.terrarium.config.TerrariumConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration and the {@code user.proxy} label parser follow one host-name rule
 * ({@link DnsNames}). They used to disagree on letter case: {@code domains.base: Example.com} was
 * refused while a label {@code https://App.Example.com} was accepted (and lower-cased). Now both
 * accept any case and keep the lower-case form, so reserved names and label hosts always compare in
 * one case.
 */
class DnsNamesAgreementTest {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
            "app.example.com          | app.example.com",
            "App.Example.COM          | app.example.com",
            "MANAGE.EXAMPLE.COM       | manage.example.com",
            "1st.example.com          | 1st.example.com",
            "xn--bcher-kva.example    | xn--bcher-kva.example",
            "a--b.example.com         | a--b.example.com",
            "localhost                | ",
            "a_b.example.com          | ",
            "-bad-.com                | ",
            "bad-.example.com         | ",
            "example.com.             | ",
            "a..example.com           | ",
            "1.2.3.4                  | ",
            "example.123              | ",
            "ex ample.com             | ",
    })
    void configAndLabelsAcceptTheSameHostNames(String name, String canonical) {
        boolean valid = canonical != null;
        assertThat(ConfigValidator.isHostname(name)).as("config").isEqualTo(valid);
        ParseResult r = ProxyLabelParser.parse("web", "https://" + name, ProxyLabelParserTest.SETTINGS);
        assertThat(r.errors().isEmpty()).as("label: " + r.errors()).isEqualTo(valid);
        if (valid) {
            assertThat(((HttpRoute) r.routes().get(0)).host()).isEqualTo(canonical);
            assertThat(new TerrariumConfig.Domains(name, null, null, null, null).base()).isEqualTo(canonical);
        }
    }

    @Test
    void namesAtTheLengthLimitsAgree() {
        String label63 = "a".repeat(63);
        String label64 = "a".repeat(64);
        String name253 = (label63 + ".").repeat(3) + "a".repeat(61); // 3 × 64 + 61 = 253
        String name254 = "b" + name253;
        for (String[] c : new String[][]{{label63 + ".com", "ok"}, {label64 + ".com", null}, {name253, "ok"},
                {name254, null}}) {
            boolean valid = c[1] != null;
            assertThat(DnsNames.isHostName(c[0])).as(c[0].length() + " chars").isEqualTo(valid);
            assertThat(ProxyLabelParser.parse("web", "https://" + c[0], ProxyLabelParserTest.SETTINGS).errors().isEmpty())
                    .isEqualTo(valid);
        }
    }

    @Test
    void aMixedCaseConfiguredDomainIsStoredLowerCase() {
        ConfigCodec codec = new ConfigCodec();
        TerrariumConfig c = codec.parse("version: 1\ndomains:\n  base: Example.COM\n  manage: Admin.Example.com\n", "t");
        assertThat(c.domains().base()).isEqualTo("example.com");
        assertThat(c.domains().manageHost()).isEqualTo("admin.example.com");
        assertThat(c.domains().authHost()).isEqualTo("auth.example.com");
        assertThat(codec.write(c)).contains("base: example.com").doesNotContain("Example");
    }
}
