package io.terrarium.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The release artifacts `mvn package` produces: tarball layout, SHA256SUMS, both launchers. */
class DistIT {
    @Test
    void tarballHasTheReleaseLayoutAndAVerifiableChecksum() throws Exception {
        Path target = Path.of("target");
        List<Path> tarballs;
        try (Stream<Path> s = Files.list(target)) {
            tarballs = s.filter(p -> p.getFileName().toString().matches("terrarium-.+-linux-(amd64|arm64)\\.tar\\.gz")).toList();
        }
        assertThat(tarballs).hasSize(1);
        String listing = Terrariumctl.sh("tar", "tzf", tarballs.get(0).toString());
        String v = tarballs.get(0).getFileName().toString().replaceAll("terrarium-(.+)-linux-.*", "$1");
        assertThat(listing.lines()).contains("terrarium-" + v + "/bin/terrariumctl", "terrarium-" + v + "/bin/trm",
                "terrarium-" + v + "/install.sh", "terrarium-" + v + "/lib/terrarium.jar", "terrarium-" + v + "/ansible/README.md",
                "terrarium-" + v + "/config/samples/minimal.yaml",
                // `terrariumctl console` works offline: Hawtio and Monaco ship in the tarball
                "terrarium-" + v + "/lib/hawtio/hawtio-war.war", "terrarium-" + v + "/lib/hawtio/monaco-editor.jar",
                // --help pages the launcher prints without a JVM
                "terrarium-" + v + "/share/help/terrariumctl-backup-restore.txt", "terrarium-" + v + "/share/help/terrariumctl-backup-restore.ansi");
        assertThat(listing.lines().filter(l -> l.endsWith(".jar")).count()).isGreaterThan(20);
        String verify = Terrariumctl.sh("sh", "-c", "cd target && sha256sum -c SHA256SUMS");
        assertThat(verify).contains(tarballs.get(0).getFileName() + ": OK");
        String modes = Terrariumctl.sh("tar", "tvzf", tarballs.get(0).toString(), "terrarium-" + v + "/bin/trm");
        assertThat(modes).startsWith("-rwxr-xr-x");
    }

    @Test
    void trmIsTheSameProgram() throws Exception {
        String a = Terrariumctl.sh("target/dist/bin/terrariumctl", "--version");
        String b = Terrariumctl.sh("target/dist/bin/trm", "--version");
        assertThat(a).startsWith("terrariumctl 0.").isEqualTo(b);
        assertThat(Terrariumctl.sh("./terrariumctl", "--version")).isEqualTo(a);
    }

    /**
     * The launcher's JVM flags per command. Bug this guards: {@code backup export|restore|verify}
     * ran with the CLI's C1-only JIT, which hashes SHA-256 about 10x slower (75 vs 855 MiB/s
     * measured), so every CLI export and restore was capped near 75 MiB/s.
     */
    @Test
    void dataCommandsGetTheOptimisingJitAndABoundedHeap(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        fakeJdk(tmp, "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/../argv.txt\"");
        Path argv = tmp.resolve("jdk/argv.txt");
        java.util.function.Function<String[], List<String>> flags = args -> {
            try {
                List<String> cmd = new java.util.ArrayList<>(List.of("env", "JAVA_HOME=" + tmp.resolve("jdk"), "TERRARIUM_CDS=0",
                        // a daemon running on this host must not answer (served commands skip the JVM)
                        "TERRARIUM_SERVED=0", "target/dist/bin/terrariumctl"));
                cmd.addAll(List.of(args));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                assertThat(p.waitFor()).isZero();
                return Files.readAllLines(argv);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        assertThat(flags.apply(new String[]{"backup", "restore", "--source", "s3"}))
                .contains("-Xmx256m").doesNotContain("-XX:TieredStopAtLevel=1");
        assertThat(flags.apply(new String[]{"-v", "backup", "export"})).contains("-Xmx256m", "-Xmn12m").doesNotContain("-XX:TieredStopAtLevel=1");
        assertThat(flags.apply(new String[]{"jobs", "run", "s3-export"})).doesNotContain("-XX:TieredStopAtLevel=1");
        assertThat(flags.apply(new String[]{"status"})).contains("-XX:TieredStopAtLevel=1");
        assertThat(flags.apply(new String[]{"daemon"})).contains("-Xmx256m", "-Xms32m");
    }

    /**
     * {@code --help} is answered from the release's pages without a JVM (issue 16 item 4), with the
     * JVM's own bytes; every other form still reaches the JVM. A fake {@code java} that exits 99
     * tells which path ran.
     */
    @Test
    void helpComesFromTheReleasePagesWithoutAJvmAndEverythingElseStillReachesIt(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        fakeJdk(tmp, "echo 'the JVM ran'\nexit 99");
        java.util.function.BiFunction<List<String>, String[], String> launch = (env, args) -> {
            try {
                List<String> cmd = new java.util.ArrayList<>(List.of("env", "JAVA_HOME=" + tmp.resolve("jdk")));
                cmd.addAll(env);
                cmd.add("target/dist/bin/terrariumctl");
                cmd.addAll(List.of(args));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                return p.waitFor() + ":" + out;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        String page = Files.readString(Path.of("target/dist/share/help/terrariumctl-backup-restore.txt"));
        // the same bytes the real JVM prints
        assertThat(Terrariumctl.sh("env", "TERRARIUM_HELP_PAGES=0", "target/dist/bin/terrariumctl", "backup", "restore", "--help"))
                .isEqualTo(page);
        assertThat(launch.apply(List.of(), new String[]{"backup", "restore", "--help"})).isEqualTo("0:" + page);
        assertThat(launch.apply(List.of(), new String[]{"help", "backup", "restore"})).isEqualTo("0:" + page);
        assertThat(launch.apply(List.of(), new String[]{"jobs", "run", "-h"}))
                .isEqualTo("0:" + Files.readString(Path.of("target/dist/share/help/terrariumctl-jobs-run.txt")));
        assertThat(launch.apply(List.of(), new String[]{})).isEqualTo("0:" + Files.readString(Path.of("target/dist/share/help/terrariumctl.txt")));
        // anything that is not a plain page request goes to the JVM
        for (String[] args : new String[][]{{"-v", "--help"}, {"nosuch", "--help"}, {"backup", "restore", "web", "--help"},
                {"backup", "--help", "restore"}, {"backup", "help", "restore"}, {"status"}, {"--version"}}) {
            assertThat(launch.apply(List.of(), args)).as(String.join(" ", args)).isEqualTo("99:the JVM ran\n");
        }
        // variables that change picocli's colour choice, and the switch, leave it to the JVM too
        for (String env : List.of("NO_COLOR=1", "CLICOLOR=0", "CLICOLOR_FORCE=1", "TERRARIUM_HELP_PAGES=0", "TERRARIUM_JAVA_OPTS=-Dpicocli.ansi=true",
                "JAVA_TOOL_OPTIONS=-Dpicocli.usage.width=60", "JDK_JAVA_OPTIONS=-Dpicocli.ansi=true")) {
            assertThat(launch.apply(List.of(env), new String[]{"backup", "--help"})).as(env).isEqualTo("99:the JVM ran\n");
        }
        // on a terminal (script(1) gives stdin and stdout a pty): the styled page, as picocli styles it there
        String styled = Terrariumctl.sh("script", "-qec", "env JAVA_HOME=" + tmp.resolve("jdk") + " target/dist/bin/terrariumctl backup restore --help",
                "/dev/null").replace("\r\n", "\n");
        assertThat(styled).contains("\u001b[").isEqualTo(Files.readString(Path.of("target/dist/share/help/terrariumctl-backup-restore.ansi")));
    }

    /**
     * The AppCDS archive (issue 16 item 4): the first CLI command trains it once (renamed into place
     * with its checksum when complete, no temporary file left), later commands — CLI, data and daemon
     * mode — map it; a cut-short archive (the JVM crashed with SIGBUS mapping one: new-user test) is
     * removed and trained again, never mapped; an archive another user could have written is never
     * mapped. The release lives in a path with a space (the archive flag was split there: same test).
     */
    @Test
    void theArchiveIsTrainedOnceCheckedAndMappedOnlyWhenIntactAndNobodyElseCanWriteIt(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path release = releaseWithoutArchives(tmp);
        Path cds = release.resolve("lib/cds");
        java.util.function.Function<String[], String> run = args -> exitAndOutput(List.of("env",
                "TERRARIUM_RUN_DIR=" + tmp.resolve("run"), "TERRARIUM_STATE_DIR=" + tmp.resolve("state"),
                "TERRARIUM_ETC_DIR=" + tmp.resolve("etc"), "TERRARIUM_JAVA_OPTS=-Xlog:cds=info",
                release.resolve("bin/terrariumctl").toString()), args);
        String sample = release.resolve("config/samples/minimal.yaml").toString();
        assertThat(run.apply(new String[]{"config", "check", sample})).startsWith("0:").contains("minimal.yaml: valid");
        java.util.function.Supplier<List<String>> names = () -> {
            try (Stream<Path> s = Files.list(cds)) {
                return s.map(f -> f.getFileName().toString()).sorted().toList();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        };
        assertThat(names.get()).hasSize(2);
        assertThat(names.get().get(0)).matches("cli-[0-9]+\\.jsa");
        assertThat(names.get().get(1)).isEqualTo(names.get().get(0) + ".sum");
        Path archive = cds.resolve(names.get().get(0));
        assertThat(run.apply(new String[]{"jobs", "list"})).startsWith("0:").contains("Mapped dynamic region");
        assertThat(run.apply(new String[]{"backup", "list", "--source", "local"})).startsWith("0:").contains("Mapped dynamic region");
        // the daemon maps it too while it has no archive of its own (`daemon --train-cds`, next test); stopped by its timeout
        Process daemon = new ProcessBuilder("env", "TERRARIUM_RUN_DIR=" + tmp.resolve("run-d"), "TERRARIUM_STATE_DIR=" + tmp.resolve("state-d"),
                "TERRARIUM_ETC_DIR=" + tmp.resolve("etc-d"), "TERRARIUM_JAVA_OPTS=-Xlog:cds=info", "timeout", "20",
                release.resolve("bin/terrariumctl").toString(), "daemon", "--port", String.valueOf(20000 + new java.util.Random().nextInt(10000)))
                .redirectErrorStream(true).start();
        assertThat(new String(daemon.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).contains("Mapped dynamic region");
        daemon.waitFor();
        // cut short: removed, not mapped (no crash), and the next CLI command trains it again
        byte[] whole = Files.readAllBytes(archive);
        Terrariumctl.sh("chmod", "u+w", archive.toString());
        Files.write(archive, java.util.Arrays.copyOf(whole, whole.length / 2));
        String cut = run.apply(new String[]{"backup", "list", "--source", "local"});
        assertThat(cut).startsWith("0:").doesNotContain("Mapped dynamic region");
        assertThat(names.get()).isEmpty();
        assertThat(run.apply(new String[]{"config", "check", sample})).startsWith("0:");
        assertThat(names.get()).hasSize(2);
        assertThat(run.apply(new String[]{"jobs", "list"})).contains("Mapped dynamic region");
        // writable by others: could hold any class metadata, so it is not used
        Files.setPosixFilePermissions(archive, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(run.apply(new String[]{"jobs", "list"})).startsWith("0:").doesNotContain("Mapped dynamic region");
    }

    /**
     * The daemon's own AppCDS archive (issue 16 item 4), the launcher's side, with a fake JVM that
     * writes what {@code -XX:ArchiveClassesAtExit} names and records its argv: {@code daemon
     * --train-cds} records {@code daemon-<key>.jsa} with its {@code .sum} (no temporary file left)
     * with the daemon's own JVM flags, and says "up to date" the second time; {@code daemon} maps it;
     * an altered, untrusted, missing or stale-keyed one makes the daemon fall back to the CLI's
     * archive or none (never removed by the daemon, which cannot write the release under systemd);
     * a failed training run exits 1 and leaves no archive at all.
     */
    @Test
    void daemonMapsItsOwnArchiveOnlyWhenIntactTrustedAndCurrentAndFallsBackOtherwise(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path release = releaseWithoutArchives(tmp);
        Path cds = release.resolve("lib/cds");
        fakeJdk(tmp, """
                dir=$(dirname "$0")/..
                printf '%s\n' "$@" > "$dir/argv.txt"
                for a; do case $a in -XX:ArchiveClassesAtExit=*) out=${a#*=} ;; esac; done
                if [ -n "${out:-}" ]; then
                    printf 'part' > "$out"
                    [ -f "$dir/fail" ] && exit 1
                    printf 'archive of %s\n' "$*" > "$out"
                fi
                echo 'daemon training run: health UP after 1 ms, stopped; no job ran'
                exit 0""");
        Path argv = tmp.resolve("jdk/argv.txt");
        java.util.function.Function<String[], String> run = args -> exitAndOutput(List.of("env", "JAVA_HOME=" + tmp.resolve("jdk"),
                release.resolve("bin/terrariumctl").toString()), args);
        java.util.function.Supplier<List<String>> names = () -> {
            try (Stream<Path> s = Files.list(cds)) {
                return s.map(f -> f.getFileName().toString()).sorted().toList();
            } catch (java.io.IOException e) {
                return List.of();
            }
        };
        java.util.function.Supplier<String> mapped = () -> {
            try {
                return Files.readAllLines(argv).stream().filter(a -> a.startsWith("-XX:SharedArchiveFile="))
                        .map(a -> Path.of(a.substring(a.indexOf('=') + 1)).getFileName().toString()).findFirst().orElse("none");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        };
        // missing: nothing mapped (the daemon does not train the CLI's archive either)
        assertThat(run.apply(new String[]{"daemon"})).startsWith("0:");
        assertThat(mapped.get()).isEqualTo("none");
        assertThat(names.get()).isEmpty();
        // the CLI's archive, recorded by a CLI command
        assertThat(run.apply(new String[]{"--version"})).startsWith("0:");
        String cli = names.get().get(0);
        assertThat(cli).matches("cli-[0-9]+\\.jsa");
        String key = cli.substring(4, cli.length() - 4);
        assertThat(run.apply(new String[]{"daemon"})).startsWith("0:");
        assertThat(mapped.get()).as("no daemon archive yet: the CLI's").isEqualTo(cli);

        // another argument beside --train-cds: refused before any JVM (it would run a training start that nothing records)
        Files.deleteIfExists(argv);
        assertThat(run.apply(new String[]{"daemon", "--train-cds", "-v"}))
                .isEqualTo("2:ERROR: --train-cds takes no other argument: run exactly 'terrariumctl daemon --train-cds'\n");
        assertThat(argv).as("no JVM started").doesNotExist();

        // recorded, with the daemon's flags, renamed into place with its checksum
        assertThat(run.apply(new String[]{"daemon", "--train-cds"})).startsWith("0:recorded the daemon CDS archive ")
                .contains("daemon-" + key + ".jsa").contains("daemon training run: health UP");
        assertThat(Files.readAllLines(argv)).contains("-Xmx256m", "daemon", "--train-cds").doesNotContain("-XX:TieredStopAtLevel=1")
                .noneMatch(a -> a.startsWith("-XX:SharedArchiveFile="));
        assertThat(names.get()).containsExactly(cli, cli + ".sum", "daemon-" + key + ".jsa", "daemon-" + key + ".jsa.sum");
        Path archive = cds.resolve("daemon-" + key + ".jsa");
        assertThat(Files.readString(archive)).startsWith("archive of ");
        assertThat(run.apply(new String[]{"daemon", "--train-cds"})).isEqualTo("0:daemon CDS archive up to date: " + archive + "\n");
        assertThat(run.apply(new String[]{"daemon"})).startsWith("0:");
        assertThat(mapped.get()).isEqualTo("daemon-" + key + ".jsa");
        assertThat(Files.readAllLines(argv)).contains("-Xmx256m", "-Xlog:cds=off");
        // the CLI keeps its own
        assertThat(run.apply(new String[]{"--version"})).startsWith("0:");
        assertThat(mapped.get()).isEqualTo(cli);

        // altered (same size, other bytes): the CLI's archive; the daemon leaves the file for the next training run
        byte[] bytes = Files.readAllBytes(archive);
        bytes[0] ^= 1;
        Files.write(archive, bytes);
        assertThat(run.apply(new String[]{"daemon"})).startsWith("0:");
        assertThat(mapped.get()).isEqualTo(cli);
        assertThat(archive).exists();
        assertThat(run.apply(new String[]{"daemon", "--train-cds"})).startsWith("0:recorded ");
        assertThat(run.apply(new String[]{"daemon"})).startsWith("0:");
        assertThat(mapped.get()).isEqualTo("daemon-" + key + ".jsa");

        // writable by others: could hold any class metadata, never mapped
        Files.setPosixFilePermissions(archive, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(run.apply(new String[]{"daemon"})).startsWith("0:");
        assertThat(mapped.get()).isEqualTo(cli);
        Files.setPosixFilePermissions(archive, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

        // a failed training run: exit 1, and neither its partial output nor the archive it was to replace is left
        Files.write(archive, "cut".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.createFile(tmp.resolve("jdk/fail"));
        assertThat(run.apply(new String[]{"daemon", "--train-cds"})).startsWith("1:ERROR: the daemon's CDS training run failed (exit 1)");
        assertThat(names.get()).containsExactly(cli, cli + ".sum");
        Files.delete(tmp.resolve("jdk/fail"));

        // stale key (a jar changed): neither archive matches; training replaces the old daemon archive
        assertThat(run.apply(new String[]{"daemon", "--train-cds"})).startsWith("0:recorded ");
        Path jar = release.resolve("lib/terrarium.jar");
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        assertThat(run.apply(new String[]{"daemon"})).startsWith("0:");
        assertThat(mapped.get()).isEqualTo("none");
        assertThat(run.apply(new String[]{"daemon", "--train-cds"})).startsWith("0:recorded ");
        assertThat(names.get()).filteredOn(n -> n.startsWith("daemon-")).hasSize(2).noneMatch(n -> n.contains(key))
                .allMatch(n -> n.matches("daemon-[0-9]+\\.jsa(\\.sum)?"));
        assertThat(run.apply(new String[]{"daemon"})).startsWith("0:");
        assertThat(mapped.get()).startsWith("daemon-").isNotEqualTo("daemon-" + key + ".jsa");

        // switched off: nothing recorded, nothing mapped
        Terrariumctl.sh("rm", "-rf", cds.toString());
        Process off = new ProcessBuilder("env", "JAVA_HOME=" + tmp.resolve("jdk"), "TERRARIUM_CDS=0",
                release.resolve("bin/terrariumctl").toString(), "daemon", "--train-cds").redirectErrorStream(true).start();
        assertThat(new String(off.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                .startsWith("class-data sharing is off");
        assertThat(off.waitFor()).isZero();
        assertThat(cds).doesNotExist();
    }

    /**
     * A daemon training JVM killed by a signal (SIGKILL: the OOM killer, a {@code kill -9}) cleans up
     * nothing itself: the launcher gave it a private {@code java.io.tmpdir}, removes it, says which
     * signal ended the run and exits 1 as for any failed training (it exited 137 and left the
     * directory behind), keeping neither the partial archive nor the one it was to replace.
     */
    @Test
    void aTrainingJvmKilledBySignalLeavesNothingBehindAndIsReported(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path release = releaseWithoutArchives(tmp);
        fakeJdk(tmp, """
                for a; do case $a in -XX:ArchiveClassesAtExit=*) out=${a#*=} ;; -Djava.io.tmpdir=*) t=${a#*=} ;; esac; done
                if [ -n "${out:-}" ]; then
                    mkdir -p "$t/terrarium-cds-training-1/etc/secrets" && printf 'part' > "$out"
                    echo 'starting the training daemon'
                    kill -9 $$
                fi
                exit 0""");
        Path tmpdir = Files.createDirectories(tmp.resolve("tmpdir"));
        Path cds = Files.createDirectories(release.resolve("lib/cds"));
        String out = exitAndOutput(List.of("env", "JAVA_HOME=" + tmp.resolve("jdk"), "TMPDIR=" + tmpdir,
                release.resolve("bin/terrariumctl").toString()), "daemon", "--train-cds");
        assertThat(out).startsWith("1:ERROR: the daemon's CDS training JVM was killed by signal 9 (KILL: the kernel's OOM killer or a kill -9);"
                + " no archive recorded, the daemon starts without one. Its output:\nstarting the training daemon\n");
        try (Stream<Path> left = Files.list(tmpdir); Stream<Path> archives = Files.list(cds)) {
            assertThat(left).as("the training's private directory").isEmpty();
            assertThat(archives).as("no partial archive, no log").isEmpty();
        }
    }

    /**
     * A fake training JVM (the daemon's or the CLI's): it writes part of the archive and a file in its
     * private directory (the daemon's training has one), then,
     * while {@code <jdk>/hang} exists, records its pid in {@code <jdk>/jvm.pid} and sleeps (the pid
     * stays: exec); otherwise it writes the whole archive and exits 0.
     */
    private static final String TRAINING_THAT_HANGS = """
            jdk=$(dirname "$0")/..
            for a; do case $a in -XX:ArchiveClassesAtExit=*) out=${a#*=} ;; -Djava.io.tmpdir=*) t=${a#*=} ;; esac; done
            if [ -n "${out:-}" ]; then
                [ -z "${t:-}" ] || mkdir -p "$t/terrarium-cds-training-1/etc"
                printf 'part' > "$out"
                if [ -f "$jdk/hang" ]; then
                    echo $$ > "$jdk/jvm.pid.tmp" && mv "$jdk/jvm.pid.tmp" "$jdk/jvm.pid"
                    exec sleep 60
                fi
                printf 'archive' > "$out"
                echo 'daemon training run: health UP after 1 ms, stopped; no job ran'
            fi
            exit 0""";

    /**
     * SIGTERM, SIGINT or SIGHUP to the launcher during {@code daemon --train-cds} (tester, session 9:
     * a SIGTERM waited for the training JVM, ~5 s, and exited 143 without a word): the launcher kills
     * the JVM at once, removes its partial archive, log and private directory, says the run was
     * interrupted and exits 128 + the signal's number. Likewise SIGQUIT (Ctrl-\), SIGUSR1 and SIGUSR2
     * (tester, session 10: they ended the launcher silently, exit 131/138, and left the JVM running).
     * The fake JVM sleeps 60 s, so a launcher that waited for it fails the 5-s limit. About 2 s.
     */
    @Test
    void aSignalToTheLauncherEndsTheTrainingRunAtOnceAndLeavesNothing(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        HangingTraining t = hangingTraining(tmp);
        Path release = t.release(), jdk = t.jdk(), tmpdir = t.tmpdir(), cds = t.cds();
        for (String[] signal : new String[][]{{"TERM", "143"}, {"INT", "130"}, {"HUP", "129"}, {"QUIT", "131"}, {"USR1", "138"},
                {"USR2", "140"}}) {
            Files.deleteIfExists(jdk.resolve("jvm.pid"));
            // --default-signal: a launcher started with SIGINT or SIGQUIT ignored (as a background job is) cannot trap them
            Process launcher = new ProcessBuilder("env", "--default-signal=INT,QUIT", "JAVA_HOME=" + jdk, "TMPDIR=" + tmpdir,
                    release.resolve("bin/terrariumctl").toString(), "daemon", "--train-cds").redirectErrorStream(true).start();
            Interrupted i = interrupt(launcher, trainingJvm(jdk, launcher), signal[0]);
            assertThat(i.exitAndOutput()).isEqualTo(signal[1] + ":ERROR: the daemon's CDS training run was interrupted by SIG" + signal[0]
                    + "; no archive recorded, the daemon starts without one\n");
            assertThat(i.jvmRan()).as("SIG%s: the training JVM", signal[0]).isFalse();
            assertThat(names(tmpdir)).as("SIG%s: the training's private directory", signal[0]).isEmpty();
            assertThat(names(cds)).as("SIG%s: no partial archive, no log", signal[0]).isEmpty();
        }
    }

    /**
     * A {@code kill -9} of the launcher during {@code daemon --train-cds}, which no trap sees (tester,
     * session 9: the training JVM ran on and left a 47 MB {@code daemon-*.jsa.tmp.<pid>} and a
     * directory): the JVM is killed with it ({@code setpriv --pdeathsig}), and the next training run
     * removes what the killed one left (partial archive, log, private directory: their launcher's pid
     * is in their names and no longer runs) but not the files of a run whose launcher still runs.
     * About 1 s.
     */
    @Test
    void aLauncherKilledWithKill9TakesItsTrainingJvmAlongAndTheNextTrainingRemovesWhatWasLeft(
            @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        HangingTraining t = hangingTraining(tmp);
        Path release = t.release(), jdk = t.jdk(), tmpdir = t.tmpdir(), cds = t.cds();
        List<String> launch = List.of("env", "JAVA_HOME=" + jdk, "TMPDIR=" + tmpdir, release.resolve("bin/terrariumctl").toString());
        List<String> argv = new java.util.ArrayList<>(launch);
        argv.addAll(List.of("daemon", "--train-cds"));
        Process launcher = new ProcessBuilder(argv).redirectErrorStream(true).start();
        assertThat(killWith9(launcher, trainingJvm(jdk, launcher))).as("the training JVM dies with its launcher").isFalse();
        String dead = String.valueOf(launcher.pid());
        assertThat(names(cds)).as("left by the killed run: its private directory").hasSize(1)
                .allMatch(n -> n.matches("daemon-[0-9]+\\.training\\." + dead + "\\.[A-Za-z0-9]{6}"));
        assertThat(names(tmpdir)).hasSize(1);
        assertThat(names(tmpdir).get(0)).matches("terrarium-cds-training\\." + dead + "\\.[A-Za-z0-9]{6}");
        String key = names(cds).get(0).replaceAll("^daemon-([0-9]+)\\..*", "$1");
        // a run whose launcher runs (this JVM's pid stands for it): its files stay
        String self = String.valueOf(ProcessHandle.current().pid());
        Files.writeString(cds.resolve("daemon-" + key + ".jsa.tmp." + self), "part");
        Files.createDirectories(cds.resolve("daemon-" + key + ".training." + self + ".AbC123"));
        Files.createDirectories(tmpdir.resolve("terrarium-cds-training." + self + ".AbC123"));

        Files.delete(jdk.resolve("hang"));
        assertThat(exitAndOutput(launch, "daemon", "--train-cds")).startsWith("0:recorded the daemon CDS archive ");
        assertThat(names(cds)).containsExactly("daemon-" + key + ".jsa", "daemon-" + key + ".jsa.sum", "daemon-" + key + ".jsa.tmp." + self,
                "daemon-" + key + ".training." + self + ".AbC123");
        assertThat(names(tmpdir)).containsExactly("terrarium-cds-training." + self + ".AbC123");
    }

    /**
     * The CLI's own archive training (the first CLI command of a release) had the gap the daemon's had
     * before session 10 (tester, session 10): a SIGTERM to the launcher left the training JVM running,
     * and its {@code cli-<key>.jsa.tmp.<pid>} was removed only by a later run after 10 minutes. Now a
     * SIGTERM kills the JVM, removes the partial archive and exits 143 with one line (the command did
     * not run); a {@code kill -9} of the launcher takes the JVM along, and the next command removes
     * what it left at once. About 1 s.
     */
    @Test
    void theCliTrainingIsEndedBySignalsAndAKill9LikeTheDaemons(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        HangingTraining t = hangingTraining(tmp);
        Path release = t.release(), jdk = t.jdk(), cds = t.cds();
        List<String> launch = List.of("env", "JAVA_HOME=" + jdk, "TMPDIR=" + t.tmpdir(), release.resolve("bin/terrariumctl").toString());
        List<String> argv = new java.util.ArrayList<>(launch);
        argv.add("--version");

        Process launcher = new ProcessBuilder(argv).redirectErrorStream(true).start();
        Interrupted i = interrupt(launcher, trainingJvm(jdk, launcher), "TERM");
        assertThat(i.exitAndOutput()).isEqualTo("143:ERROR: interrupted by SIGTERM while terrariumctl recorded its start-up archive;"
                + " nothing recorded (the next command records it), the command did not run\n");
        assertThat(i.jvmRan()).as("the training JVM").isFalse();
        assertThat(names(cds)).as("no partial archive, no log").isEmpty();

        Files.delete(jdk.resolve("jvm.pid"));
        launcher = new ProcessBuilder(argv).redirectErrorStream(true).start();
        assertThat(killWith9(launcher, trainingJvm(jdk, launcher))).as("the training JVM dies with its launcher").isFalse();
        String dead = String.valueOf(launcher.pid());
        assertThat(names(cds)).as("left by the killed run: its private directory").hasSize(1)
                .allMatch(n -> n.matches("cli-[0-9]+\\.training\\." + dead + "\\.[A-Za-z0-9]{6}"));
        Files.delete(jdk.resolve("hang"));
        assertThat(exitAndOutput(launch, "--version")).startsWith("0:");
        assertThat(names(cds)).hasSize(2).allMatch(n -> n.matches("cli-[0-9]+\\.jsa(\\.sum)?"));
    }

    /**
     * {@code daemon --train-cds} where the archives' directory cannot be written said "run … as the owner
     * of the release" whatever the cause (tester, session 10: a read-only {@code TERRARIUM_CDS_DIR}, a
     * regular file in its place). Each cause is named with its path and what to do, exit 1, before any
     * JVM starts. The read-only and someone-else's cases run the launcher as nobody (uid 65534) when
     * this is root, who may write any directory. About 0.5 s.
     */
    @Test
    void anUnusableCdsDirectoryIsNamedWithWhatIsWrongAndWhatToDo(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path release = releaseWithoutArchives(tmp);
        Path file = Files.writeString(tmp.resolve("a file"), "x");
        List<String> launcher = List.of("env", "LC_ALL=C", release.resolve("bin/terrariumctl").toString(), "daemon", "--train-cds");
        java.util.function.BiFunction<Path, List<String>, String> train = (dir, as) -> {
            List<String> cmd = new java.util.ArrayList<>(as);
            cmd.addAll(List.of("env", "TERRARIUM_CDS_DIR=" + dir));
            cmd.addAll(launcher);
            return exitAndOutput(cmd);
        };
        assertThat(train.apply(file, List.of())).isEqualTo("1:ERROR: the CDS directory is not a directory: " + file
                + "; remove that file or set TERRARIUM_CDS_DIR to a directory\n");
        assertThat(train.apply(file.resolve("cds"), List.of())).isEqualTo("1:ERROR: cannot create the CDS directory " + file.resolve("cds")
                + " (cannot create directory '" + file + "': Not a directory); set TERRARIUM_CDS_DIR to a directory you can write\n");
        assertThat(file).hasContent("x");

        boolean root = "0".equals(Terrariumctl.sh("id", "-u").strip());
        List<String> user = root ? List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups") : List.of();
        for (Path p = release; p.startsWith(tmp); p = p.getParent()) {
            Terrariumctl.sh("chmod", "a+rx", p.toString());
        }
        Path readOnly = Files.createDirectories(tmp.resolve("read-only"));
        if (root) {
            Terrariumctl.sh("chown", "65534:65534", readOnly.toString());
        }
        Terrariumctl.sh("chmod", "555", readOnly.toString());
        assertThat(train.apply(readOnly, user)).isEqualTo("1:ERROR: the CDS directory is read-only (mode 555): " + readOnly
                + "; make it writable (chmod u+w '" + readOnly + "') or set TERRARIUM_CDS_DIR to a writable directory\n");
        if (root) {
            // the release's own lib/cds, as another user than its owner: the owner's advice was right here, and stays
            Path cds = Files.createDirectories(release.resolve("lib/cds"));
            assertThat(train.apply(cds, user)).isEqualTo("1:ERROR: cannot write the CDS directory " + cds + ": it belongs to root (mode 755);"
                    + " run 'terrariumctl daemon --train-cds' as root, or set TERRARIUM_CDS_DIR to a directory you can write\n");
        }
        try (Stream<Path> left = Files.list(readOnly)) {
            assertThat(left).isEmpty();
        }
    }

    /**
     * As root with a shared, mode-1777 {@code TERRARIUM_CDS_DIR}, a training run removed other users'
     * {@code daemon-*} files there (tester, session 10): the owner check covered only the TMPDIR
     * leftovers. Now only this user's files with the launcher's own names go (stale partial archives of
     * dead launchers, archives of other keys, 30-minute-old partial ones); another user's, and a name the
     * launcher does not give, stay, and another user's archive of this very key is not replaced, nor a
     * cut-short CLI archive of theirs removed by a CLI command. Root only (files of nobody, uid 65534).
     * About 0.5 s.
     */
    @Test
    void aTrainingRunInASharedDirectoryRemovesOnlyItsOwnUsersFiles(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("0".equals(Terrariumctl.sh("id", "-u").strip()), "needs root to own files of nobody");
        SharedCds c = sharedCds(tmp);
        Path release = c.release(), shared = c.shared();
        List<String> launch = List.of("env", "JAVA_HOME=" + tmp.resolve("jdk"), "TERRARIUM_CDS_DIR=" + shared,
                "TMPDIR=" + Files.createDirectories(tmp.resolve("tmpdir")), release.resolve("bin/terrariumctl").toString());
        assertThat(exitAndOutput(launch, "daemon", "--train-cds")).startsWith("0:recorded ");
        String key = names(shared).get(0).replaceAll("^daemon-([0-9]+)\\..*", "$1");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String dead = String.valueOf(gone.pid());
        List<String> theirs = List.of("daemon-" + key + ".jsa.tmp." + dead, "daemon-" + key + ".jsa.tmp." + dead + ".log",
                "cli-" + key + ".jsa.tmp." + dead, "daemon-111.jsa", "daemon-111.jsa.sum", "daemon-444.jsa.tmp.1");
        for (String n : theirs) {
            Terrariumctl.sh("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "touch", "-d", "-1 hour", shared.resolve(n).toString());
        }
        List<String> notLaunchers = List.of("daemon-x.jsa.tmp." + dead, "daemon-" + key + ".jsa.tmp." + dead + ".own", "daemon-notes.jsa");
        // root's own: a dead launcher's partial files, another key's archive, a partial one older than 30 minutes
        List<String> mine = List.of("daemon-" + key + ".jsa.tmp." + dead + ".sum", "cli-" + key + ".jsa.tmp." + dead + ".sum",
                "daemon-222.jsa", "daemon-222.jsa.sum", "daemon-333.jsa.tmp.1");
        for (String n : mine) {
            Files.writeString(shared.resolve(n), "x");
        }
        Terrariumctl.sh("touch", "-d", "-1 hour", shared.resolve("daemon-333.jsa.tmp.1").toString());
        for (String n : notLaunchers) {
            Files.writeString(shared.resolve(n), "x");
        }
        Files.delete(shared.resolve("daemon-" + key + ".jsa.sum"));

        assertThat(exitAndOutput(launch, "daemon", "--train-cds")).startsWith("0:recorded ");
        List<String> expected = new java.util.ArrayList<>(theirs);
        expected.addAll(notLaunchers);
        expected.addAll(List.of("daemon-" + key + ".jsa", "daemon-" + key + ".jsa.sum"));
        assertThat(names(shared)).containsExactlyInAnyOrderElementsOf(expected);

        // nobody's archive of this key: not mapped by root's daemon, and not replaced by root's training
        Terrariumctl.sh("chown", "65534:65534", shared.resolve("daemon-" + key + ".jsa").toString());
        Files.delete(shared.resolve("daemon-" + key + ".jsa.sum"));
        assertThat(exitAndOutput(launch, "daemon", "--train-cds")).isEqualTo("1:ERROR: " + shared.resolve("daemon-" + key + ".jsa")
                + " belongs to nobody: not replaced; its owner may remove it, or set TERRARIUM_CDS_DIR to a directory of your own\n");
        assertThat(shared.resolve("daemon-" + key + ".jsa")).hasContent("archive");

        // a CLI command before any JVM: nobody's cut-short CLI archive is not root's to remove (nor to map)
        Path cli = Files.writeString(shared.resolve("cli-" + key + ".jsa"), "cut");
        Terrariumctl.sh("chown", "65534:65534", cli.toString());
        assertThat(exitAndOutput(launch, "--version")).startsWith("0:");
        assertThat(cli).hasContent("cut");
    }

    /**
     * Another user steered root's training writes through symbolic links in a shared, mode-1777
     * {@code TERRARIUM_CDS_DIR} (tester, session 11; this kernel has {@code fs.protected_symlinks=0}):
     * links at the names a run would use ({@code daemon-<key>.jsa.tmp.<pid>.log} for the coming pids)
     * made {@code daemon --train-cds} write its log over a root-only file, the CLI's training likewise, and
     * a link at {@code cli-<key>.jsa.failed} stopped root's CLI training. Now every file of a run is
     * written in a private directory with a random name and renamed into place: the same links change
     * nothing, both archives are recorded, and the links stay (another user's files). Root only. About 1 s.
     */
    @Test
    void anotherUsersLinksInASharedDirectoryNeverSteerATrainingsWrites(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("0".equals(Terrariumctl.sh("id", "-u").strip()), "needs root and a user to plant links");
        SharedCds c = sharedCds(tmp);
        Path release = c.release(), shared = c.shared();
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Terrariumctl.sh("chmod", "600", victim.toString());
        Path tmpdir = Files.createDirectories(tmp.resolve("tmpdir"));
        java.util.function.Function<Path, List<String>> launch = dir -> List.of("env", "JAVA_HOME=" + tmp.resolve("jdk"),
                "TERRARIUM_CDS_DIR=" + dir, "TMPDIR=" + tmpdir, release.resolve("bin/terrariumctl").toString());
        assertThat(exitAndOutput(launch.apply(scratch), "daemon", "--train-cds")).startsWith("0:recorded ");
        String key = names(scratch).get(0).replaceAll("^daemon-([0-9]+)\\..*", "$1");
        // as nobody: links to the victim at every name the old launcher would have used, for the next 400 pids
        String last = Files.readString(Path.of("/proc/loadavg")).trim().replaceAll(".* ", "");
        // one process (Debian's python3, not a shim in root's home), so that the pids it plants for are still to come
        String plant = "import os\nfor p in range(" + last + " + 1, " + last + " + 401):\n"
                + "    for f in ('daemon-%s.jsa.tmp.%d.log', 'daemon-%s.jsa.tmp.%d', 'cli-%s.jsa.tmp.%d.log', 'cli-%s.jsa.tmp.%d'):\n"
                + "        os.symlink('" + victim + "', os.path.join('" + shared + "', f % ('" + key + "', p)))\n"
                + "os.symlink('" + victim + "', os.path.join('" + shared + "', 'cli-" + key + ".jsa.failed'))\nprint('planted')\n";
        assertThat(Terrariumctl.sh("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", plant).strip())
                .isEqualTo("planted");
        int links = names(shared).size();

        assertThat(exitAndOutput(launch.apply(shared), "daemon", "--train-cds")).startsWith("0:recorded the daemon CDS archive ");
        assertThat(exitAndOutput(launch.apply(shared), "--version")).startsWith("0:");

        assertThat(victim).hasContent("precious");
        assertThat(shared.resolve("daemon-" + key + ".jsa")).hasContent("archive");
        assertThat(shared.resolve("cli-" + key + ".jsa")).as("the .failed link did not stop the CLI's training").hasContent("archive");
        assertThat(names(shared)).as("the links, both archives and their .sum files; no private directory left").hasSize(links + 4);
    }

    /** A release without archives whose JDK is {@link #TRAINING_THAT_HANGS} (not hanging), and a shared, mode-1777 archives' directory. */
    private record SharedCds(Path release, Path shared) {
    }

    private static SharedCds sharedCds(Path tmp) throws Exception {
        Path release = releaseWithoutArchives(tmp);
        fakeJdk(tmp, TRAINING_THAT_HANGS);
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Terrariumctl.sh("chmod", "a+rx", tmp.toString());
        Terrariumctl.sh("chmod", "1777", shared.toString());
        return new SharedCds(release, shared);
    }

    /** A release without archives, {@link #TRAINING_THAT_HANGS} as its JDK (hanging), a private TMPDIR and the archives' directory. */
    private record HangingTraining(Path release, Path jdk, Path tmpdir, Path cds) {
    }

    private static HangingTraining hangingTraining(Path tmp) throws Exception {
        Path release = releaseWithoutArchives(tmp);
        fakeJdk(tmp, TRAINING_THAT_HANGS);
        Files.createFile(tmp.resolve("jdk/hang"));
        return new HangingTraining(release, tmp.resolve("jdk"), Files.createDirectories(tmp.resolve("tmpdir")),
                Files.createDirectories(release.resolve("lib/cds")));
    }

    /** Waits (10 s at most) for the fake training JVM of {@code launcher} to record its pid, and returns it. */
    private static long trainingJvm(Path jdk, Process launcher) throws Exception {
        Path pid = jdk.resolve("jvm.pid");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(pid)) {
            if (!launcher.isAlive()) {
                throw new AssertionError("the launcher ended (exit " + launcher.exitValue() + "): "
                        + new String(launcher.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
            assertThat(System.nanoTime()).as("the training JVM starts within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        return Long.parseLong(Files.readString(pid).strip());
    }

    /**
     * What became of a training run when SIG{@code signal} was sent to its launcher: the launcher's
     * {@code "<exit code>:<output>"} (or that it still ran after 5 s), and whether the training JVM
     * still ran once the launcher had ended.
     */
    private record Interrupted(String exitAndOutput, boolean jvmRan) {
    }

    /**
     * Sends SIG{@code signal} to {@code launcher} and waits 5 s at most for it to end ({@link
     * Interrupted}); afterwards neither it nor the training JVM {@code jvm} runs, whatever the launcher
     * did, so a launcher that fails leaves no process behind.
     */
    private static Interrupted interrupt(Process launcher, long jvm, String signal) throws Exception {
        try {
            Terrariumctl.sh("kill", "-" + signal, String.valueOf(launcher.pid()));
            if (!launcher.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                return new Interrupted("SIG" + signal + ": the launcher still ran after 5 s", running(jvm));
            }
            String out = new String(launcher.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return new Interrupted(launcher.exitValue() + ":" + out, running(jvm));
        } finally {
            launcher.destroyForcibly();
            ProcessHandle.of(jvm).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Kills {@code launcher} with SIGKILL, which no trap sees, and says whether its training JVM
     * {@code jvm} still ran 5 s later; afterwards it does not, whatever the launcher did.
     */
    private static boolean killWith9(Process launcher, long jvm) throws Exception {
        try {
            launcher.destroyForcibly().waitFor();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (running(jvm) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            return running(jvm);
        } finally {
            ProcessHandle.of(jvm).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Whether process {@code pid} runs: it exists and is not a zombie (an orphan init has not reaped yet). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The names in {@code dir}, sorted. */
    private static List<String> names(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * The launcher's switches ({@code TERRARIUM_CDS}, {@code TERRARIUM_HELP_PAGES}, {@code TERRARIUM_SERVED})
     * take the usual spellings of on and off; {@code TERRARIUM_CDS=true} used to turn class-data sharing
     * off (only {@code 1} was on). Anything else is refused before any JVM, exit 2.
     */
    @Test
    void launcherSwitchesTakeTheUsualSpellingsAndRefuseOthers(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path release = releaseWithoutArchives(tmp);
        fakeJdk(tmp, """
                printf '%s\n' "$@" > "$(dirname "$0")/../argv.txt"
                for a; do case $a in -XX:ArchiveClassesAtExit=*) printf 'archive' > "${a#*=}" ;; esac; done
                exit 0""");
        Path argv = tmp.resolve("jdk/argv.txt");
        java.util.function.BiFunction<String, String[], String> run = (env, args) -> exitAndOutput(List.of("env", "JAVA_HOME=" + tmp.resolve("jdk"),
                env, release.resolve("bin/terrariumctl").toString()), args);
        java.util.function.Supplier<Boolean> mapped = () -> {
            try {
                return Files.readAllLines(argv).stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile="));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        };
        for (String on : List.of("TERRARIUM_CDS=true", "TERRARIUM_CDS=Yes", "TERRARIUM_CDS=on", "TERRARIUM_CDS=1", "TERRARIUM_CDS=")) {
            assertThat(run.apply(on, new String[]{"--version"})).as(on).isEqualTo("0:");
            assertThat(mapped.get()).as(on).isTrue();
        }
        for (String off : List.of("TERRARIUM_CDS=false", "TERRARIUM_CDS=NO", "TERRARIUM_CDS=off", "TERRARIUM_CDS=0")) {
            assertThat(run.apply(off, new String[]{"--version"})).as(off).isEqualTo("0:");
            assertThat(mapped.get()).as(off).isFalse();
        }
        assertThat(run.apply("TERRARIUM_HELP_PAGES=false", new String[]{"--help"})).isEqualTo("0:");
        assertThat(Files.readAllLines(argv)).as("Java answers --help").contains("--help");
        Files.delete(argv);
        assertThat(run.apply("TERRARIUM_HELP_PAGES=TRUE", new String[]{"--help"})).startsWith("0:Usage: terrariumctl");
        // each whatever the command (session 9 tester: TERRARIUM_SERVED=bogus passed with --help), and printed as
        // given (printf: dash's echo read the backslash in x\cy and cut the message there)
        for (String[] bad : new String[][]{{"TERRARIUM_CDS=ture", "--version"}, {"TERRARIUM_HELP_PAGES=2", "--help"},
                {"TERRARIUM_SERVED=enabled", "status"}, {"TERRARIUM_SERVED=bogus", "--help"}, {"TERRARIUM_CDS=x\\cy", "--help"}}) {
            assertThat(run.apply(bad[0], new String[]{bad[1]})).as(bad[0])
                    .isEqualTo("2:ERROR: " + bad[0] + " is neither on (1, true, yes, on) nor off (0, false, no, off)\n");
        }
        assertThat(argv).as("no JVM started for a refused value").doesNotExist();
    }

    /**
     * The real training run ({@code terrariumctl daemon --train-cds}): it starts the daemon to health
     * UP and stops, records an archive the daemon then maps, and leaves the host alone — run with
     * every host tool on PATH replaced by a stub that records its call, LXD's socket pointing at
     * nothing, the daemon's directories pointing at paths that must stay absent, and held 8 s past
     * health UP so proxy-sync's timer (first fire after 5 s) fires and is skipped as paused.
     */
    @Test
    void trainingRunRecordsAnArchiveTheDaemonMapsAndRunsNoJobNorTouchesTheHost(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path release = tmp.resolve("release");
        Terrariumctl.sh("cp", "-rL", "target/dist", release.toString());
        Terrariumctl.sh("rm", "-rf", release.resolve("lib/cds").toString());
        Path stubs = Files.createDirectories(tmp.resolve("stubs"));
        Path calls = tmp.resolve("host-calls.txt");
        for (String tool : List.of("lxc", "lxd", "zfs", "zpool", "sanoid", "syncoid", "ufw", "systemctl", "traefik", "rclone", "aws",
                "ansible-playbook", "zstd", "ip", "ss", "lsblk", "blkid", "hostname")) {
            Path stub = stubs.resolve(tool);
            Files.writeString(stub, "#!/bin/sh\necho \"" + tool + " $*\" >> '" + calls + "'\nexit 1\n");
            stub.toFile().setExecutable(true);
        }
        List<String> env = List.of("env", "PATH=" + stubs + ":" + System.getenv("PATH"),
                "LXD_SOCKET=" + tmp.resolve("no-lxd/unix.socket"), "LXD_DIR=" + tmp.resolve("no-lxd"),
                "AWS_ENDPOINT_URL=http://127.0.0.1:9", "AWS_ACCESS_KEY_ID=none", "AWS_SECRET_ACCESS_KEY=none",
                "TERRARIUM_RUN_DIR=" + tmp.resolve("run"), "TERRARIUM_STATE_DIR=" + tmp.resolve("state"),
                "TERRARIUM_ETC_DIR=" + tmp.resolve("etc"), "TMPDIR=" + Files.createDirectories(tmp.resolve("tmpdir")),
                "JAVA_TOOL_OPTIONS=-D" + io.terrarium.daemon.DaemonCdsTraining.HOLD_PROPERTY + "=8000");
        List<String> cmd = new java.util.ArrayList<>(env);
        cmd.addAll(List.of(release.resolve("bin/terrariumctl").toString(), "daemon", "--train-cds"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).startsWith("recorded the daemon CDS archive " + release.resolve("lib/cds/daemon-"))
                .contains("daemon training run: health UP after ").contains("stopped; no job ran");
        assertThat(calls).as("no host tool was called").doesNotExist();
        for (String dir : List.of("run", "state", "etc")) {
            assertThat(tmp.resolve(dir)).as("the daemon's own " + dir + " directory is never used").doesNotExist();
        }
        try (Stream<Path> left = Files.list(tmp.resolve("tmpdir"))) {
            assertThat(left).as("the private directory is removed").isEmpty();
        }
        List<String> cdsFiles;
        try (Stream<Path> s = Files.list(release.resolve("lib/cds"))) {
            cdsFiles = s.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertThat(cdsFiles).hasSize(2);
        assertThat(cdsFiles.get(0)).matches("daemon-[0-9]+\\.jsa");
        assertThat(Files.size(release.resolve("lib/cds/" + cdsFiles.get(0)))).isGreaterThan(1_000_000);

        // the daemon maps it: JDK 17 logs the dynamic archive it opens before any class of ours loads;
        // stopped right there (no job, no LXD)
        Process daemon = new ProcessBuilder("env", "TERRARIUM_RUN_DIR=" + tmp.resolve("run-d"), "TERRARIUM_STATE_DIR=" + tmp.resolve("state-d"),
                "TERRARIUM_ETC_DIR=" + tmp.resolve("etc-d"), "TERRARIUM_JAVA_OPTS=-Xlog:cds=info", "timeout", "60",
                release.resolve("bin/terrariumctl").toString(), "daemon", "--port", String.valueOf(20000 + new java.util.Random().nextInt(10000)))
                .redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(daemon.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && !line.contains("Mapped dynamic region")) {
                log.append(line).append('\n');
            }
            log.append(line);
        } finally {
            daemon.destroy();
            daemon.waitFor();
        }
        assertThat(log.toString()).contains("Opened archive " + release.resolve("lib/cds/" + cdsFiles.get(0)))
                .contains("Mapped dynamic region");
    }

    /**
     * The archive's training (issue 16) also covers what {@code backup export/restore} load — the AWS
     * SDK's S3 client and the restore classes — and needs no network: trained in a network namespace
     * without any interface (not even loopback up), the archive is written, intact, and a later JVM
     * maps the S3 client and {@code S3Restorer} from it instead of loading them from the jars.
     */
    @Test
    void theArchiveIsTrainedWithoutNetworkAndHoldsTheS3ClientAndTheRestoreClasses(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path release = tmp.resolve("terrarium");
        Terrariumctl.sh("cp", "-rL", "target/dist", release.toString());
        Terrariumctl.sh("rm", "-rf", release.resolve("lib/cds").toString());
        String sample = release.resolve("config/samples/minimal.yaml").toString();
        List<String> env = List.of("env", "-u", "TERRARIUM_JAVA_OPTS", "TERRARIUM_RUN_DIR=" + tmp.resolve("run"),
                "TERRARIUM_STATE_DIR=" + tmp.resolve("state"), "TERRARIUM_ETC_DIR=" + tmp.resolve("etc"));
        List<String> train = new java.util.ArrayList<>(List.of("unshare", "--net"));
        train.addAll(env);
        train.addAll(List.of(release.resolve("bin/terrariumctl").toString(), "config", "check", sample));
        assertThat(Terrariumctl.sh(train.toArray(String[]::new))).contains("minimal.yaml: valid");
        List<Path> archives;
        try (Stream<Path> s = Files.list(release.resolve("lib/cds"))) {
            archives = s.filter(f -> f.getFileName().toString().endsWith(".jsa")).toList();
        }
        assertThat(archives).as("trained in a namespace without network").hasSize(1);
        assertThat(Terrariumctl.sh("sh", "-c", "cksum < '" + archives.get(0) + "'"))
                .isEqualTo(Files.readString(Path.of(archives.get(0) + ".sum")));
        // a later JVM of the same release: which classes come from the archive (top layer = the CLI's archive)
        List<String> check = new java.util.ArrayList<>(env);
        check.add("TERRARIUM_JAVA_OPTS=-Xlog:class+load=info");
        check.addAll(List.of(release.resolve("bin/terrariumctl").toString(), "config", "check", sample, "--cds-training"));
        String loads = Terrariumctl.sh(check.toArray(String[]::new));
        assertThat(loads).contains("cds training: 20 S3 requests stopped before sending")
                .containsPattern("software\\.amazon\\.awssdk\\.services\\.s3\\.DefaultS3Client source: shared objects file \\(top\\)")
                .containsPattern("software\\.amazon\\.awssdk\\.http\\.apache\\.ApacheHttpClient source: shared objects file \\(top\\)")
                .containsPattern("io\\.terrarium\\.restore\\.S3Restorer source: shared objects file \\(top\\)")
                .containsPattern("io\\.terrarium\\.s3\\.VerifiedVolumesStream source: shared objects file \\(top\\)");
    }

    /** A JAVA_HOME at {@code <tmp>/jdk} whose {@code bin/java} is the shell script {@code body}. */
    private static void fakeJdk(Path tmp, String body) throws java.io.IOException {
        Path fake = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(fake, "#!/bin/sh\n" + body + "\n");
        fake.toFile().setExecutable(true);
    }

    /**
     * A copy of the built release under a path with a space (the archive flag was once split there),
     * without any class-data archive, so a test starts from a release nothing has trained yet.
     */
    private static Path releaseWithoutArchives(Path tmp) throws Exception {
        Path release = tmp.resolve("opt with space/terrarium");
        Files.createDirectories(release.getParent());
        Terrariumctl.sh("cp", "-rL", "target/dist", release.toString());
        Terrariumctl.sh("rm", "-rf", release.resolve("lib/cds").toString());
        return release;
    }

    /** Runs {@code command} followed by {@code args}, stderr merged: {@code "<exit code>:<output>"}. */
    private static String exitAndOutput(List<String> command, String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(command);
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return p.waitFor() + ":" + out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
