package io.terrarium.proxy;

import java.util.List;

/**
 * The plan's verdict for one instance.
 *
 * @param name      instance name
 * @param status    overall status
 * @param published routes that are published (label order)
 * @param errors    one line per rejected item or lost conflict, each starting {@code instance "<name>": }
 * @param contested one line per claim another instance tried to take from this one and was refused
 *                  (the owner hears of the conflict too, issue 14 item 2); this instance keeps its routes
 */
public record InstanceReport(String name, InstanceStatus status, List<ProxyRoute> published, List<String> errors,
                             List<String> contested) {
    public InstanceReport {
        published = List.copyOf(published);
        errors = List.copyOf(errors);
        contested = contested == null ? List.of() : List.copyOf(contested);
    }

    /** A report with nothing contested. */
    public InstanceReport(String name, InstanceStatus status, List<ProxyRoute> published, List<String> errors) {
        this(name, status, published, errors, List.of());
    }
}
