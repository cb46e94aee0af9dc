package io.terrarium.restore;

import java.io.IOException;
import java.util.List;

/** The chain cannot be restored; names every missing or wrong piece and the newest restorable point. */
public final class RestorePlanException extends IOException {
    private final List<String> problems;
    private final String newestRestorable;

    /** @param problems what is missing or wrong @param newestRestorable manifest id, or {@code null} */
    public RestorePlanException(List<String> problems, String newestRestorable) {
        super("cannot restore: " + String.join("; ", problems)
                + (newestRestorable == null ? "; no restorable point" : "; newest restorable point: " + newestRestorable));
        this.problems = List.copyOf(problems);
        this.newestRestorable = newestRestorable;
    }

    /** Every problem found. */
    public List<String> problems() {
        return problems;
    }

    /** Id of the newest manifest whose chain is complete, or {@code null}. */
    public String newestRestorable() {
        return newestRestorable;
    }
}
