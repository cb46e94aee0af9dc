package io.terrarium.host.sanoid;

import io.terrarium.host.exec.Command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * argv of syncoid 2.1 and the classification of its outcome (pure).
 *
 * <p>Flags (from {@code syncoid --help}, 2.1.0): {@code --no-privilege-elevation} (no sudo on the
 * target: the target user has {@code zfs allow} rights, or is root), {@code --sshkey=FILE},
 * {@code --sshport=PORT}, {@code --sshoption=OPT} repeated: {@code BatchMode=yes} (never prompt:
 * no password can be typed or passed), {@code ConnectTimeout=10}, and, when configured,
 * {@code UserKnownHostsFile=…} with {@code StrictHostKeyChecking=yes}. Never {@code --force-delete}:
 * a target that shares no snapshot with its source is reported, never destroyed.
 */
public final class Syncoid {
    /** Outcome classes of one dataset's run. */
    public enum Outcome { INITIAL_FULL, INCREMENTAL, FAILED }

    /**
     * One dataset's classified result.
     *
     * @param outcome what happened
     * @param reason  short cause for FAILED (e.g. "no common snapshot"), else {@code null}
     * @param hint    what the operator should do, or {@code null}
     */
    public record Result(Outcome outcome, String reason, String hint) {
    }

    private Syncoid() {
    }

    /**
     * @param executable    syncoid executable
     * @param sourceDataset e.g. {@code terrarium/containers/web}
     * @param target        {@code user@host}
     * @param targetDataset full target dataset, e.g. {@code backup/terrarium/web}
     * @param sshKey        private key path (only the path is passed)
     * @param sshPort       port
     * @param knownHosts    known_hosts path, or {@code null}
     * @param timeout       limit for this dataset
     * @return the command; every exit code is accepted, {@link #classify} decides
     */
    public static Command replicate(String executable, String sourceDataset, String target, String targetDataset,
                                    String sshKey, int sshPort, String knownHosts, Duration timeout) {
        List<String> a = new ArrayList<>(List.of("--no-privilege-elevation", "--sshkey=" + sshKey,
                "--sshport=" + sshPort, "--sshoption=BatchMode=yes", "--sshoption=ConnectTimeout=10"));
        if (knownHosts != null) {
            a.add("--sshoption=UserKnownHostsFile=" + knownHosts);
            a.add("--sshoption=StrictHostKeyChecking=yes");
        }
        a.add(sourceDataset);
        a.add(target + ":" + targetDataset);
        return new Command(executable, a, timeout, null,
                IntStream.rangeClosed(0, 255).boxed().collect(java.util.stream.Collectors.toSet()));
    }

    /**
     * The reachability check of {@code set syncoid --enable}: {@code ssh -i KEY -p PORT -o BatchMode=yes
     * -o ConnectTimeout=10 [-o UserKnownHostsFile=F -o StrictHostKeyChecking=yes] USER@HOST zfs list -H -o name
     * TARGET_DATASET} — the same key, port and host-key rules syncoid uses, and the parent dataset the
     * replicas go to. BatchMode never prompts (a missing key or host key fails at once). ssh exits 255
     * when the connection or authentication failed, else with the remote command's exit code
     * (ssh(1), "EXIT STATUS"). Exit codes 0–255 are returned, never thrown.
     *
     * @param timeout limit for the whole check
     */
    public static Command reachability(String target, String targetDataset, String sshKey, int sshPort, String knownHosts,
                                       Duration timeout) {
        List<String> a = new ArrayList<>(List.of("-i", sshKey, "-p", Integer.toString(sshPort), "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=10"));
        if (knownHosts != null) {
            a.addAll(List.of("-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes"));
        }
        a.addAll(List.of("--", target, "zfs", "list", "-H", "-o", "name", targetDataset));
        Integer[] any = new Integer[256];
        for (int i = 0; i < any.length; i++) {
            any[i] = i;
        }
        return Command.of("ssh", a).withTimeout(timeout).withOkExitCodes(any);
    }

    /**
     * What a {@link #reachability} result means: {@code null} when the target answered and has the
     * dataset, else one sentence for the operator.
     */
    public static String reachabilityProblem(int exit, String stderr, String target, String targetDataset, int sshPort) {
        String tail = lastLine(stderr == null ? "" : stderr);
        if (exit == 0) {
            return null;
        }
        if (exit == 255) {
            return "cannot reach " + target + " over SSH on port " + sshPort + " (" + tail + "): check --target, --ssh-port,"
                    + " that the key is in the target's authorized_keys and the target's host key is known (--known-hosts)";
        }
        return target + " answered, but `zfs list " + targetDataset + "` failed there (exit " + exit + ": " + tail
                + "): create the parent dataset on the target (`zfs create " + targetDataset + "`) or fix --target-dataset";
    }

    /**
     * Classifies a run from its exit code and output (stdout and stderr together).
     *
     * @param targetDataset for the remediation hint
     * @param target        {@code user@host}, for the hint
     */
    public static Result classify(int exit, String output, String target, String targetDataset) {
        String o = output == null ? "" : output;
        if (exit == 0) {
            return o.contains("to new target filesystem") || o.contains("Sending oldest full snapshot")
                    ? new Result(Outcome.INITIAL_FULL, null, null) : new Result(Outcome.INCREMENTAL, null, null);
        }
        if (o.contains("has no snapshots matching") || o.contains("no matching snapshots")) {
            return new Result(Outcome.FAILED, "no common snapshot: the target " + targetDataset
                    + " exists but shares no snapshot with the source",
                    "Terrarium never destroys a target. On " + target + ", inspect " + targetDataset
                            + "; keep it with `zfs rename " + targetDataset + " " + targetDataset + "-old`"
                            + " or remove it with `zfs destroy -r " + targetDataset + "`; the next run then sends a full copy");
        }
        if (o.contains("ssh connection echo test failed") || o.contains("Permission denied")
                || o.contains("Host key verification failed") || o.contains("Connection refused")
                || o.contains("Could not resolve hostname") || o.contains("timed out")) {
            return new Result(Outcome.FAILED, "cannot reach " + target + " over SSH",
                    "check backups.syncoid.target, ssh_port, that the key is in the target's authorized_keys and"
                            + " the target's host key is known (`ssh -i KEY -p PORT " + target + " true`)");
        }
        return new Result(Outcome.FAILED, "syncoid exited " + exit + ": " + lastLine(o), null);
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (!l.isEmpty()) {
                return l;
            }
        }
        return "(no output)";
    }
}
