package io.terrarium.daemon;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A daemon job that runs with the configuration stored <em>now</em>, not the one the daemon
 * started with — so {@code terrariumctl set s3|syncoid|domains …} takes effect at the next run
 * without restarting the daemon (sanoid and syncoid read their config on every run as well).
 *
 * <p>Each {@link #run()} loads the stored configuration (one LXD API read, ~0.1 s), builds the jobs
 * for it and runs the one with this id. Id, description and schedule are those of the job at daemon
 * start: a changed schedule ({@code daemon.schedules}) still needs a daemon restart, which the
 * Ansible role does when the config changes. When the stored configuration cannot be read or is
 * invalid, the run uses the last configuration that loaded and logs a warning once per change of
 * the error — a half-edited config never stops backups.
 */
public final class CurrentConfigJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(CurrentConfigJob.class);

    private final Job atStart;
    private final Supplier<TerrariumConfig> load;
    private final Function<TerrariumConfig, List<Job>> jobsFor;
    private final AtomicReference<TerrariumConfig> lastGood;
    private final AtomicReference<String> lastError = new AtomicReference<>();

    /**
     * @param atStart  the job built from the configuration the daemon started with
     * @param load     loads and validates the stored configuration; throws on failure
     * @param jobsFor  the jobs for a configuration ({@code App::jobs})
     * @param lastGood shared holder of the last configuration that loaded (starts with the daemon's)
     */
    public CurrentConfigJob(Job atStart, Supplier<TerrariumConfig> load, Function<TerrariumConfig, List<Job>> jobsFor,
                            AtomicReference<TerrariumConfig> lastGood) {
        this.atStart = atStart;
        this.load = load;
        this.jobsFor = jobsFor;
        this.lastGood = lastGood;
    }

    /** Wraps every job of the starting configuration. */
    public static List<Job> wrapAll(TerrariumConfig start, Supplier<TerrariumConfig> load,
                                    Function<TerrariumConfig, List<Job>> jobsFor) {
        AtomicReference<TerrariumConfig> last = new AtomicReference<>(start);
        return jobsFor.apply(start).stream().<Job>map(j -> new CurrentConfigJob(j, load, jobsFor, last)).toList();
    }

    @Override
    public String id() {
        return atStart.id();
    }

    @Override
    public String description() {
        return atStart.description();
    }

    @Override
    public String defaultSchedule() {
        return atStart.defaultSchedule();
    }

    @Override
    public Duration interval() {
        return atStart.interval();
    }

    /** The job built from the configuration the daemon started with (its type shapes the route). */
    @Override
    public Job shape() {
        return atStart;
    }

    /** The configuration a run would use now (the stored one, or the last good one). */
    TerrariumConfig current() {
        try {
            TerrariumConfig c = load.get();
            lastGood.set(c);
            lastError.set(null);
            return c;
        } catch (RuntimeException e) {
            String msg = e.getMessage();
            if (msg != null && !msg.equals(lastError.getAndSet(msg))) {
                LOG.warn("{}: cannot load the stored configuration ({}); running with the last one that loaded", id(), msg);
            }
            return lastGood.get();
        }
    }

    @Override
    public JobResult run() {
        return forRun().run();
    }

    /** The job with this id built from the configuration stored now (or the last good one). */
    @Override
    public Job forRun() {
        TerrariumConfig c = current();
        for (Job j : jobsFor.apply(c)) {
            if (j.id().equals(id())) {
                return j;
            }
        }
        throw new IllegalStateException("job " + id() + " is not defined for the current configuration");
    }
}
