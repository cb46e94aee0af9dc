package io.terrarium.cli;

import io.terrarium.jobs.JobResult;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Prints a job result: a header line, the summary, and the job's per-item rows as a table. */
final class JobOutput {
    private JobOutput() {
    }

    /**
     * @param rowsKey key in {@link JobResult#details()} holding a list of maps to print as a table,
     *                or {@code null}
     */
    @SuppressWarnings("unchecked")
    static void print(PrintWriter out, Format format, JobResult r, String rowsKey) {
        if (format != Format.table) {
            Output.value(out, format, r);
            return;
        }
        out.println(r.job() + ": " + r.status() + " in " + r.durationMs() + " ms (" + r.ranIn() + ", trigger " + r.trigger() + ")");
        if (r.summary() != null && !r.summary().isBlank()) {
            out.println(r.summary());
        }
        Object rows = r.details() == null || rowsKey == null ? null : r.details().get(rowsKey);
        if (rows instanceof List<?> list && !list.isEmpty()) {
            List<Map<String, Object>> flat = new ArrayList<>();
            for (Object o : list) {
                Map<String, Object> m = new java.util.LinkedHashMap<>((Map<String, Object>) o);
                m.replaceAll((k, v) -> v instanceof List<?> l ? (l.isEmpty() ? "-" : l.size() + " " + String.join(",", l.stream().map(String::valueOf).toList())) : v);
                flat.add(m);
            }
            out.print(Output.table(flat));
        }
        out.flush();
    }
}
