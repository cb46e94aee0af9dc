package io.terrarium.proxy;

/**
 * One parsed route of a {@code user.proxy} label: {@link HttpRoute} or {@link L4Route}.
 * Routes are values: equal claims are equal records (the {@link #source} text excepted, which
 * is kept only for messages).
 */
public sealed interface ProxyRoute permits HttpRoute, L4Route {

    /** The route item exactly as written in the label (trimmed), for messages and listings. */
    String source();

    /** Backend protocol of the internal bridge: {@code tcp} for HTTP(S) and TCP, {@code udp} for UDP. */
    String bridgeProtocol();

    /** Port the service listens on inside the container, 1–65535. */
    int containerPort();
}
