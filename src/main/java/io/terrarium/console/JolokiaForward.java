package io.terrarium.console;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Hawtio's local Jolokia path ({@code /hawtio/jolokia}) forwarded to the daemon's Jolokia: Hawtio
 * finds an agent at its own origin and so is connected to the daemon from the first page, with no
 * connection form and no CORS preflight. The browser's own login (HTTP basic, checked by the
 * console first) is passed on, so the daemon's {@code JolokiaGate} applies that login's role and
 * logs that user; the console holds no password of its own. A GET of the agent root or
 * {@code /version} (Hawtio's probe) becomes a POST {@code version} request, since the daemon
 * accepts only POST. A request that a browser marks as coming from another origin ({@code Origin}
 * not this console's, or {@code Sec-Fetch-Site: cross-site}) is refused with 403 before anything is
 * forwarded: otherwise any page open in the operator's browser could post Jolokia operations with the
 * browser's cached login (cross-site request forgery; Fetch standard, "Origin" header and
 * "Sec-Fetch-Site").
 */
final class JolokiaForward implements Filter {
    private static final long MAX_BODY = 1024 * 1024;
    private final String target;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** @param target the daemon's Jolokia URL, e.g. {@code http://127.0.0.1:876/observe/jolokia} */
    JolokiaForward(String target) {
        this.target = target;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String refusal = crossSite(req.getHeader("Origin"), req.getHeader("Sec-Fetch-Site"), req.getScheme(), req.getHeader("Host"));
        if (refusal != null) {
            resp.sendError(403, refusal);
            return;
        }
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        byte[] body;
        if ("POST".equals(req.getMethod())) {
            body = req.getInputStream().readNBytes((int) MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                resp.sendError(413, "Jolokia request larger than " + MAX_BODY + " bytes");
                return;
            }
            path = "";
        } else if ("GET".equals(req.getMethod()) && (path.isEmpty() || path.equals("/") || path.equals("/version"))) {
            body = "{\"type\":\"version\"}".getBytes(StandardCharsets.UTF_8);
            path = "";
        } else {
            resp.sendError(405, "only POST Jolokia requests are forwarded to the daemon");
            return;
        }
        String query = req.getQueryString() == null ? "" : "?" + req.getQueryString();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + path + query))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        String auth = req.getHeader("Authorization");
        if (auth != null) {
            b.header("Authorization", auth);
        }
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            resp.sendError(503, "interrupted");
            return;
        } catch (IOException e) {
            resp.sendError(502, "the daemon's management endpoint " + target + " did not answer: " + e.getMessage());
            return;
        }
        resp.setStatus(r.statusCode());
        resp.setContentType(r.headers().firstValue("Content-Type").orElse("application/json"));
        resp.getOutputStream().write(r.body());
    }

    /**
     * Why a request must be refused as cross-site, or {@code null} when it may be forwarded. Requests
     * without these headers (curl, scripts) are not a browser's and pass.
     *
     * @param origin       the {@code Origin} header, or {@code null}
     * @param secFetchSite the {@code Sec-Fetch-Site} header, or {@code null}
     * @param scheme       the request's scheme ({@code http})
     * @param host         the {@code Host} header (host:port of this console), or {@code null}
     * @return the reason, or {@code null}
     */
    static String crossSite(String origin, String secFetchSite, String scheme, String host) {
        if ("cross-site".equalsIgnoreCase(secFetchSite)) {
            return "cross-site request refused (Sec-Fetch-Site: cross-site)";
        }
        if (origin != null && !origin.equalsIgnoreCase(scheme + "://" + host)) {
            return "request from another origin refused (Origin " + origin + ")";
        }
        return null;
    }
}
