package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.jobs.Job;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15 item 8: bash completion offered no job ids after {@code jobs run}. */
class JobIdsTest {
    @Test
    void theCompletionCandidatesAreTheJobsTheDaemonRuns() {
        App app = new App(TerrariumPaths.from(Map.of()), new RecordingCommandRunner(c -> RecordingCommandRunner.Reply.ok("")));
        assertThat(JobIds.ALL).containsExactlyElementsOf(app.jobs(TerrariumConfig.defaults()).stream().map(Job::id).toList());
    }

    @Test
    void theBashScriptOffersJobIdsAfterJobsRunPauseAndResume() {
        String script = CompletionCommand.script(TerrariumCommand.commandLine(
                new App(TerrariumPaths.from(Map.of()), new RecordingCommandRunner(c -> RecordingCommandRunner.Reply.ok("")))));
        for (String sub : new String[]{"run", "pause", "resume"}) {
            int at = script.indexOf("function _picocli_terrariumctl_jobs_" + sub + "()");
            assertThat(at).as(sub).isPositive();
            String fn = script.substring(at, script.indexOf("\n}\n", at));
            assertThat(fn).as(sub).contains("host-facts").contains("s3-export").contains("restore-drill");
        }
    }
}
