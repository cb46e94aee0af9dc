package io.terrarium.host.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads the real /proc of this machine: this JVM's own listening socket is found and attributed to it. */
class ListenerOwnerTest {
    private final ListenerOwner owner = new ListenerOwner();
    private final long self = ProcessHandle.current().pid();

    @Test
    void aPortThisProcessListensOnIsOwnedByItAndNotByItsParent() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(owner.listeningInodes(s.getLocalPort())).isNotEmpty();
            assertThat(owner.ownedBy(s.getLocalPort(), self)).isTrue();
            long parent = ProcessHandle.current().parent().orElseThrow().pid();
            assertThat(owner.ownedBy(s.getLocalPort(), parent)).isFalse();
        }
    }

    @Test
    void aPortNobodyListensOnIsOwnedByNobody() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(owner.listeningInodes(port)).isEmpty();
        assertThat(owner.ownedBy(port, self)).isFalse();
    }
}
