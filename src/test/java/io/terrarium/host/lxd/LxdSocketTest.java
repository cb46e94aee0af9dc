package io.terrarium.host.lxd;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Response framing of the unix-socket HTTP client, with LXD's own shapes (Go net/http). */
class LxdSocketTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aResponseIsCompleteOnlyOnceItsContentLengthArrived() throws Exception {
        String head = "HTTP/1.1 412 Precondition Failed\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n";
        assertThat(LxdSocket.complete(b(head + "{\"a\":"))).isNull();
        var r = LxdSocket.complete(b(head + "{\"a\":1234}"));
        assertThat(r.status()).isEqualTo(412);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1234}");
    }

    @Test
    void chunkedBodiesAreJoinedAndTheEtagIsKept() throws Exception {
        String head = "HTTP/1.1 200 OK\r\nEtag: \"abc\"\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertThat(LxdSocket.complete(b(head + "5\r\n{\"a\":\r\n"))).isNull();
        var r = LxdSocket.complete(b(head + "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n"));
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        assertThat(r.etag()).isEqualTo("\"abc\"");
    }
}
