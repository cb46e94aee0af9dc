package io.terrarium.provision.install;

import io.terrarium.config.TerrariumConfig;

import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Host names when the operator has no domain: {@code <svc>.<dashed-ip>.traefik.me}. traefik.me is a
 * public wildcard DNS service that resolves {@code anything.1-2-3-4.traefik.me} to 1.2.3.4, so
 * the dashboards get working names (and Let's Encrypt certificates over HTTP-01) on a bare IP.
 */
public final class PublicHosts {
    /** The wildcard DNS suffix. */
    public static final String SUFFIX = "traefik.me";

    private PublicHosts() {
    }

    /**
     * The domains section for an IPv4 address: the base is {@code <dashed-ip>.traefik.me}, so the
     * service hosts derive as {@code manage.<dashed-ip>.traefik.me} etc.
     *
     * @param ipv4 dotted quad, e.g. {@code 203.0.113.7}
     * @throws IllegalArgumentException when not an IPv4 dotted quad
     */
    public static TerrariumConfig.Domains forIp(String ipv4) {
        if (!ipv4.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}")) {
            throw new IllegalArgumentException("\"" + ipv4 + "\" is not an IPv4 address (traefik.me names need one)");
        }
        return new TerrariumConfig.Domains(ipv4.replace('.', '-') + "." + SUFFIX, null, null, null, null);
    }

    /**
     * The IPv4 address this host uses for outbound traffic: the local address the kernel picks for
     * a UDP "connection" to a public address (no packet is sent). On a VPS this is the public
     * address; behind NAT it is not, and the operator passes {@code --public-ip} or {@code --domain}.
     */
    public static Optional<String> outboundIpv4() {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getByAddress(new byte[]{(byte) 192, 0, 2, 1}), 53));
            InetAddress a = s.getLocalAddress();
            if (a instanceof Inet4Address && !a.isAnyLocalAddress() && !a.isLoopbackAddress()) {
                return Optional.of(a.getHostAddress());
            }
        } catch (Exception e) {
            // no route: the caller asks the operator
        }
        return Optional.empty();
    }
}
