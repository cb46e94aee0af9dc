package io.terrarium.proxy;

import java.util.List;

/**
 * The {@code @auth} part of an HTTP(S) route: requests pass the oauth2-proxy forwardAuth gate.
 *
 * @param groups       allowed groups, deduplicated and sorted; empty means any signed-in user
 * @param callbackHost for wildcard routes the host (under the wildcard's base) that serves the
 *                     OAuth2 callback, lower case; {@code null} for explicit hosts
 */
public record AuthSpec(List<String> groups, String callbackHost) {
    public AuthSpec {
        groups = List.copyOf(groups);
    }
}
