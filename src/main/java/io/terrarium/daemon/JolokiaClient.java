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
 * a job's {@code direct:} route inside the daemon ({@code ManagedCamelContext.requestBody}) and to
 * read route MBeans.
 */
public final class JolokiaClient {
    private final String baseUrl;
    private final ManagementCredentials credentials;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param baseUrl     e.g. {@code http://127.0.0.1:8765}
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
     * Sends a body to an endpoint inside the daemon and returns the reply body.
     *
     * @param endpoint e.g. {@code direct:host-facts}
     * @param body     the message body (a trigger name)
     * @param timeout  how long the job may take
     * @return the reply body (a job result as JSON)
     * @throws IOException when the daemon cannot be reached or Jolokia answers with an error
     */
    public String requestBody(String endpoint, String body, Duration timeout) throws IOException {
        JsonNode v = call(Map.of("type", "exec", "mbean", contextMBean(),
                "operation", "requestBody(java.lang.String,java.lang.Object)",
                "arguments", List.of(endpoint, body)), timeout);
        return v.isTextual() ? v.asText() : v.toString();
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
        if (resp.statusCode() == 401 || resp.statusCode() == 403) {
            throw new IOException("the daemon refused the management login (HTTP " + resp.statusCode()
                    + "); run as root, and restart the daemon if its credentials file was replaced");
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
