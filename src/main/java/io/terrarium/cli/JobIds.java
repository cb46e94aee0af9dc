package io.terrarium.cli;

import java.util.Iterator;
import java.util.List;

/**
 * The job ids, as completion candidates of {@code jobs run|pause|resume JOB} (picocli
 * {@code completionCandidates}: the bash script offers them after {@code jobs run}). The same ids as
 * {@code App.jobs(config)} builds; JobIdsTest keeps the two equal. Also the job rows of {@code status},
 * which must not build the jobs (that reads the applied configuration a second time).
 */
public final class JobIds implements Iterable<String> {
    /** Every job id, in the order {@code jobs list} shows them. */
    public static final List<String> ALL = List.of("host-facts", "proxy-sync", "snapshot", "replicate", "s3-janitor",
            "s3-export", "s3-verify", "restore-drill");

    @Override
    public Iterator<String> iterator() {
        return ALL.iterator();
    }
}
