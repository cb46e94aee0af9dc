package io.terrarium.proxy;

import java.util.List;

/**
 * Outcome of parsing one instance's {@code user.proxy} label.
 *
 * @param routes the items that parsed, in label order (a label with any error publishes none of
 *               them, see {@link ProxyPlanner})
 * @param errors one message per rejected item, in label order; each names the instance, the
 *               item (quoted) and what is allowed
 */
public record ParseResult(List<ProxyRoute> routes, List<String> errors) {
    public ParseResult {
        routes = List.copyOf(routes);
        errors = List.copyOf(errors);
    }

    /** True when the label had no error. */
    public boolean ok() {
        return errors.isEmpty();
    }
}
