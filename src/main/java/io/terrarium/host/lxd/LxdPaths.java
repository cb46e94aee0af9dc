package io.terrarium.host.lxd;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * LXD REST API paths (the LXD API reference, "/1.0/instances/{name}" and the {@code project} query
 * parameter), built in one place: names and projects are URL-encoded.
 */
public final class LxdPaths {
    private LxdPaths() {
    }

    /** One path segment or query value, URL-encoded (UTF-8). */
    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** {@code /1.0/instances/<name>}, without the project query. */
    public static String instance(String name) {
        return "/1.0/instances/" + enc(name);
    }

    /** {@code ?project=<project>}, to append to a path. */
    public static String projectQuery(String project) {
        return "?project=" + enc(project);
    }
}
