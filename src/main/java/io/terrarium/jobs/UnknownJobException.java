package io.terrarium.jobs;

import java.util.List;

/**
 * A job id that names no job: bad usage (the CLI exits 2), with the list of jobs so the operator
 * can pick one. The id is echoed with control characters escaped, so a pasted newline cannot forge
 * a second output line.
 */
public final class UnknownJobException extends IllegalArgumentException {
    private final transient List<String> known;

    /**
     * @param job   the id asked for (untrusted)
     * @param known the job ids, in route order
     */
    public UnknownJobException(String job, List<String> known) {
        super("unknown job \"" + printable(job) + "\"; jobs are: " + String.join(", ", known));
        this.known = List.copyOf(known);
    }

    /** The job ids this installation has. */
    public List<String> known() {
        return known;
    }

    /**
     * Throws unless {@code job} is one of {@code known}.
     *
     * @throws UnknownJobException when it is not
     */
    public static void requireKnown(String job, List<String> known) {
        if (job == null || !known.contains(job)) {
            throw new UnknownJobException(job, known);
        }
    }

    /** {@code s} with control characters (newline, ESC, …) shown as {@code \n}, {@code \u001b}; at most 80 characters. */
    public static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.length() >= 80 && s.length() > 80 ? b + "…" : b.toString();
    }
}
