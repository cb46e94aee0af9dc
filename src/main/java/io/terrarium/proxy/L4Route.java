package io.terrarium.proxy;

/**
 * A {@code tcp://} or {@code udp://} route: Traefik listens on {@code publicPort} on every
 * address and forwards to the container port through the internal bridge.
 *
 * @param source        the item as written (trimmed)
 * @param protocol      {@code tcp} or {@code udp}
 * @param publicPort    public port, 1–65535, not reserved, not in the bridge range
 * @param containerPort port inside the container, 1–65535
 */
public record L4Route(String source, String protocol, int publicPort, int containerPort) implements ProxyRoute {

    /** Conflict key and display form, e.g. {@code 5432/tcp}. */
    public String claimDisplay() {
        return publicPort + "/" + protocol;
    }

    /** Traefik entrypoint name for this port, e.g. {@code tcp-5432}. */
    public String entrypoint() {
        return protocol + "-" + publicPort;
    }

    @Override
    public String bridgeProtocol() {
        return protocol;
    }
}
