package io.terrarium.daemon;

/**
 * The daemon's own job MBean, {@value JobControl#OBJECT_NAME}: how the CLI, Hawtio and any JMX
 * client start a job without holding the management endpoint for the length of the run (Jolokia
 * serialises requests, so a synchronous multi-minute operation would block every other client).
 * Both operations answer at once.
 */
public interface JobControlMBean {
    /**
     * Starts a job run in the background, as trigger {@code jmx}.
     *
     * @param job job id, e.g. {@code proxy-sync} (see {@link #getJobs()})
     * @return the run id (a UUID) to pass to {@link #result(String)}
     * @throws IllegalArgumentException for an unknown job id
     */
    String submit(String job);

    /**
     * Starts a job run in the background with a named trigger (the CLI passes {@code cli}).
     *
     * @param job     job id
     * @param trigger what started the run, shown in the job's result and log (letters, digits, {@code -_.:})
     * @return the run id (a UUID)
     * @throws IllegalArgumentException for an unknown job id or a malformed trigger
     */
    String submitAs(String job, String trigger);

    /**
     * {@link #submitAs} for a client that waits a limited time for the answer (the CLI): the run
     * starts only when the daemon reads the request before {@code deadlineEpochMillis}, less
     * {@value ClientDeadline#MARGIN_MILLIS} ms for the answer to reach the client. A later request
     * — one the kernel kept while the daemon was stopped, whose client has given up and told its
     * user the trigger failed — is refused and logged, and nothing runs: no exchange, no result, no
     * count in the route's statistics. {@link #submit} (Hawtio's JMX tab) has no deadline.
     *
     * @param job                 job id
     * @param trigger             as for {@link #submitAs}
     * @param deadlineEpochMillis when the client stops waiting, ms since the epoch by the wall
     *                            clock of this host ({@link ClientDeadline})
     * @return the run id (a UUID)
     * @throws IllegalArgumentException for an unknown job id or a malformed trigger
     * @throws IllegalStateException    when the deadline has passed or is too close (nothing ran)
     */
    String submitBefore(String job, String trigger, long deadlineEpochMillis);

    /**
     * What became of a {@link #submitBefore} whose answer the client did not get in time (the daemon
     * took the request just before its deadline, then stalled — a GC pause, a slow disk — past it):
     * the run id it started, or {@code ""} when no run was started for it, and none will be (its
     * deadline has passed, so a request still in the kernel is refused when read). A request that
     * {@link #submitBefore} is still taking is waited for. Admin only, as {@code result}.
     *
     * @param job                 the job id of that request
     * @param trigger             its trigger
     * @param deadlineEpochMillis its deadline, which names it
     * @return the run id, or {@code ""}
     * @throws IllegalStateException when the deadline is still ahead (less {@value ClientDeadline#MARGIN_MILLIS}
     *                               ms): the request may yet be taken, so no answer is final
     */
    String takenBefore(String job, String trigger, long deadlineEpochMillis);

    /**
     * The result of a submitted run.
     *
     * @param runId a run id returned by {@link #submit}
     * @return the job result as JSON (any status: OK, WARNING, FAILED, REJECTED), or
     *         {@value JobControl#PENDING} while the run is going; a finished result can be read
     *         once, and unread ones are kept for one hour
     * @throws IllegalArgumentException for an unknown (or already read, or expired) run id
     */
    String result(String runId);

    /**
     * The progress of a submitted run (issue 15: progress streamed back to the CLI), read without
     * consuming anything: call it with {@code afterSeq} 0, then with the {@code last} of the
     * previous answer, until {@code finished} is true; then read {@link #result(String)}.
     *
     * @param runId    a run id returned by {@link #submit} whose result was not read yet
     * @param afterSeq the last sequence number already seen (0 for none)
     * @return JSON {@code {"run", "job", "finished": bool, "last": seq, "lost": count,
     *         "events": [{"seq", "at" (UTC), "type": start|progress|finish, "item", "phase",
     *         "bytes", "total" (or null), "stored", "ok" (finish only)}]}} (see
     *         {@link io.terrarium.jobs.RunProgress}); the daemon keeps the newest 64 events of a run
     * @throws IllegalArgumentException for an unknown (or already read, or expired) run id
     */
    String progress(String runId, long afterSeq);

    /** The job ids this daemon runs, in route order. */
    java.util.List<String> getJobs();

    /** Runs submitted and not yet finished. */
    int getRunsPending();
}
