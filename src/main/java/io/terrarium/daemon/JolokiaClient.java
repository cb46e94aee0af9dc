package io.terrarium.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Calls the daemon's Jolokia endpoint ({@code /observe/jolokia}) on loopback: the CLI's way to run
 * a job inside the daemon (the job MBean {@link JobControl}) and to read route MBeans.
 */
public final class JolokiaClient {
    private final String baseUrl;
    private final ManagementCredentials credentials;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param baseUrl     e.g. {@code http://127.0.0.1:876}
     * @param credentials the management login (root-only file)
     */
    public JolokiaClient(String baseUrl, ManagementCredentials credentials) {
        this.baseUrl = baseUrl;
        this.credentials = credentials;
    }

    /** The MBean name of the Terrarium CamelContext. */
    public static String contextMBean() {
        return "org.apache.camel:context=" + TerrariumDaemon.CONTEXT_NAME + ",type=context,name=\""
                + TerrariumDaemon.CONTEXT_NAME + "\"";
    }

    /** The MBean name of a route. */
    public static String routeMBean(String routeId) {
        return "org.apache.camel:context=" + TerrariumDaemon.CONTEXT_NAME + ",type=routes,name=\"" + routeId + "\"";
    }

    /**
     * Runs one MBean operation.
     *
     * @param mbean     e.g. {@value JobControl#OBJECT_NAME}
     * @param operation operation name (with a signature in parentheses when it is overloaded)
     * @param arguments its arguments
     * @param timeout   how long to wait for the answer
     * @return the operation's return value
     * @throws IOException when the daemon cannot be reached, refuses the request (HTTP 403 from the
     *                     management policy) or the operation throws
     */
    public JsonNode exec(String mbean, String operation, List<?> arguments, Duration timeout) throws IOException {
        return call(Map.of("type", "exec", "mbean", mbean, "operation", operation, "arguments", arguments), timeout);
    }

    /**
     * Reads one MBean attribute.
     *
     * @throws IOException when unreachable or denied
     */
    public JsonNode read(String mbean, String attribute) throws IOException {
        return call(Map.of("type", "read", "mbean", mbean, "attribute", attribute), Duration.ofSeconds(10));
    }

    private JsonNode call(Map<String, Object> request, Duration timeout) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/observe/jolokia"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Authorization", credentials.authorizationHeader())
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(request)))
                .build();
        HttpResponse<String> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (resp.statusCode() == 401) {
            throw new IOException("the daemon refused the management login (HTTP 401); run as root, and restart the daemon if its credentials file was replaced");
        }
        if (resp.statusCode() == 403) {
            throw new IOException("the daemon refused the request (HTTP 403): " + json.readTree(resp.body()).path("error").asText("forbidden"));
        }
        if (resp.statusCode() != 200) {
            throw new IOException("Jolokia answered HTTP " + resp.statusCode());
        }
        JsonNode r = json.readTree(resp.body());
        int status = r.path("status").asInt(0);
        if (status != 200) {
            throw new IOException("Jolokia error " + status + ": " + r.path("error").asText("unknown"));
        }
        return r.path("value");
    }
}
