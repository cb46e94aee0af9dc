package io.terrarium.config;

import java.util.List;

/**
 * A configuration document is invalid. {@link #problems()} lists every problem found, each naming
 * the key (dotted path) or the line, and what is allowed. Never contains a secret value.
 */
public class ConfigException extends RuntimeException {
    private final List<String> problems;

    /** @param problems one human-readable line per problem (at least one) */
    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** @param problem the single problem */
    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** Every problem, one line each. */
    public List<String> problems() {
        return problems;
    }
}
