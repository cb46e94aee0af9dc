package io.terrarium.proxy;

import java.util.List;

/**
 * The plan's verdict for one instance.
 *
 * @param name      instance name
 * @param status    overall status
 * @param published routes that are published (label order)
 * @param errors    one line per rejected item or lost conflict, each starting {@code instance "<name>": }
 */
public record InstanceReport(String name, InstanceStatus status, List<ProxyRoute> published, List<String> errors) {
    public InstanceReport {
        published = List.copyOf(published);
        errors = List.copyOf(errors);
    }
}
