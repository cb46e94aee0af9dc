package io.terrarium.proxy;

import java.util.Comparator;

/**
 * One internal bridge: a unique (instance, protocol, container port). HTTP, HTTPS and TCP routes
 * to the same container port share one {@code tcp} bridge.
 *
 * @param instance      instance name
 * @param protocol      {@code tcp} or {@code udp}
 * @param containerPort port inside the container
 */
public record BackendKey(String instance, String protocol, int containerPort) implements Comparable<BackendKey> {

    private static final Comparator<BackendKey> ORDER = Comparator.comparing(BackendKey::instance)
            .thenComparing(BackendKey::protocol).thenComparingInt(BackendKey::containerPort);

    /**
     * The LXD proxy device name on the instance, e.g. {@code terrarium-proxy-tcp-8080}; unique per
     * instance. Devices with the {@code terrarium-proxy-} prefix belong to Terrarium.
     */
    public String deviceName() {
        return "terrarium-proxy-" + protocol + "-" + containerPort;
    }

    @Override
    public int compareTo(BackendKey o) {
        return ORDER.compare(this, o);
    }
}
