package io.terrarium.proxy;

import java.util.Comparator;

/**
 * A published TCP/UDP port: Traefik entrypoint {@code <protocol>-<port>} and a UFW rule.
 *
 * @param protocol {@code tcp} or {@code udp}
 * @param port     public port
 * @param instance the instance publishing it
 */
public record PublicPort(String protocol, int port, String instance) implements Comparable<PublicPort> {

    private static final Comparator<PublicPort> ORDER = Comparator.comparing(PublicPort::protocol)
            .thenComparingInt(PublicPort::port).thenComparing(PublicPort::instance);

    /** Traefik entrypoint name, e.g. {@code tcp-5432}. */
    public String entrypoint() {
        return protocol + "-" + port;
    }

    @Override
    public int compareTo(PublicPort o) {
        return ORDER.compare(this, o);
    }
}
