package io.terrarium.s3;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/** The signer's idea of "loopback" is the configuration's: plain http is only allowed there. */
class LoopbackSignerTest {
    private static SdkHttpRequest req(String protocol, String host) {
        return SdkHttpRequest.builder().protocol(protocol).host(host).port(19000).method(SdkHttpMethod.PUT).encodedPath("/b/k").build();
    }

    @Test
    void plainHttpToAnyLoopbackAddressSkipsPayloadHashingAndNothingElseDoes() {
        assertThat(LoopbackSigner.isLoopbackHttp(req("http", "127.0.0.1"))).isTrue();
        assertThat(LoopbackSigner.isLoopbackHttp(req("http", "127.0.0.2"))).isTrue();
        assertThat(LoopbackSigner.isLoopbackHttp(req("http", "localhost"))).isTrue();
        assertThat(LoopbackSigner.isLoopbackHttp(req("https", "127.0.0.1"))).isFalse();
        assertThat(LoopbackSigner.isLoopbackHttp(req("http", "10.0.0.1"))).isFalse();
        assertThat(LoopbackSigner.isLoopbackHttp(req("http", "s3.example.com"))).isFalse();
    }
}
